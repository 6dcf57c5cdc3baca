import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Event } from 'kubernetes-types/core/v1.js';
import pino from 'pino';
import { FakeClient } from '../../machinery/client/testing/fake-client.js';
import { clientEventRecorder } from '../../machinery/events/event-recorder.js';
import { containerFieldPath, PodEvents, podDescription } from './pod-events.js';
import type { PodObject } from './pod-workers.js';

const pod: PodObject = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web', namespace: 'n', uid: 'u1', resourceVersion: '3' },
  spec: { initContainers: [{ name: 'setup', image: 'busybox' }], containers: [{ name: 'main', image: 'busybox' }] },
};

function kubeletEvents(fake: FakeClient, now: () => Date) {
  const recorder = clientEventRecorder({
    client: fake,
    component: 'kubelet',
    host: 'node-1',
    log: pino({ level: 'silent' }),
    now,
  });
  return { events: new PodEvents(recorder), flush: () => recorder.idle() };
}

test('pod events are kubelet events: source host, fieldPath, reporting instance', async () => {
  const fake = new FakeClient();
  const { events: ev, flush } = kubeletEvents(fake, () => new Date('2024-05-01T10:00:00Z'));
  ev.emit(pod, 'Normal', 'Created', 'Created container main', 'main');
  await flush();
  assert.equal(fake.actions.length, 1);
  const e = fake.actions[0]?.body as Event;
  assert.equal(fake.actions[0]?.resource, 'events');
  assert.deepEqual(e.source, { component: 'kubelet', host: 'node-1' });
  assert.equal(e.reportingComponent, 'kubelet');
  assert.equal(e.reportingInstance, 'node-1');
  assert.deepEqual(e.involvedObject, {
    apiVersion: 'v1',
    kind: 'Pod',
    name: 'web',
    namespace: 'n',
    uid: 'u1',
    resourceVersion: '3',
    fieldPath: 'spec.containers{main}',
  });
  assert.equal(containerFieldPath(pod, 'setup'), 'spec.initContainers{setup}');
  assert.equal(podDescription(pod), 'web_n(u1)');
});

test('a repeated event increments count on the first instead of creating another', async () => {
  const fake = new FakeClient();
  let t = Date.parse('2024-05-01T10:00:00Z');
  const { events: ev, flush } = kubeletEvents(fake, () => new Date(t));
  ev.emit(pod, 'Warning', 'BackOff', 'Back-off restarting failed container main in pod web_n(u1)', 'main');
  await flush();
  t += 10_000;
  ev.emit(pod, 'Warning', 'BackOff', 'Back-off restarting failed container main in pod web_n(u1)', 'main');
  await flush();
  assert.deepEqual(
    fake.actions.map((a) => a.verb),
    ['create', 'patch'],
  );
  assert.deepEqual(fake.actions[1]?.body, {
    count: 2,
    lastTimestamp: '2024-05-01T10:00:10Z',
    message: 'Back-off restarting failed container main in pod web_n(u1)',
  });
  // The same reason about the pod itself (no fieldPath) is another Event.
  ev.emit(pod, 'Warning', 'BackOff', 'Back-off restarting failed container main in pod web_n(u1)');
  await flush();
  assert.deepEqual(
    fake.actions.map((a) => a.verb),
    ['create', 'patch', 'create'],
  );
  assert.equal((fake.actions[2]?.body as Event | undefined)?.involvedObject.fieldPath, undefined);
});
