import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import type { KubeObject } from '../../api/object.js';
import { Informer } from '../../machinery/client/informer.js';
import { RecordingEventRecorder } from '../../machinery/events/event-recorder.js';
import { GenerateNameFakeClient } from '../replicaset/fake-cluster.js';
import { JobController } from './job-controller.js';
import { JOBS, PODS } from '../../machinery/resources/well-known.js';

const log = pino({ level: 'silent' });
const NOW = Date.parse('2024-01-01T01:00:00Z');
const OWNER = {
  apiVersion: 'batch/v1',
  kind: 'Job',
  name: 'pi',
  uid: 'job-uid',
  controller: true,
  blockOwnerDeletion: true,
};
const LABELS = { 'batch.kubernetes.io/controller-uid': 'job-uid', 'batch.kubernetes.io/job-name': 'pi' };
const FIN = 'batch.kubernetes.io/job-tracking';

function job(spec: Record<string, unknown> = {}, status: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'pi', namespace: 'n', uid: 'job-uid' },
    spec: {
      completions: 3,
      parallelism: 2,
      backoffLimit: 6,
      completionMode: 'NonIndexed',
      suspend: false,
      selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'job-uid' } },
      template: {
        metadata: { labels: LABELS },
        spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] },
      },
      ...spec,
    },
    status,
  };
}

function pod(name: string, phase: string, extra: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'n',
      uid: `uid-${name}`,
      labels: LABELS,
      ownerReferences: [OWNER],
      finalizers: [FIN],
      ...extra,
    },
    spec: { containers: [{ name: 'c', image: 'busybox' }] },
    status: { phase },
  };
}

async function setup(j: KubeObject, pods: KubeObject[], now = NOW, podFailureBackoffMs?: number) {
  const fake = new GenerateNameFakeClient();
  fake.seed(JOBS, j);
  fake.seed(PODS, ...pods);
  const jobs = new Informer(fake, JOBS, { log });
  const podInformer = new Informer(fake, PODS, { log });
  const recorder = new RecordingEventRecorder();
  const ctrl = new JobController({
    client: fake,
    jobs,
    pods: podInformer,
    recorder,
    log,
    now: () => now,
    podFailureBackoffMs,
  });
  podInformer.addHandlers(ctrl.observePod);
  jobs.start();
  podInformer.start();
  await Promise.all([jobs.waitForSync(), podInformer.waitForSync()]);
  const stop = async () => {
    await jobs.stop();
    await podInformer.stop();
  };
  return { fake, ctrl, recorder, stop };
}

const T = '2024-01-01T01:00:00Z';
type Summary = [string, string, string, unknown?];

function summarize(actions: GenerateNameFakeClient['actions']): Summary[] {
  return actions.map((a) => {
    if (a.verb === 'update' && a.subresource === 'status')
      return [a.verb, a.resource, a.name, (a.body as KubeObject).status];
    if (a.verb === 'create') return [a.verb, a.resource, (a.body as KubeObject).metadata.generateName ?? a.name];
    return [a.verb, a.resource, a.name, a.body];
  });
}

test('a new Job creates parallelism pods with the tracking finalizer and owner, then writes active and startTime', async () => {
  const { fake, ctrl, recorder, stop } = await setup(job(), []);
  await ctrl.reconcile({ namespace: 'n', name: 'pi' });
  assert.deepEqual(summarize(fake.actions), [
    ['create', 'pods', 'pi-'],
    ['create', 'pods', 'pi-'],
    ['update', 'jobs', 'pi', { startTime: T, active: 2, ready: 0, uncountedTerminatedPods: {} }],
  ]);
  const created = fake.actions[0].body as KubeObject;
  assert.deepEqual(created.metadata.finalizers, [FIN]);
  assert.deepEqual(created.metadata.ownerReferences, [OWNER]);
  assert.deepEqual(created.metadata.labels, LABELS);
  assert.deepEqual(recorder.events, [
    'Normal SuccessfulCreate Created pod: pi-1',
    'Normal SuccessfulCreate Created pod: pi-2',
  ]);
  await stop();
});

test('a succeeded pod is recorded as uncounted, its finalizer removed, then counted; a replacement is created', async () => {
  const { fake, ctrl, stop } = await setup(job({}, { startTime: T, active: 2 }), [
    pod('a', 'Succeeded'),
    pod('b', 'Running'),
  ]);
  await ctrl.reconcile({ namespace: 'n', name: 'pi' });
  assert.deepEqual(summarize(fake.actions), [
    [
      'update',
      'jobs',
      'pi',
      { startTime: T, active: 2, uncountedTerminatedPods: { succeeded: ['uid-a'], failed: [] } },
    ],
    [
      'patch',
      'pods',
      'a',
      {
        metadata: {
          finalizers: [],
          resourceVersion: fake.actions[1] && (fake.actions[1].body as KubeObject).metadata.resourceVersion,
        },
      },
    ],
    ['create', 'pods', 'pi-'],
    ['update', 'jobs', 'pi', { startTime: T, active: 2, ready: 0, succeeded: 1, uncountedTerminatedPods: {} }],
  ]);
  assert.equal(fake.peek(PODS, 'n', 'a')?.metadata.finalizers, undefined);
  await stop();
});

