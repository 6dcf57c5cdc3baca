/**
 * HAProxy as src/ingress drives it, without a cluster: a rendered config on 127.0.0.1 ports, two
 * local HTTP servers as endpoints. Checks that the rendered config is accepted, that runtime
 * commands move a slot between servers without a reload, that a reload replaces the worker while
 * the port keeps answering, and that a HAProxy left behind (an agent killed without a stop) is
 * found and stopped through its pid file, and that HAProxy dies with its parent (SIGKILL
 * included). Stops what it starts.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, get, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import pino from 'pino';
import type { ProxyModel } from '../src/ingress/index.js';
import { renderConfig, renderCrtList, startHaproxy, stopIngressLeftover } from '../src/ingress/index.js';
import { issueCa, issueLeaf } from '../src/machinery/pki/issue-certs.js';
import { REPO_ROOT } from './helpers/cluster.js';
import { freePort } from './helpers/registry.js';
import { untilWith } from './helpers/wait-until.js';

const until = untilWith({ timeoutMs: 10_000, intervalMs: 50 });

const log = pino({ level: 'silent' });
const cleanups: (() => Promise<unknown>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => {});
});

async function backend(name: string): Promise<number> {
  const server: Server = createServer((_req, res) => res.end(name));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise((r) => server.close(r)));
  return (server.address() as AddressInfo).port;
}

function fetchText(port: number, host: string, path = '/'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path, headers: { host }, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => {
        body += d;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

test('rendered config runs; runtime commands switch servers; a reload keeps the port; a leftover is stopped', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'flotilla-haproxy-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const [a, b] = [await backend('a'), await backend('b')];
  const ca = await issueCa(1);
  const leaf = await issueLeaf(ca, { subject: 'CN=default', usage: 'server', validDays: 1 });
  await mkdir(join(dir, 'certs'));
  await writeFile(join(dir, 'certs', 'default.pem'), `${leaf.cert}\n${leaf.key}\n`);
  const model: ProxyModel = {
    hosts: [{ host: 'x.example', paths: [{ match: 'Prefix', path: '/', backend: 'ns_i_s_80' }] }],
    backends: new Map([
      ['ns_i_s_80', { name: 'ns_i_s_80', namespace: 'ns', ingress: 'i', service: 's', port: 80, endpoints: [] }],
    ]),
    certs: [],
  };
  const listen = {
    bindAddress: '127.0.0.1',
    httpPort: await freePort(),
    httpsPort: await freePort(),
    metricsPort: 0,
    dir,
  };
  const configFile = join(dir, 'haproxy.cfg');
  await writeFile(join(dir, 'crt-list.txt'), renderCrtList(model, dir));
  await writeFile(configFile, renderConfig(model, new Map([['ns_i_s_80', [`127.0.0.1:${a}`, undefined]]]), listen));
  const hp = await startHaproxy({ configFile, socket: join(dir, 'haproxy.sock'), dir, log });
  cleanups.push(() => hp.stop());

  assert.deepEqual(await fetchText(listen.httpPort, 'x.example'), { status: 200, body: 'a' });
  assert.equal((await fetchText(listen.httpPort, 'y.example')).status, 404);
  const pid = await hp.workerPid();
  // Slot 1 to maintenance, slot 2 to backend b: answers come from b, same worker.
  const out = await hp.command([
    'set server ns_i_s_80/s1 state maint',
    `set server ns_i_s_80/s2 addr 127.0.0.1 port ${b}`,
    'set server ns_i_s_80/s2 state ready',
  ]);
  assert.doesNotMatch(out, /No such|Invalid|Require/);
  assert.deepEqual(await fetchText(listen.httpPort, 'x.example'), { status: 200, body: 'b' });
  assert.equal(await hp.workerPid(), pid);

  // A reload with the addresses in the file: a new worker, the port answers throughout.
  await writeFile(configFile, renderConfig(model, new Map([['ns_i_s_80', [undefined, `127.0.0.1:${a}`]]]), listen));
  await hp.reload();
  assert.notEqual(await hp.workerPid(), pid);
  assert.deepEqual(await fetchText(listen.httpPort, 'x.example'), { status: 200, body: 'a' });
  // A bad config is refused before the signal: the running worker stays.
  const pid2 = await hp.workerPid();
  await writeFile(configFile, 'global\n  no-such-keyword\n');
  await assert.rejects(hp.reload(), /config rejected/);
  assert.equal(await hp.workerPid(), pid2);

  // Left behind: `flotilla killall` finds it by its pid file and stops it.
  assert.equal(await stopIngressLeftover(dir, log), true);
  const exit = await hp.exited;
  assert.equal(exit.code === 0 || exit.signal === 'SIGTERM' || exit.code === 143, true, JSON.stringify(exit));
  assert.equal(await stopIngressLeftover(dir, log), false);
  await assert.rejects(fetchText(listen.httpPort, 'x.example'));
});

test('HAProxy dies with the process that started it, even by SIGKILL', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'flotilla-haproxy-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const configFile = join(dir, 'haproxy.cfg');
  const socket = join(dir, 'haproxy.sock');
  const port = await freePort();
  await writeFile(
    configFile,
    `global\n  master-worker\n  stats socket ${socket} mode 600 level admin expose-fd listeners\n` +
      `defaults\n  mode http\n  timeout connect 1s\n  timeout client 5s\n  timeout server 5s\n` +
      `frontend f\n  bind 127.0.0.1:${port}\n  http-request return status 200\n`,
  );
  // A parent process that starts HAProxy and prints its master pid, then waits to be killed.
  const script =
    `import(${JSON.stringify(join(REPO_ROOT, 'src', 'ingress', 'index.ts'))}).then(async ({ startHaproxy }) => {` +
    "  const pino = (await import('pino')).default;" +
    `  await startHaproxy({ configFile: ${JSON.stringify(configFile)}, socket: ${JSON.stringify(socket)}, dir: ${JSON.stringify(dir)}, log: pino({ level: 'silent' }) });` +
    `  process.stdout.write((await import('node:fs')).readFileSync(${JSON.stringify(join(dir, 'haproxy-master.pid'))}, 'utf8'));` +
    '  setInterval(() => {}, 1000);' +
    '});';
  const parent = spawn(process.execPath, ['--import', 'tsx', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  cleanups.push(async () => parent.kill('SIGKILL'));
  const pid = await new Promise<number>((resolve, reject) => {
    parent.stdout.on('data', (d) => resolve(Number(String(d).trim())));
    parent.on('exit', () => reject(new Error('the parent exited before HAProxy ran')));
  });
  assert.ok(pid > 0);
  assert.equal((await fetchText(port, 'any')).status, 200);
  parent.kill('SIGKILL');
  await until('the HAProxy master is gone', async () =>
    (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')) ? undefined : true,
  );
  await assert.rejects(fetchText(port, 'any'));
});
