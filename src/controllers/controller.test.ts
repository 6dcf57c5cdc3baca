import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { FakeClient } from '../machinery/client/testing/fake-client.js';
import { Informer } from '../machinery/client/informer.js';
import { WorkQueue } from '../machinery/controller/work-queue.js';
import { runController, TerminalError } from '../machinery/controller/controller.js';
import type { ObjectKey } from '../machinery/client/object-key.js';
import { CONFIG_MAPS } from '../machinery/resources/well-known.js';
import { quietPeriod, until } from '../testing/until.js';

const log = pino({ level: 'silent' });

test('informer events become keys; failures retry with backoff; requeueAfter comes back; terminal errors stop', async () => {
  const fake = new FakeClient();
  fake.seed(
    CONFIG_MAPS,
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'flaky', namespace: 'a' } },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'later', namespace: 'a' } },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'broken', namespace: 'a' } },
  );
  const informer = new Informer(fake, CONFIG_MAPS, { log });
  const calls: string[] = [];
  let active = 0;
  let maxActive = 0;
  const reconcile = async (k: ObjectKey) => {
    calls.push(`${k.namespace}/${k.name}`);
    active++;
    maxActive = Math.max(maxActive, active);
    await new Promise((r) => setTimeout(r, 2));
    active--;
    if (k.name === 'flaky' && calls.filter((c) => c === 'a/flaky').length < 3) throw new Error('try again');
    if (k.name === 'broken') throw new TerminalError('nope');
    if (k.name === 'later' && calls.filter((c) => c === 'a/later').length < 2) return { requeueAfterMs: 10 };
    return undefined;
  };
  const ctl = await runController({
    name: 't',
    reconcile,
    sources: [{ informer }],
    log,
    workers: 1,
    queue: new WorkQueue({ baseDelayMs: 1 }),
  });
  await until(
    'flaky retried to success and later requeued once',
    () => calls.filter((c) => c === 'a/flaky').length === 3 && calls.filter((c) => c === 'a/later').length === 2,
  );
  await quietPeriod(30, 'no retry of the terminal error, no reconcile after success');
  assert.equal(calls.filter((c) => c === 'a/broken').length, 1, 'terminal errors are not retried');
  assert.equal(calls.filter((c) => c === 'a/flaky').length, 3, 'no retries after success');
  assert.equal(maxActive, 1);
  await fake.create(CONFIG_MAPS, 'b', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'new' } });
  await until('a new object reconciled', () => calls.includes('b/new'));
  await ctl.stop();
  await informer.stop();
});
