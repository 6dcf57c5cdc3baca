import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { FakeClient } from '../client/testing/fake-client.js';
import { buildEvent, clientEventRecorder } from './event-recorder.js';

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
    'replicaset-controller',
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
