/**
 * `flotilla backup` / `restore` / `snapshot` / `migrate` against real servers, written to with the
 * real kubectl: a SQLite backup taken while kubectl writes holds exactly the acknowledged objects up
 * to its revision; a write acknowledged by a server then killed -9 is in the next backup; an etcd
 * snapshot restores into a new etcd; scheduled snapshots keep their retention; a SQLite store moves
 * to etcd and clients holding old resourceVersions relist.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { etcdAvailable, startEtcdTestServer } from '../src/store/etcd/etcd-test-server.js';
import { flotillaCommand, REPO_ROOT, startTestServer, type TestServer } from './helpers/cluster.js';
import { apiRequest } from './helpers/e2e.js';
import { until } from './helpers/wait-until.js';

const skipEtcd = etcdAvailable() && existsSync('/usr/bin/etcdctl') ? false : 'etcd or etcdctl is not installed';
const cleanup: Array<() => Promise<void>> = [];
after(async () => {
  for (const c of cleanup.reverse()) await c().catch(() => undefined);
});

async function tempDir(name: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `flotilla-${name}-`));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Runs the flotilla CLI; resolves with its exit code and output. */
function flotilla(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...flotillaCommand(), ...args], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

async function ok(args: string[]): Promise<string> {
  const r = await flotilla(args);
  assert.equal(r.code, 0, `flotilla ${args.join(' ')} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** The revision a backup's description names. */
function backupRevision(stdout: string): number {
  const m = /at revision (\d+), (\d+) keys/.exec(stdout);
  assert.ok(m, stdout);
  return Number(m[1]);
}

async function started(s: Promise<TestServer>): Promise<TestServer> {
  const server = await s;
  cleanup.push(() => server.stop());
  return server;
}

/** ConfigMaps of the default namespace by name: resourceVersion and data. */
async function configMaps(s: TestServer): Promise<Map<string, { rv: number; data: Record<string, string> }>> {
  const r = await s.kubectl(['get', 'configmaps', '-n', 'default', '-o', 'json']);
  assert.equal(r.code, 0, r.stderr);
  const list = JSON.parse(r.stdout) as {
    items: Array<{ metadata: { name: string; resourceVersion: string }; data?: Record<string, string> }>;
  };
  return new Map(
    list.items.map((c) => [c.metadata.name, { rv: Number(c.metadata.resourceVersion), data: c.data ?? {} }]),
  );
}

/** kubectl create configmap; the resourceVersion the server acknowledged, or undefined when it failed. */
async function createConfigMap(s: TestServer, name: string): Promise<number | undefined> {
  const r = await s.kubectl([
    'create',
    'configmap',
    name,
    '-n',
    'default',
    `--from-literal=name=${name}`,
    '-o',
    'jsonpath={.metadata.resourceVersion}',
  ]);
  return r.code === 0 ? Number(r.stdout.trim()) : undefined;
}

test('SQLite: a backup taken while kubectl writes restores into a fresh data dir with every acknowledged object up to its revision', async () => {
  const source = await started(startTestServer());
  const manifest = {
    apiVersion: 'v1',
    kind: 'List',
    items: Array.from({ length: 30 }, (_, i) => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: `before-${i}`, namespace: 'default' },
      data: { i: String(i) },
    })),
  };
  const file = join(source.dataDir, 'before.json');
  await writeFile(file, JSON.stringify(manifest));
  const applied = await source.kubectl(['apply', '-f', file]);
  assert.equal(applied.code, 0, applied.stderr);

  // Two writers keep creating while the backup runs; each remembers what the server acknowledged.
  const acked = new Map<string, number>();
  let writing = true;
  const writer = async (w: number): Promise<void> => {
    for (let i = 0; writing; i++) {
      const name = `during-${w}-${i}`;
      const rv = await createConfigMap(source, name);
      if (rv !== undefined) acked.set(name, rv);
    }
  };
  const writers = [writer(0), writer(1)];
  await until('writes to be acknowledged', () => acked.size >= 4, { timeoutMs: 60_000 });
  const out = join(await tempDir('backup-out'), 'cluster.tar.gz');
  const taken = await ok(['backup', '--data-dir', source.dataDir, '--out', out]);
  const ackedBefore = acked.size;
  await until('more writes after the backup', () => acked.size >= ackedBefore + 4, { timeoutMs: 60_000 });
  writing = false;
  await Promise.all(writers);
  const revision = backupRevision(taken);
  assert.match(taken, /store: SQLite database at revision \d+/);
  assert.match(taken, /tls\/ca\.key/);
  assert.match(taken, /tls\/service-account\.key/);
  assert.match(taken, /cred\/encryption-config\.yaml/);
  assert.match(taken, /admin-token/);

  // Restoring over a data dir in use is refused without --force.
  const refused = await flotilla(['restore', out, '--data-dir', source.dataDir]);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /is not empty .*--force/);

  const target = await tempDir('restored');
  const restored = await ok(['restore', out, '--data-dir', target]);
  assert.match(restored, /restored into .*db\/state\.db/);
  assert.equal(
    readFileSync(join(target, 'tls', 'ca.crt'), 'utf8'),
    readFileSync(join(source.dataDir, 'tls', 'ca.crt'), 'utf8'),
  );
  const server = await started(startTestServer({ dataDir: target }));
  assert.equal(server.token, source.token, 'the admin token came back with the backup');
  const got = await configMaps(server);
  for (let i = 0; i < 30; i++) assert.deepEqual(got.get(`before-${i}`)?.data, { i: String(i) });
  let inBackup = 0;
  for (const [name, rv] of acked) {
    const found = got.get(name);
    if (rv <= revision) {
      inBackup += 1;
      assert.ok(found, `${name} (resourceVersion ${rv} <= backup revision ${revision}) is missing`);
      assert.equal(found.rv, rv, `${name} keeps its resourceVersion`);
    } else {
      assert.equal(found, undefined, `${name} (resourceVersion ${rv} > ${revision}) is in a backup taken before it`);
    }
  }
  assert.ok(inBackup >= 4, `writes acknowledged before the backup are in it (${inBackup})`);
  // The restored cluster goes on from there.
  assert.ok(((await createConfigMap(server, 'after-restore')) ?? 0) > revision);
});

test('SQLite: a write acknowledged by a server then killed with -9 is in the next backup', async () => {
  const s = await started(startTestServer());
  const rv = await createConfigMap(s, 'acked-then-killed');
  assert.ok(rv !== undefined);
  await s.kill('SIGKILL');
  const out = join(await tempDir('backup-kill'), 'after-kill.tar.gz');
  const taken = await ok(['backup', '--data-dir', s.dataDir, '--out', out]);
  assert.ok(backupRevision(taken) >= rv);
  const target = await tempDir('restored-kill');
  await ok(['restore', out, '--data-dir', target]);
  const server = await started(startTestServer({ dataDir: target }));
  assert.equal((await configMaps(server)).get('acked-then-killed')?.rv, rv);
});

test('snapshots: a schedule takes them and keeps the retention; snapshot save, ls and prune', async () => {
  const s = await started(
    startTestServer({ extraArgs: ['--snapshot-schedule', '*/2 * * * * *', '--snapshot-retention', '2'] }),
  );
  await createConfigMap(s, 'snapshotted');
  const dir = join(s.dataDir, 'db', 'snapshots');
  // Three runs or more: two kept, the older ones pruned.
  const seen = new Set<string>();
  await until(
    'three scheduled snapshots, the oldest pruned',
    async () => {
      const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => n.endsWith('.tar.gz'));
      for (const n of names) seen.add(n);
      return seen.size >= 3 && names.length === 2;
    },
    { timeoutMs: 30_000, intervalMs: 100 },
  );
  const ls = await ok(['snapshot', 'ls', '--data-dir', s.dataDir]);
  assert.equal(ls.trim().split('\n').length, 3, ls);
  assert.match(ls, /flotilla-snapshot-.*-\d+\.tar\.gz\tfile:\/\//);
  const manual = await ok(['snapshot', 'save', '--data-dir', s.dataDir, '--snapshot-dir', join(s.dataDir, 'manual')]);
  assert.match(manual, /backup: .*manual\/flotilla-snapshot-/);
  const newest = /backup: (\S+)/.exec(manual)?.[1] ?? '';
  const target = await tempDir('restored-snapshot');
  await ok(['restore', newest, '--data-dir', target]);
  assert.ok(existsSync(join(target, 'db', 'state.db')));
  const pruned = await ok([
    'snapshot',
    'prune',
    '--data-dir',
    s.dataDir,
    '--snapshot-dir',
    join(s.dataDir, 'manual'),
    '--snapshot-retention',
    '1',
  ]);
  assert.match(pruned, /0 snapshot\(s\) removed/);
});

test('etcd: a snapshot taken while the server runs restores into a new etcd that a server on the restored data dir serves', {
  skip: skipEtcd,
}, async () => {
  const etcd = await startEtcdTestServer();
  cleanup.push(() => etcd.stop());
  const spec = `etcd://127.0.0.1:${etcd.clientPort}`;
  const source = await started(startTestServer({ datastore: spec }));
  const acked = new Map<string, number>();
  for (let i = 0; i < 5; i++) {
    const rv = await createConfigMap(source, `etcd-${i}`);
    assert.ok(rv !== undefined);
    acked.set(`etcd-${i}`, rv);
  }
  const out = join(await tempDir('backup-etcd'), 'etcd.tar.gz');
  const taken = await ok(['backup', '--data-dir', source.dataDir, '--datastore', spec, '--out', out]);
  assert.match(taken, /store: etcd snapshot at revision \d+/);
  assert.ok(backupRevision(taken) >= Math.max(...acked.values()));

  const target = await tempDir('restored-etcd');
  const restoredEtcd = await startEtcdTestServer({
    prepareDataDir: async (dataDir, member) => {
      await ok([
        'restore',
        out,
        '--data-dir',
        target,
        '--etcd-data-dir',
        dataDir,
        '--etcd-name',
        member.name,
        '--etcd-peer-url',
        member.peerUrl,
      ]);
    },
  });
  cleanup.push(() => restoredEtcd.stop());
  const server = await started(
    startTestServer({ dataDir: target, datastore: `etcd://127.0.0.1:${restoredEtcd.clientPort}` }),
  );
  const got = await configMaps(server);
  for (const [name, rv] of acked) assert.equal(got.get(name)?.rv, rv, `${name} keeps its resourceVersion`);
});

