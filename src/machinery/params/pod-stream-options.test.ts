import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiError } from '../../api/errors.js';
import {
  kubeletStreamQuery,
  parseKubeletStreamQuery,
  parsePodLogOptions,
  parsePodStreamOptions,
  podLogQuery,
} from './pod-stream-options.js';

test('pod log options: Python-style booleans, integers, sinceTime, and the canonical agent query', () => {
  const o = parsePodLogOptions(
    new URLSearchParams('container=app&follow=True&timestamps=1&previous=False&tailLines=10&limitBytes=2048'),
  );
  assert.deepEqual(o, {
    container: 'app',
    follow: true,
    previous: false,
    timestamps: true,
    sinceSeconds: undefined,
    sinceTimeMs: undefined,
    tailLines: 10,
    limitBytes: 2048,
  });
  assert.equal(podLogQuery(o).toString(), 'follow=true&timestamps=true&tailLines=10&limitBytes=2048');
  const t = parsePodLogOptions(new URLSearchParams('sinceTime=2026-01-02T03:04:05.678%2B01:00'));
  assert.equal(t.sinceTimeMs, Date.parse('2026-01-02T02:04:05Z'));
  assert.equal(podLogQuery(t).get('sinceTime'), '2026-01-02T02:04:05Z');
  // the agent reads what the API server wrote
  assert.deepEqual(parsePodLogOptions(podLogQuery(o)), { ...o, container: undefined });
});

test('pod log options are validated as Kubernetes does', () => {
  const invalid = (qs: string, message: RegExp) =>
    assert.throws(
      () => parsePodLogOptions(new URLSearchParams(qs), 'web'),
      (err: unknown) => err instanceof ApiError && err.code === 422 && message.test(err.message),
      qs,
    );
  invalid(
    'tailLines=-1',
    /^PodLogOptions "web" is invalid: tailLines: Invalid value: -1: must be greater than or equal to 0$/,
  );
  invalid('limitBytes=0', /limitBytes: Invalid value: 0: must be greater than 0/);
  invalid('sinceSeconds=0', /sinceSeconds: Invalid value: 0: must be greater than 0/);
  invalid(
    'sinceSeconds=5&sinceTime=2026-01-02T03:04:05Z',
    /at most one of `sinceTime` or `sinceSeconds` may be specified/,
  );
  assert.throws(() => parsePodLogOptions(new URLSearchParams('tailLines=ten')), /tailLines: Invalid value: "ten"/);
  assert.throws(() => parsePodLogOptions(new URLSearchParams('sinceTime=yesterday')), /sinceTime: Invalid value/);
});

test('exec options from the client query become the kubelet query the agent reads back', () => {
  const o = parsePodStreamOptions(
    new URLSearchParams(
      'command=sh&command=-c&command=echo+hi&container=main&stdout=True&stderr=True&stdin=False&tty=false',
    ),
  );
  assert.deepEqual(o, {
    container: 'main',
    command: ['sh', '-c', 'echo hi'],
    stdin: false,
    stdout: true,
    stderr: true,
    tty: false,
  });
  const q = kubeletStreamQuery(o);
  assert.equal(q.toString(), 'command=sh&command=-c&command=echo+hi&output=1&error=1');
  assert.deepEqual(parseKubeletStreamQuery(q), { ...o, container: undefined });
  // the agent also takes the PodExecOptions names
  assert.deepEqual(parseKubeletStreamQuery(new URLSearchParams('stdin=true&tty=1')), {
    container: undefined,
    command: [],
    stdin: true,
    stdout: false,
    stderr: false,
    tty: true,
  });
});