test('the last success completes the Job: Complete condition, completionTime, Completed event', async () => {
  const { fake, ctrl, recorder, stop } = await setup(job({}, { startTime: T, active: 1, succeeded: 2 }), [
    pod('c', 'Succeeded'),
  ]);
  await ctrl.reconcile({ namespace: 'n', name: 'pi' });
  const last = summarize(fake.actions).at(-1);
  assert.deepEqual(last, [
    'update',
    'jobs',
    'pi',
    {
      startTime: T,
      active: 0,
      ready: 0,
      succeeded: 3,
      uncountedTerminatedPods: {},
      completionTime: T,
      conditions: [
        {
          type: 'Complete',
          status: 'True',
          reason: 'CompletionsReached',
          message: 'Reached expected number of succeeded pods',
          lastProbeTime: T,
          lastTransitionTime: T,
        },
      ],
    },
  ]);
  assert.deepEqual(recorder.events, ['Normal Completed Job completed']);
  await stop();
});

test('failures past backoffLimit fail the Job with BackoffLimitExceeded and delete the active pods', async () => {
  const { fake, ctrl, recorder, stop } = await setup(job({ backoffLimit: 1 }, { startTime: T, active: 1, failed: 1 }), [
    pod('f', 'Failed'),
    pod('r', 'Running'),
  ]);
  await ctrl.reconcile({ namespace: 'n', name: 'pi' });
  const s = summarize(fake.actions);
  assert.deepEqual(
    s.slice(1, 3).map((a) => [a[0], a[2]]),
    [
      ['patch', 'f'],
      ['delete', 'r'],
    ],
  );
  const status = s.at(-1)?.[3] as { failed: number; conditions: { type: string; reason: string }[]; active: number };
  assert.equal(status.failed, 2);
  assert.equal(status.active, 0);
  assert.deepEqual(
    status.conditions.map((c) => [c.type, c.reason]),
    [['Failed', 'BackoffLimitExceeded']],
  );
  assert.deepEqual(recorder.events, [
    'Normal SuccessfulDelete Deleted pod: r',
    'Warning BackoffLimitExceeded Job has reached the specified backoff limit',
  ]);
  await stop();
});

test('activeDeadlineSeconds: requeued at the deadline, failed with DeadlineExceeded past it', async () => {
  const running = await setup(job({ activeDeadlineSeconds: 60 }, { startTime: '2024-01-01T00:59:30Z', active: 2 }), [
    pod('a', 'Running'),
    pod('b', 'Running'),
  ]);
  assert.deepEqual(await running.ctrl.reconcile({ namespace: 'n', name: 'pi' }), { requeueAfterMs: 30_000 });
  await running.stop();
  const late = await setup(job({ activeDeadlineSeconds: 60 }, { startTime: '2024-01-01T00:58:00Z', active: 2 }), [
    pod('a', 'Running'),
    pod('b', 'Running'),
  ]);
  await late.ctrl.reconcile({ namespace: 'n', name: 'pi' });
  assert.deepEqual(
    late.recorder.events.at(-1),
    'Warning DeadlineExceeded Job was active longer than specified deadline',
  );
  assert.deepEqual(
    summarize(late.fake.actions).map((a) => [a[0], a[2]]),
    [
      ['delete', 'a'],
      ['delete', 'b'],
      ['update', 'pi'],
    ],
  );
  await late.stop();
});

test('Indexed: pods get the lowest free indexes as annotation, label, generateName and hostname', async () => {
  const done = pod('x', 'Succeeded', { annotations: { 'batch.kubernetes.io/job-completion-index': '0' } });
  const { fake, ctrl, stop } = await setup(job({ completionMode: 'Indexed' }, { startTime: T }), [done]);
  await ctrl.reconcile({ namespace: 'n', name: 'pi' });
  const creates = fake.actions.filter((a) => a.verb === 'create').map((a) => a.body as KubeObject);
  assert.deepEqual(
    creates.map((p) => [
      p.metadata.generateName,
      p.metadata.annotations?.['batch.kubernetes.io/job-completion-index'],
      p.metadata.labels?.['batch.kubernetes.io/job-completion-index'],
      (p.spec as { hostname?: string }).hostname,
    ]),
    [
      ['pi-1-', '1', '1', 'pi-1'],
      ['pi-2-', '2', '2', 'pi-2'],
    ],
  );
  const last = summarize(fake.actions).at(-1)?.[3] as { completedIndexes: string; succeeded: number };
  assert.deepEqual([last.completedIndexes, last.succeeded], ['0', 1]);
  await stop();
});

