import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import type { KubeObject } from '../../api/object.js';
import { Informer } from '../../machinery/client/informer.js';
import { FakeClient } from '../../machinery/client/testing/fake-client.js';
import { RecordingEventRecorder } from '../../machinery/events/event-recorder.js';
import { CronJobController } from './cronjob-controller.js';
import { CRONJOBS, JOBS } from '../../machinery/resources/well-known.js';

const log = pino({ level: 'silent' });
const OWNER = {
  apiVersion: 'batch/v1',
  kind: 'CronJob',
  name: 'tick',
  uid: 'cj-uid',
  controller: true,
  blockOwnerDeletion: true,
};
const MIN = (iso: string) => Math.floor(Date.parse(iso) / 60_000);

function cronJob(spec: Record<string, unknown> = {}, status: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: 'tick', namespace: 'n', uid: 'cj-uid', creationTimestamp: '2024-01-01T00:00:30Z' },
    spec: {
      schedule: '* * * * *',
      concurrencyPolicy: 'Allow',
      suspend: false,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 1,
      jobTemplate: {
        metadata: { labels: { app: 'tick' } },
        spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } },
      },
      ...spec,
    },
    status,
  };
}

function job(name: string, finished?: 'Complete' | 'Failed', at = '2024-01-01T00:01:05Z'): KubeObject {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: 'n', uid: `uid-${name}`, ownerReferences: [OWNER], creationTimestamp: at },
    spec: { template: {} },
    status: finished
      ? {
          startTime: at,
          ...(finished === 'Complete' ? { completionTime: at } : {}),
          conditions: [{ type: finished, status: 'True' }],
        }
      : { startTime: at, active: 1 },
  };
}

async function setup(cj: KubeObject, jobs: KubeObject[], nowIso: string) {
  const fake = new FakeClient();
  fake.seed(CRONJOBS, cj);
  fake.seed(JOBS, ...jobs);
  const cronJobs = new Informer(fake, CRONJOBS, { log });
  const jobInformer = new Informer(fake, JOBS, { log });
  const recorder = new RecordingEventRecorder();
  const ctrl = new CronJobController({
    client: fake,
    cronJobs,
    jobs: jobInformer,
    recorder,
    log,
    now: () => Date.parse(nowIso),
  });
  cronJobs.start();
  jobInformer.start();
  await Promise.all([cronJobs.waitForSync(), jobInformer.waitForSync()]);
  return {
    fake,
    ctrl,
    recorder,
    stop: async () => {
      await cronJobs.stop();
      await jobInformer.stop();
    },
  };
}

const ref = (name: string) => ({ apiVersion: 'batch/v1', kind: 'Job', name, namespace: 'n', uid: `uid-${name}` });

test('the due activation becomes Job <cronjob>-<minutes>, listed active with lastScheduleTime; requeued at the next minute', async () => {
  const { fake, ctrl, recorder, stop } = await setup(cronJob(), [], '2024-01-01T00:01:10Z');
  const res = await ctrl.reconcile({ namespace: 'n', name: 'tick' });
  assert.deepEqual(res, { requeueAfterMs: 50_100 });
  const name = `tick-${MIN('2024-01-01T00:01:00Z')}`;
  assert.deepEqual(
    fake.actions.map((a) => [a.verb, a.resource, a.name, a.subresource]),
    [
      ['create', 'jobs', name, undefined],
      ['update', 'cronjobs', 'tick', 'status'],
    ],
  );
  const created = fake.actions[0].body as KubeObject;
  assert.deepEqual(created.metadata.ownerReferences, [OWNER]);
  assert.deepEqual(created.metadata.labels, { app: 'tick' });
  assert.equal(
    created.metadata.annotations?.['batch.kubernetes.io/cronjob-scheduled-timestamp'],
    '2024-01-01T00:01:00Z',
  );
  const status = (fake.actions[1].body as KubeObject).status as {
    lastScheduleTime: string;
    active: { name: string }[];
  };
  assert.equal(status.lastScheduleTime, '2024-01-01T00:01:00Z');
  assert.deepEqual(
    status.active.map((r) => r.name),
    [name],
  );
  assert.deepEqual(recorder.events, [`Normal SuccessfulCreate Created job ${name}`]);
  await stop();
});

test('nothing due: no writes, requeued at the next activation', async () => {
  const { fake, ctrl, stop } = await setup(
    cronJob({}, { lastScheduleTime: '2024-01-01T00:01:00Z' }),
    [],
    '2024-01-01T00:01:40Z',
  );
  assert.deepEqual(await ctrl.reconcile({ namespace: 'n', name: 'tick' }), { requeueAfterMs: 20_100 });
  assert.deepEqual(fake.actions, []);
  await stop();
});

