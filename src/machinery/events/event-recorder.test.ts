import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { FakeClient } from '../client/testing/fake-client.js';
import type { Event } from 'kubernetes-types/core/v1.js';
import { buildEvent, clientEventRecorder, podReference, RecordingEventRecorder } from './event-recorder.js';

const rs = {
  apiVersion: 'apps/v1',
  kind: 'ReplicaSet',
  metadata: { name: 'web-abc', namespace: 'n', uid: 'u1', resourceVersion: '7' },
};

test('buildEvent: the Event kube-controller-manager writes', () => {
  const ev = buildEvent(
    rs,
    'Normal',
    'SuccessfulCreate',
    'Created pod: web-abc-x',
    { component: 'replicaset-controller' },
    new Date('2024-05-01T10:00:00.123Z'),
  );
  assert.match(ev.metadata.name ?? '', /^web-abc\.[0-9a-f]+$/);
  assert.deepEqual(
    { ...ev, metadata: { namespace: ev.metadata.namespace } },
    {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { namespace: 'n' },
      involvedObject: {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        name: 'web-abc',
        namespace: 'n',
        uid: 'u1',
        resourceVersion: '7',
      },
      reason: 'SuccessfulCreate',
      message: 'Created pod: web-abc-x',
      type: 'Normal',
      count: 1,
      firstTimestamp: '2024-05-01T10:00:00Z',
      lastTimestamp: '2024-05-01T10:00:00Z',
      source: { component: 'replicaset-controller' },
      reportingComponent: 'replicaset-controller',
      reportingInstance: '',
    },
  );
});

test('clientEventRecorder creates the Event in the object namespace', async () => {
  const fake = new FakeClient();
  clientEventRecorder({ client: fake, component: 'c', log: pino({ level: 'silent' }) }).event(
    rs,
    'Warning',
    'FailedCreate',
    'boom',
  );
  await new Promise((r) => setImmediate(r));
  assert.equal(fake.actions.length, 1);
  assert.equal(fake.actions[0].resource, 'events');
  assert.equal(fake.actions[0].namespace, 'n');
});

test('buildEvent: a kubelet event names the node as source host and reporting instance', () => {
  const at = new Date('2024-05-01T10:00:00Z');
  const ev = buildEvent(
    { apiVersion: 'v1', kind: 'Pod', name: 'web', namespace: 'n', uid: 'u1', fieldPath: 'spec.containers{main}' },
    'Normal',
    'Started',
    'Started container main',
    { component: 'kubelet', host: 'node-1' },
    at,
  );
  assert.deepEqual(ev.source, { component: 'kubelet', host: 'node-1' });
  assert.equal(ev.reportingComponent, 'kubelet');
  assert.equal(ev.reportingInstance, 'node-1');
  assert.equal(ev.involvedObject.fieldPath, 'spec.containers{main}');
  const sched = buildEvent(
    rs,
    'Normal',
    'Scheduled',
    'm',
    { component: 'default-scheduler', instance: 'default-scheduler' },
    at,
  );
  assert.deepEqual(sched.source, { component: 'default-scheduler' });
  assert.equal(sched.reportingInstance, 'default-scheduler');
  const node = buildEvent(
    { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-1', uid: 'n1' } },
    'Warning',
    'ImageGCFailed',
    'm',
    { component: 'kubelet', host: 'node-1' },
    at,
  );
  assert.equal(node.metadata.namespace, 'default', 'events about cluster-scoped objects go to default');
});

test('podReference: a pod as involvedObject, also a slimmed copy without apiVersion and kind', () => {
  const pod = { metadata: { name: 'web', namespace: 'n', uid: 'u1', resourceVersion: '3' } };
  assert.deepEqual(podReference(pod), {
    apiVersion: 'v1',
    kind: 'Pod',
    name: 'web',
    namespace: 'n',
    uid: 'u1',
    resourceVersion: '3',
  });
  assert.equal(podReference(pod, 'spec.containers{a}').fieldPath, 'spec.containers{a}');
});

test('clientEventRecorder correlates: a repeat patches count, similar events combine, spam is dropped', async () => {
  const fake = new FakeClient();
  let now = Date.parse('2024-05-01T10:00:00Z');
  const rec = clientEventRecorder({
    client: fake,
    component: 'replicaset-controller',
    log: pino({ level: 'silent' }),
    now: () => new Date(now),
  });
  rec.event(rs, 'Warning', 'FailedCreate', 'quota exceeded');
  await rec.idle();
  now += 5_000;
  rec.event(rs, 'Warning', 'FailedCreate', 'quota exceeded');
  await rec.idle();
  assert.deepEqual(
    fake.actions.map((a) => a.verb),
    ['create', 'patch'],
  );
  assert.equal(fake.actions[1]?.name, fake.actions[0]?.name);
  assert.deepEqual(fake.actions[1]?.body, {
    count: 2,
    lastTimestamp: '2024-05-01T10:00:05Z',
    message: 'quota exceeded',
  });
  for (let i = 2; i <= 10; i++) rec.event(rs, 'Warning', 'FailedCreate', `quota exceeded (${i})`);
  await rec.idle();
  const last = fake.actions.at(-1)?.body as Event;
  assert.equal(last.message, '(combined from similar events): quota exceeded (10)');
  // 11 writes so far (the repeat included); 14 more fill the burst of 25, the rest are dropped.
  for (let i = 0; i < 20; i++) rec.event(rs, 'Normal', `Reason${i}`, 'm');
  await rec.idle();
  assert.equal(rec.filtered, 6);
  assert.equal(fake.actions.length, 25);
});

test('RecordingEventRecorder keeps what tests assert', () => {
  const r = new RecordingEventRecorder();
  r.event(rs, 'Normal', 'SuccessfulCreate', 'Created pod: web-abc-x');
  assert.deepEqual(r.events, ['Normal SuccessfulCreate Created pod: web-abc-x']);
  assert.equal(r.subjects[0]?.name, 'web-abc');
});