test('migrate: a SQLite store moves to an empty etcd; objects stay, an old resourceVersion gets 410 Gone and a relist watches cleanly', {
  skip: skipEtcd,
}, async () => {
  const s = await started(startTestServer());
  for (let i = 0; i < 5; i++) assert.ok((await createConfigMap(s, `moved-${i}`)) !== undefined);
  const before = await configMaps(s);
  const oldRv = Math.max(...[...before.values()].map((c) => c.rv));
  const uid = JSON.parse((await s.kubectl(['get', 'configmap', 'moved-0', '-o', 'json'])).stdout).metadata.uid;
  // Refused while the server runs.
  const etcd = await startEtcdTestServer();
  cleanup.push(() => etcd.stop());
  const running = await flotilla(['migrate', '--data-dir', s.dataDir, '--to-etcd', `127.0.0.1:${etcd.clientPort}`]);
  assert.equal(running.code, 1);
  assert.match(running.stderr, /a server is running/);
  await s.kill('SIGTERM');

  const migrated = await ok(['migrate', '--data-dir', s.dataDir, '--to-etcd', `127.0.0.1:${etcd.clientPort}`]);
  assert.match(migrated, /migrated \d+ keys/);
  const server = await started(
    startTestServer({ dataDir: s.dataDir, datastore: `etcd://127.0.0.1:${etcd.clientPort}` }),
  );
  const after = await configMaps(server);
  for (const [name, c] of before) {
    assert.deepEqual(after.get(name)?.data, c.data, `${name} was migrated`);
    assert.ok((after.get(name)?.rv ?? 0) > oldRv, `${name} has an etcd resourceVersion above the old ones`);
  }
  assert.equal(
    JSON.parse((await server.kubectl(['get', 'configmap', 'moved-0', '-o', 'json'])).stdout).metadata.uid,
    uid,
  );
  // A client that watches from a resourceVersion it saw before the migration is told to relist.
  const stale = await apiRequest(
    server,
    'GET',
    `/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=${oldRv}&timeoutSeconds=5`,
  );
  assert.ok(
    stale.status === 410 || /"code":410/.test(stale.text),
    `watch from ${oldRv}: ${stale.status} ${stale.text.slice(0, 300)}`,
  );
  // The relist gives a resourceVersion a watch follows from.
  const list = await apiRequest(server, 'GET', '/api/v1/namespaces/default/configmaps');
  const listRv = list.json.metadata.resourceVersion as string;
  const watching = apiRequest(
    server,
    'GET',
    `/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=${listRv}&timeoutSeconds=4`,
  );
  await createConfigMap(server, 'after-migration');
  const events = (await watching).text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { type: string; object: { metadata: { name: string } } });
  assert.deepEqual(
    events.map((e) => `${e.type} ${e.object.metadata.name}`),
    ['ADDED after-migration'],
  );
});

