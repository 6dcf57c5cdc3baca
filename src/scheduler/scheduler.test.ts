import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../api/object.js';
import { FakeClient } from '../machinery/client/testing/fake-client.js';
import { EVENTS } from '../machinery/events/event-recorder.js';
import { Scheduler } from './scheduler.js';
import { until } from '../testing/until.js';
import { makeNode, makePod } from './testing/fixtures.js';
import { NODES, PODS } from '../machinery/resources/well-known.js';

const log = pino({ level: 'silent' });
const obj = (o: object): KubeObject => o as KubeObject;

test('binds each pending pod to the node that fits, and records why one fits nowhere', async () => {
  const client = new FakeClient();
  client.seed(
    NODES,
    obj(makeNode('small', { cpu: '1' })),
    obj(makeNode('big', { cpu: '8' })),
    obj(makeNode('tainted', { cpu: '16', taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] })),
  );
  client.seed(
    PODS,
    obj(makePod('needs-4', { cpu: '4' })),
    obj(makePod('huge', { cpu: '32' })),
    obj(makePod('other-scheduler', { cpu: '1', spec: { schedulerName: 'other' } })),
  );
  const binds: string[] = [];
  const s = new Scheduler({
    client,
    log,
    random: () => 0,
    bind: async (ns, name, _uid, node) => {
      binds.push(`${ns}/${name}->${node}`);
    },
  });
  await s.start();
  await until('one pod bound, one unschedulable', () => s.stats.bound === 1 && s.stats.unschedulable === 1);
  await until('a FailedScheduling event', () =>
    client.actions.some(
      (a) =>
        a.resource === 'events' && a.verb === 'create' && (a.body as { reason?: string }).reason === 'FailedScheduling',
    ),
  );
  await s.stop();
  assert.deepEqual(binds, ['default/needs-4->big']);
  const failed = client.actions.find(
    (a) => a.resource === 'events' && (a.body as { reason?: string }).reason === 'FailedScheduling',
  );
  assert.equal(
    (failed?.body as { message?: string } | undefined)?.message,
    '0/3 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}, 2 Insufficient cpu. preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.',
  );
  const status = client.actions.find((a) => a.resource === 'pods' && a.subresource === 'status');
  assert.equal(status?.name, 'huge');
  const cond = (status?.body as { status: Pod['status'] } | undefined)?.status?.conditions?.[0];
  assert.equal(cond?.reason, 'Unschedulable');
  assert.equal(cond?.status, 'False');
});

test('a pod assumed on a node counts against it before its binding is seen', async () => {
  const client = new FakeClient();
  client.seed(NODES, obj(makeNode('a', { cpu: '2' })), obj(makeNode('b', { cpu: '2' })));
  client.seed(PODS, ...['p1', 'p2', 'p3'].map((n) => obj(makePod(n, { cpu: '2' }))));
  const binds: string[] = [];
  const s = new Scheduler({
    client,
    log,
    bind: async (_ns, name, _uid, node) => {
      binds.push(`${name}->${node}`);
    },
  });
  await s.start();
  await until('two pods bound, one unschedulable', () => s.stats.bound === 2 && s.stats.unschedulable === 1);
  await s.stop();
  assert.deepEqual(new Set(binds.map((b) => b.split('->')[1])), new Set(['a', 'b']));
});

test('a failed binding forgets the assumed pod and retries it after backoff', async () => {
  const client = new FakeClient();
  client.seed(NODES, obj(makeNode('a', { cpu: '2' })));
  client.seed(PODS, obj(makePod('p', { cpu: '2' })));
  let calls = 0;
  const s = new Scheduler({
    client,
    log,
    initialBackoffMs: 10,
    bind: async () => {
      if (calls++ === 0) throw new Error('connection reset');
    },
  });
  await s.start();
  const t = setInterval(() => s.queue.flush(), 5);
  await until('the pod bound on retry', () => s.stats.bound === 1);
  clearInterval(t);
  await s.stop();
  assert.equal(s.stats.bindErrors, 1);
  assert.equal(calls, 2);
});

test('a pod that keeps failing to fit gets one FailedScheduling event whose count goes up', async () => {
  const client = new FakeClient();
  client.seed(NODES, obj(makeNode('small', { cpu: '1' })));
  client.seed(PODS, obj(makePod('huge', { cpu: '32' })));
  const s = new Scheduler({ client, log, initialBackoffMs: 1, bind: async () => {} });
  await s.start();
  const t = setInterval(() => {
    s.queue.moveAllToActiveOrBackoff();
    s.queue.flush();
  }, 5);
  await until('three scheduling attempts', () => s.stats.unschedulable >= 3);
  clearInterval(t);
  await s.stop();
  const events = client.actions.filter((a) => a.resource === 'events');
  assert.equal(events[0]?.verb, 'create');
  const first = events[0]?.body as { reason?: string; source?: object; reportingInstance?: string; count?: number };
  assert.equal(first.reason, 'FailedScheduling');
  assert.deepEqual(first.source, { component: 'default-scheduler' });
  assert.equal(first.reportingInstance, 'default-scheduler');
  assert.ok(events.length >= 2);
  for (const e of events.slice(1)) {
    assert.equal(e.verb, 'patch');
    assert.equal(e.name, events[0]?.name);
  }
  const stored = client.peek(EVENTS, 'default', events[0]?.name ?? '');
  assert.equal((stored as { count?: number }).count, s.stats.unschedulable);
});