test('Forbid skips the activation while a Job runs; Replace deletes it and starts the new one', async () => {
  const running = job('tick-old');
  const forbid = await setup(
    cronJob({ concurrencyPolicy: 'Forbid' }, { active: [ref('tick-old')], lastScheduleTime: '2024-01-01T00:01:00Z' }),
    [running],
    '2024-01-01T00:02:01Z',
  );
  await forbid.ctrl.reconcile({ namespace: 'n', name: 'tick' });
  assert.deepEqual(forbid.fake.actions, []);
  assert.deepEqual(forbid.recorder.events, [
    'Normal JobAlreadyActive Not starting job because prior execution is running and concurrency policy is Forbid',
  ]);
  await forbid.stop();
  const replace = await setup(
    cronJob({ concurrencyPolicy: 'Replace' }, { active: [ref('tick-old')], lastScheduleTime: '2024-01-01T00:01:00Z' }),
    [running],
    '2024-01-01T00:02:01Z',
  );
  await replace.ctrl.reconcile({ namespace: 'n', name: 'tick' });
  assert.deepEqual(
    replace.fake.actions.map((a) => [a.verb, a.resource, a.name, a.verb === 'delete' ? a.body : undefined]),
    [
      ['delete', 'jobs', 'tick-old', { propagationPolicy: 'Background' }],
      ['create', 'jobs', `tick-${MIN('2024-01-01T00:02:00Z')}`, undefined],
      ['update', 'cronjobs', 'tick', undefined],
    ],
  );
  await replace.stop();
});

test('suspend: no Job; an activation older than startingDeadlineSeconds: no Job; within it: a Job', async () => {
  const suspended = await setup(cronJob({ suspend: true }), [], '2024-01-01T00:05:00Z');
  assert.equal(await suspended.ctrl.reconcile({ namespace: 'n', name: 'tick' }), undefined);
  assert.deepEqual(suspended.fake.actions, []);
  await suspended.stop();
  const late = await setup(cronJob({ schedule: '0 * * * *', startingDeadlineSeconds: 10 }), [], '2024-01-01T01:00:30Z');
  await late.ctrl.reconcile({ namespace: 'n', name: 'tick' });
  assert.deepEqual(late.fake.actions, []);
  assert.deepEqual(
    late.recorder.events,
    [],
    'activations before now - startingDeadlineSeconds are not considered at all',
  );
  await late.stop();
  const inTime = await setup(
    cronJob({ schedule: '0 * * * *', startingDeadlineSeconds: 60 }),
    [],
    '2024-01-01T01:00:30Z',
  );
  await inTime.ctrl.reconcile({ namespace: 'n', name: 'tick' });
  assert.deepEqual(
    inTime.fake.actions.map((a) => a.verb),
    ['create', 'update'],
  );
  await inTime.stop();
});

test('a completed active Job leaves the list (SawCompletedJob, lastSuccessfulTime); finished Jobs beyond the history limit are deleted oldest first', async () => {
  const jobs = [
    job('tick-1', 'Complete', '2024-01-01T00:01:05Z'),
    job('tick-2', 'Complete', '2024-01-01T00:02:05Z'),
    job('tick-3', 'Failed', '2024-01-01T00:03:05Z'),
  ];
  const { fake, ctrl, recorder, stop } = await setup(
    cronJob({ successfulJobsHistoryLimit: 1 }, { active: [ref('tick-2')], lastScheduleTime: '2024-01-01T00:03:00Z' }),
    jobs,
    '2024-01-01T00:03:30Z',
  );
  await ctrl.reconcile({ namespace: 'n', name: 'tick' });
  assert.deepEqual(
    fake.actions.map((a) => [a.verb, a.resource, a.name]),
    [
      ['update', 'cronjobs', 'tick'],
      ['delete', 'jobs', 'tick-1'],
    ],
  );
  assert.deepEqual((fake.actions[0].body as KubeObject).status, {
    lastScheduleTime: '2024-01-01T00:03:00Z',
    lastSuccessfulTime: '2024-01-01T00:02:05Z',
  });
  assert.deepEqual(recorder.events, [
    'Normal SawCompletedJob Saw completed job: tick-2, status: Complete',
    'Normal SuccessfulDelete Deleted job tick-1',
  ]);
  await stop();
});

test('timeZone: 09:00 in New York is 14:00 UTC in January', async () => {
  const { fake, ctrl, stop } = await setup(
    cronJob({ schedule: '0 9 * * *', timeZone: 'America/New_York' }),
    [],
    '2024-01-01T14:00:05Z',
  );
  await ctrl.reconcile({ namespace: 'n', name: 'tick' });
  assert.equal(fake.actions[0]?.name, `tick-${MIN('2024-01-01T14:00:00Z')}`);
  await stop();
});