test('suspend deletes the active pods and sets Suspended; resume restarts the clock', async () => {
  const { fake, ctrl, recorder, stop } = await setup(
    job({ suspend: true }, { startTime: '2024-01-01T00:00:00Z', active: 1 }),
    [pod('a', 'Running')],
  );
  await ctrl.reconcile({ namespace: 'n', name: 'pi' });
  const status = summarize(fake.actions).at(-1)?.[3] as {
    conditions: { type: string; status: string; reason: string }[];
    active: number;
  };
  assert.deepEqual(
    [status.active, status.conditions.map((c) => [c.type, c.status, c.reason])],
    [0, [['Suspended', 'True', 'JobSuspended']]],
  );
  assert.deepEqual(recorder.events, ['Normal SuccessfulDelete Deleted pod: a', 'Normal Suspended Job suspended']);
  await stop();
});

test('a finished Job is deleted (foreground) once ttlSecondsAfterFinished has passed, requeued before', async () => {
  const finished = {
    startTime: T,
    completionTime: '2024-01-01T00:59:50Z',
    succeeded: 3,
    conditions: [{ type: 'Complete', status: 'True' }],
  };
  const early = await setup(job({ ttlSecondsAfterFinished: 30 }, finished), []);
  assert.deepEqual(await early.ctrl.reconcile({ namespace: 'n', name: 'pi' }), { requeueAfterMs: 20_000 });
  assert.deepEqual(early.fake.actions, []);
  await early.stop();
  const late = await setup(job({ ttlSecondsAfterFinished: 5 }, finished), []);
  await late.ctrl.reconcile({ namespace: 'n', name: 'pi' });
  assert.deepEqual(late.fake.actions, [
    {
      verb: 'delete',
      resource: 'jobs',
      namespace: 'n',
      name: 'pi',
      body: { propagationPolicy: 'Foreground', preconditions: { uid: 'job-uid' } },
    },
  ]);
  await late.stop();
});

test('a failed pod is replaced only after the failure backoff (10 s, doubling per failure)', async () => {
  const { fake, ctrl, stop } = await setup(job({ completions: 1, parallelism: 1 }, { startTime: T }), [
    pod('f', 'Failed'),
  ]);
  assert.deepEqual(await ctrl.reconcile({ namespace: 'n', name: 'pi' }), { requeueAfterMs: 10_000 });
  assert.deepEqual(
    summarize(fake.actions).map((a) => [a[0], a[2]]),
    [
      ['update', 'pi'],
      ['patch', 'f'],
      ['update', 'pi'],
    ],
  );
  assert.deepEqual(summarize(fake.actions).at(-1)?.[3], {
    startTime: T,
    active: 0,
    ready: 0,
    failed: 1,
    uncountedTerminatedPods: {},
  });
  await stop();
  const noBackoff = await setup(
    job({ completions: 1, parallelism: 1 }, { startTime: T }),
    [pod('f', 'Failed')],
    NOW,
    0,
  );
  await noBackoff.ctrl.reconcile({ namespace: 'n', name: 'pi' });
  assert.deepEqual(
    summarize(noBackoff.fake.actions).map((a) => [a[0], a[2]]),
    [
      ['update', 'pi'],
      ['patch', 'f'],
      ['create', 'pi-'],
      ['update', 'pi'],
    ],
  );
  await noBackoff.stop();
});

test('pods of a deleted Job lose the tracking finalizer so the garbage collector can remove them', async () => {
  const { fake, stop } = await setup(job(), [pod('a', 'Running', { deletionTimestamp: '2024-01-01T00:00:00Z' })]);
  fake.removeSilently(JOBS, 'n', 'pi');
  const silent = new Informer(fake, JOBS, { log });
  const podInformer = new Informer(fake, PODS, { log });
  silent.start();
  podInformer.start();
  await Promise.all([silent.waitForSync(), podInformer.waitForSync()]);
  const orphaned = new JobController({
    client: fake,
    jobs: silent,
    pods: podInformer,
    recorder: new RecordingEventRecorder(),
    log,
    now: () => NOW,
  });
  await orphaned.reconcile({ namespace: 'n', name: 'pi' });
  assert.deepEqual(
    summarize(fake.actions).map((a) => [a[0], a[2], (a[3] as KubeObject).metadata.finalizers]),
    [['patch', 'a', []]],
  );
  assert.equal(fake.peek(PODS, 'n', 'a'), undefined, 'the pod, already being deleted, is gone');
  await silent.stop();
  await podInformer.stop();
  await stop();
});
