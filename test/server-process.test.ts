/**
 * `flotilla server` as a real process driven by the real kubectl: start-up, the kubeconfig it
 * writes, /version through `kubectl version`, credentials, and a graceful stop on SIGTERM.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { kubectl, kubectlVersions, startTestServer, type TestServer } from './helpers/cluster.js';
import { until } from './helpers/wait-until.js';

let server: TestServer;

before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server?.stop();
});

test('kubectl version shows the server version through the written kubeconfig', async () => {
  const r = await server.kubectl(['version', '-o', 'json']);
  assert.equal(r.code, 0, r.stderr);
  const v = JSON.parse(r.stdout);
  assert.equal(v.serverVersion.gitVersion, 'v1.31.0-flotilla');
  assert.equal(v.serverVersion.major, '1');
});

test('the oldest supported kubectl (1.27) talks to it too', { skip: !kubectlVersions().includes('1.27') }, async () => {
  const r = await server.kubectl(['get', '--raw', '/readyz?verbose'], { version: '1.27' });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /readyz check passed/);
});

test('kubectl lists the default namespaces with the admin kubeconfig', async () => {
  const r = await server.kubectl(['get', 'namespaces', '-o', 'name']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^namespace\/default$/m);
  assert.match(r.stdout, /^namespace\/kube-system$/m);
});

test('a kubeconfig with a wrong token is refused with Unauthorized', async () => {
  const bad = join(server.dataDir, 'bad-kubeconfig.yaml');
  const original = await import('node:fs/promises').then((fs) => fs.readFile(server.kubeconfig, 'utf8'));
  await writeFile(bad, original.replace(server.token, 'not-the-token'), { mode: 0o600 });
  const r = await kubectl(['get', 'namespaces'], { kubeconfig: bad });
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /Unauthorized|must be logged in/);
});

test('SIGTERM stops the server gracefully: exit 0 and the SQLite WAL checkpointed', async () => {
  const s = await startTestServer();
  try {
    const created = await s.kubectl(['create', 'namespace', 'graceful']);
    assert.equal(created.code, 0, created.stderr);
    await s.kill('SIGTERM');
    assert.match(s.output().stdout, /SIGTERM: shutting down/);
    const wal = join(s.dataDir, 'db', 'state.db-wal');
    assert.ok(!existsSync(wal) || statSync(wal).size === 0, 'WAL should be empty after a clean close');
    const again = await startTestServer({ dataDir: s.dataDir });
    try {
      const r = await again.kubectl(['get', 'namespace', 'graceful', '-o', 'name']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.trim(), 'namespace/graceful');
    } finally {
      await again.kill('SIGTERM');
    }
  } finally {
    await s.stop();
  }
});

test('bin/flotilla up prints how to use the cluster and exits 0 on SIGINT', async () => {
  const { spawn } = await import('node:child_process');
  const { mkdtemp, rm } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { REPO_ROOT } = await import('./helpers/cluster.js');
  const dir = await mkdtemp(join(tmpdir(), 'flotilla-up-'));
  try {
    // Its own pod bridge (<name>0), not flotilla0: agent-up and logs-up skip themselves when flotilla0 exists.
    const cluster = `fsp${Math.floor(Math.random() * 0xffff).toString(16)}`;
    const child = spawn(
      join(REPO_ROOT, 'bin', 'flotilla'),
      ['up', '--data-dir', dir, '--port', '0', '--bind-address', '127.0.0.1', '--cluster-name', cluster],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    const exit = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    await until(
      'the start-up hint (or an exit)',
      () => out.includes('kubectl get namespaces') || child.exitCode !== null,
      {
        timeoutMs: 30_000,
        describe: () => out,
      },
    );
    assert.match(out, /starting a single-node cluster/);
    assert.ok(out.includes(`export KUBECONFIG=${join(dir, 'kubeconfig.yaml')}`), out);
    child.kill('SIGINT');
    assert.equal(await exit, 0);
    assert.match(out, /SIGINT: shutting down/);
  } finally {
    // `up` runs the node agent, whose bridge and blackhole routes outlive it on purpose (as k3s'): remove them.
    const { spawnSync } = await import('node:child_process');
    spawnSync(join(REPO_ROOT, 'bin', 'flotilla'), ['killall', '--data-dir', dir], { stdio: 'ignore' });
    await rm(dir, { recursive: true, force: true });
  }
});