test('etcd over TLS: backup of an https:// store with the client certificate in <data-dir>/tls/etcd', {
  skip: skipEtcd,
}, async () => {
  const { issueCa, issueLeaf } = await import('../src/machinery/pki/issue-certs.js');
  const { createServer } = await import('node:net');
  const dataDir = await tempDir('backup-etcd-tls');
  const etcdDir = await tempDir('etcd-tls-member');
  const ca = await issueCa(30);
  const member = await issueLeaf(ca, {
    subject: 'CN=etcd-member',
    usage: 'server',
    names: { dns: ['localhost'], ips: ['127.0.0.1'] },
    validDays: 30,
  });
  const client = await issueLeaf(ca, { subject: 'CN=kube-apiserver-etcd-client', usage: 'client', validDays: 30 });
  const tlsDir = join(dataDir, 'tls', 'etcd');
  await import('node:fs/promises').then((fs) => fs.mkdir(tlsDir, { recursive: true }));
  const files = {
    ca: join(tlsDir, 'ca.crt'),
    memberCert: join(etcdDir, 'member.crt'),
    memberKey: join(etcdDir, 'member.key'),
    clientCert: join(tlsDir, 'apiserver-etcd-client.crt'),
    clientKey: join(tlsDir, 'apiserver-etcd-client.key'),
  };
  await writeFile(files.ca, ca.cert);
  await writeFile(files.memberCert, member.cert);
  await writeFile(files.memberKey, member.key);
  await writeFile(files.clientCert, client.cert);
  await writeFile(files.clientKey, client.key);
  const freePort = (): Promise<number> =>
    new Promise((resolve) => {
      const srv = createServer().listen(0, '127.0.0.1', () => {
        const port = (srv.address() as { port: number }).port;
        srv.close(() => resolve(port));
      });
    });
  const [clientPort, peerPort] = [await freePort(), await freePort()];
  const endpoint = `https://127.0.0.1:${clientPort}`;
  const etcd = spawn(
    'etcd',
    [
      '--name=tls',
      `--data-dir=${join(etcdDir, 'data')}`,
      `--listen-client-urls=${endpoint}`,
      `--advertise-client-urls=${endpoint}`,
      `--listen-peer-urls=http://127.0.0.1:${peerPort}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${peerPort}`,
      `--initial-cluster=tls=http://127.0.0.1:${peerPort}`,
      `--cert-file=${files.memberCert}`,
      `--key-file=${files.memberKey}`,
      `--trusted-ca-file=${files.ca}`,
      '--client-cert-auth',
      '--log-level=error',
      '--logger=zap',
    ],
    { stdio: 'ignore' },
  );
  cleanup.push(async () => {
    etcd.kill('SIGKILL');
  });
  const etcdctl = (args: string[]) =>
    new Promise<number>((resolve) => {
      const c = spawn(
        'etcdctl',
        [
          `--endpoints=${endpoint}`,
          `--cacert=${files.ca}`,
          `--cert=${files.clientCert}`,
          `--key=${files.clientKey}`,
          ...args,
        ],
        { env: { ...process.env, ETCDCTL_API: '3' }, stdio: 'ignore' },
      );
      c.on('close', (code) => resolve(code ?? 1));
    });
  await until('etcd with TLS to answer', async () => (await etcdctl(['endpoint', 'health'])) === 0, {
    timeoutMs: 20_000,
  });
  for (let i = 0; i < 3; i++) assert.equal(await etcdctl(['put', `/registry/configmaps/default/tls-${i}`, 'x']), 0);
  // Without the client certificate etcd refuses the snapshot; the data dir's files are the default.
  const out = join(dataDir, 'tls-backup.tar.gz');
  const taken = await ok(['backup', '--data-dir', dataDir, '--datastore', endpoint, '--out', out]);
  assert.match(taken, /store: etcd snapshot at revision 4, \d+ keys/);
  assert.match(taken, /tls\/etcd\/apiserver-etcd-client\.key/);
  const refused = await flotilla([
    'backup',
    '--data-dir',
    dataDir,
    '--datastore',
    endpoint,
    '--etcd-cafile',
    files.ca,
    '--out',
    join(dataDir, 'refused.tar.gz'),
  ]);
  assert.equal(refused.code, 1, refused.stdout);
});
