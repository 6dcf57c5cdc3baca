/**
 * HAProxy as src/ingress drives it, without a cluster: a rendered config on 127.0.0.1 ports, two
 * local HTTP servers as endpoints. Checks that the rendered config is accepted, that runtime
 * commands move a slot between servers without a reload, that a reload replaces the worker while
 * the port keeps answering, and that a HAProxy left behind (an agent killed without a stop) is
 * found and stopped through its pid file. Stops what it starts.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, get, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import pino from 'pino';
import type { ProxyModel } from '../src/ingress/index.js';
import { renderConfig, renderCrtList, startHaproxy, stopIngressLeftover } from '../src/ingress/index.js';
import { issueCa, issueLeaf } from '../src/machinery/pki/issue-certs.js';
import { freePort } from './helpers/registry.js';

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
