import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import type { ContainerRuntime, ContainerState } from '../runtime/container-runtime.js';
import { MIN_GRACE_AFTER_PRESTOP_MS, runHook, stopGracefully } from './lifecycle-hooks.js';

const pod: Pod = { metadata: { name: 'p', namespace: 'n', uid: 'u' } };
const c: Container = { name: 'main', ports: [{ name: 'web', containerPort: 0 }] };

test("runHook exec: exit 0 succeeds; a failure gives kubelet's message", async () => {
  const calls: string[][] = [];
  const target = (code: number) => ({
    podIP: '',
    exec: async (args: string[]) => {
      calls.push(args);
      return code;
    },
  });
  assert.equal(await runHook('PostStart', { exec: { command: ['touch', '/x'] } }, pod, c, target(0), 1000), undefined);
  assert.deepEqual(calls, [['touch', '/x']]);
  assert.equal(
    await runHook('PostStart', { exec: { command: ['sh', '-c', 'exit 1'] } }, pod, c, target(1), 1000),
    'Exec lifecycle hook ([sh -c exit 1]) for Container "main" in Pod "p_n(u)" failed - error: command \'sh -c exit 1\' exited with 1, message: ""',
  );
  assert.match(
    (await runHook('PreStop', { exec: { command: ['sleep', '9'] } }, pod, c, target(124), 1000)) ?? '',
    /timed out after 1000 ms/,
  );
});

test('runHook httpGet (named port, path, headers) and sleep', async () => {
  const hits: string[] = [];
  const srv = createServer((req, res) => {
    hits.push(`${req.url} ${req.headers['x-hook']}`);
    res.writeHead(500).end();
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as AddressInfo).port;
  const named: Container = { name: 'main', ports: [{ name: 'web', containerPort: port }] };
  try {
    // As kubelet: any answer is success, whatever its status.
    assert.equal(
      await runHook(
        'PreStop',
        { httpGet: { path: '/quit', port: 'web', httpHeaders: [{ name: 'X-Hook', value: 'y' }] } },
        pod,
        named,
        { podIP: '127.0.0.1', exec: async () => 0 },
        2000,
      ),
      undefined,
    );
    assert.deepEqual(hits, ['/quit y']);
  } finally {
    await new Promise<void>((r) => srv.close(() => r()));
  }
  assert.match(
    (await runHook(
      'PreStop',
      { httpGet: { path: '/', port } },
      pod,
      c,
      { podIP: '127.0.0.1', exec: async () => 0 },
      2000,
    )) ?? '',
    /^HTTP lifecycle hook \(\/\) for Container "main" in Pod "p_n\(u\)" failed - error: .*ECONNREFUSED/,
  );
  const t0 = Date.now();
  assert.equal(
    await runHook('PreStop', { sleep: { seconds: 5 } }, pod, c, { podIP: '', exec: async () => 0 }, 200),
    undefined,
  );
  assert.ok(Date.now() - t0 >= 190 && Date.now() - t0 < 2000, 'sleep bounded by the timeout');
});

function fakeRuntime(status: ContainerState['status'], log: string[]): ContainerRuntime {
  const state: ContainerState = { id: 'u-main-0', podUid: 'u', name: 'main', attempt: 0, status };
  return {
    listContainers: () => [state],
    stopContainer: async (id: string, graceMs: number) => {
      log.push(`stop ${id} ${graceMs}`);
    },
  } as unknown as ContainerRuntime;
}

test('stopGracefully: preStop first, then SIGTERM with what is left of the grace (at least 2 s)', async () => {
  const log: string[] = [];
  const withHook: Container = { name: 'main', lifecycle: { preStop: { exec: { command: ['drain'] } } } };
  const target = {
    podIP: '',
    exec: async (args: string[], timeoutMs: number) => {
      log.push(`exec ${args.join(' ')} ${timeoutMs}`);
      return 0;
    },
  };
  await stopGracefully({
    runtime: fakeRuntime('running', log),
    pod,
    id: 'u-main-0',
    container: withHook,
    target,
    graceMs: 30_000,
  });
  assert.equal(log[0], 'exec drain 30000');
  const grace = Number(log[1]?.split(' ')[2]);
  assert.ok(grace > 29_000 && grace <= 30_000, log.join('\n'));

  const failed: string[] = [];
  log.length = 0;
  await stopGracefully({
    runtime: fakeRuntime('running', log),
    pod,
    id: 'u-main-0',
    container: withHook,
    target: { podIP: '', exec: async () => 1 },
    graceMs: 1000,
    onHookFailed: (m) => failed.push(m),
  });
  assert.deepEqual(log, [`stop u-main-0 ${MIN_GRACE_AFTER_PRESTOP_MS}`]);
  assert.equal(failed.length, 1);

  log.length = 0;
  await stopGracefully({
    runtime: fakeRuntime('exited', log),
    pod,
    id: 'u-main-0',
    container: withHook,
    target,
    graceMs: 5000,
  });
  assert.deepEqual(log, ['stop u-main-0 5000'], 'no hook for a container that is not running');
  log.length = 0;
  await stopGracefully({
    runtime: fakeRuntime('running', log),
    pod,
    id: 'u-main-0',
    container: withHook,
    target,
    graceMs: 0,
  });
  assert.deepEqual(log, ['stop u-main-0 0'], 'no hook with grace 0');
});
