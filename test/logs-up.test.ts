/**
 * `kubectl logs` against real pods under `flotilla up` (server + in-process agent, the request still
 * goes API server -> agent HTTPS server): whole log, --tail, --timestamps, -f following lines the
 * container appends, errors (unknown container, unknown pod). Runs as root; skipped when a real
 * cluster owns the `flotilla0` bridge. Cleans up with `flotilla killall --data-dir` and removes the data dir.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { kubectlBinary, type KubectlResult } from './helpers/cluster.js';
import { startUp, UP_BRIDGE_TAKEN, type UpProcess } from './helpers/up-process.js';
import { until } from './helpers/wait-until.js';

const skip = UP_BRIDGE_TAKEN && 'flotilla0 exists: a real cluster runs here';
let up: UpProcess | undefined;

const k = (args: string[], stdin?: string): Promise<KubectlResult> => {
  assert.ok(up);
  return up.kubectl(args, stdin);
};

const pod = (name: string, script: string) =>
  JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: {
      terminationGracePeriodSeconds: 1,
      containers: [{ name: 'main', image: 'busybox', command: ['sh', '-c', script] }],
    },
  });

before(async () => {
  if (UP_BRIDGE_TAKEN) return;
  up = await startUp({ name: 'logs' });
  for (const [name, script] of [
    ['hello', 'echo hello; echo world; sleep 3600'],
    ['ticker', 'i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.2; done'],
  ] as const) {
    const r = await k(['apply', '-f', '-'], pod(name, script));
    assert.equal(r.code, 0, r.stderr);
  }
  const w = await k(['wait', '--for=condition=Ready', 'pod/hello', 'pod/ticker', '--timeout=60s']);
  assert.equal(w.code, 0, w.stderr + up.output());
});

after(async () => {
  await up?.stop();
});

/** Retries while the container has not written its lines yet. */
async function logsUntil(args: string[], want: (s: string) => boolean): Promise<KubectlResult> {
  let r = await k(args);
  // On timeout the last result is returned: the caller's assertions show what it printed.
  await until(`kubectl ${args.join(' ')} to print the expected output`, async () => {
    r = await k(args);
    return r.code === 0 && want(r.stdout);
  }).catch(() => undefined);
  return r;
}

test('kubectl logs prints the container output; --tail=1 the last line', { skip }, async () => {
  const all = await logsUntil(['logs', 'hello'], (s) => s === 'hello\nworld\n');
  assert.equal(all.code, 0, all.stderr);
  assert.equal(all.stdout, 'hello\nworld\n');
  const tail = await k(['logs', 'hello', '--tail=1']);
  assert.equal(tail.code, 0, tail.stderr);
  assert.equal(tail.stdout, 'world\n');
  const byName = await k(['logs', 'hello', '-c', 'main', '--limit-bytes=3']);
  assert.equal(byName.stdout, 'hel');
});

test('kubectl logs --timestamps prefixes RFC 3339 times', { skip }, async () => {
  const r = await k(['logs', 'hello', '--timestamps']);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  assert.equal(lines.length, 2, r.stdout);
  for (const [i, l] of lines.entries())
    assert.match(
      l,
      new RegExp(`^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?(Z|[+-]\\d\\d:\\d\\d) ${['hello', 'world'][i]}$`),
    );
});

test('kubectl logs -f streams lines the container appends later', { skip }, async () => {
  const proc = spawn(
    kubectlBinary(),
    ['--kubeconfig', join(up?.dataDir ?? '', 'kubeconfig.yaml'), 'logs', '-f', 'ticker', '--tail=1'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let got = '';
  let err = '';
  proc.stdout.setEncoding('utf8').on('data', (c: string) => (got += c));
  proc.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
  try {
    const ticks = () => [...got.matchAll(/tick (\d+)/g)].map((m) => Number(m[1]));
    await until('four ticks followed (or kubectl exited)', () => ticks().length >= 4 || proc.exitCode !== null, {
      timeoutMs: 15_000,
    }).catch(() => undefined); // the assertions below show the output
    const seen = ticks();
    assert.ok(seen.length >= 4, `followed output: ${JSON.stringify(got)} ${err}`);
    for (let i = 1; i < seen.length; i++) assert.equal(seen[i], (seen[i - 1] ?? 0) + 1, got);
    assert.equal(proc.exitCode, null, 'still following');
  } finally {
    proc.kill('SIGKILL');
  }
});

test('kubectl logs errors: unknown container 400, unknown pod 404', { skip }, async () => {
  const bad = await k(['logs', 'hello', '-c', 'nope']);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /container nope is not valid for pod hello/);
  const missing = await k(['logs', 'nosuchpod']);
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr, /pods "nosuchpod" not found/);
});
