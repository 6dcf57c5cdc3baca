import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../object.js';
import { getStrategy } from './index.js';

const now = new Date('2024-05-01T12:00:00Z');
const created = '2024-05-01T09:00:00Z';
const template = (labels: Record<string, string>, restartPolicy?: string): Record<string, unknown> => ({
  metadata: { labels },
  spec: { containers: [{ name: 'app', image: 'nginx:1.25' }], ...(restartPolicy ? { restartPolicy } : {}) },
});
const obj = (
  apiVersion: string,
  kind: string,
  spec: Record<string, unknown>,
  status: Record<string, unknown> = {},
): KubeObject => ({
  apiVersion,
  kind,
  metadata: { name: 'web', namespace: 'default', creationTimestamp: created },
  spec,
  status,
});
const msgs = (errs: Array<{ field: string; message: string }> | undefined): string[] =>
  (errs ?? []).map((e) => `${e.field}: ${e.message}`);

test('deployment defaults, including the template pod defaults', () => {
  const s = getStrategy('apps', 'Deployment');
  const d = obj('apps/v1', 'Deployment', {
    selector: { matchLabels: { app: 'web' } },
    template: template({ app: 'web' }),
  });
  s.applyDefaults?.(d);
  const spec = d.spec as Record<string, unknown> & { template: { spec: Record<string, unknown> } };
  assert.equal(spec.replicas, 1);
  assert.deepEqual(spec.strategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } });
  assert.equal(spec.revisionHistoryLimit, 10);
  assert.equal(spec.progressDeadlineSeconds, 600);
  assert.equal(spec.template.spec.restartPolicy, 'Always');
  assert.equal(spec.template.spec.enableServiceLinks, undefined, 'templates do not get pod-only defaults');
  assert.deepEqual(s.validate?.(d), []);
});

test('deployment validation: selector mismatch, replicas, strategy, immutable selector', () => {
  const s = getStrategy('apps', 'Deployment');
  const d = obj('apps/v1', 'Deployment', {
    replicas: -1,
    selector: { matchLabels: { app: 'web' } },
    template: template({ app: 'other' }),
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 0 } },
  });
  s.applyDefaults?.(d);
  const m = msgs(s.validate?.(d));
  assert.ok(m.includes('spec.replicas: Invalid value: -1: must be greater than or equal to 0'), m.join('\n'));
  assert.ok(
    m.includes(
      'spec.template.metadata.labels: Invalid value: map[string]string{"app":"other"}: `selector` does not match template `labels`',
    ),
  );
  assert.ok(
    m.includes('spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 0: may not be 0 when `maxSurge` is 0'),
  );
  const old = obj('apps/v1', 'Deployment', {
    selector: { matchLabels: { app: 'web' } },
    template: template({ app: 'web' }),
  });
  s.applyDefaults?.(old);
  const upd = structuredClone(old);
  (upd.spec as { selector: unknown }).selector = { matchLabels: { app: 'web', v: '2' } };
  (upd.spec as { template: unknown }).template = template({ app: 'web', v: '2' });
  s.applyDefaults?.(upd);
  assert.deepEqual(msgs(s.validate?.(upd, old)), [
    'spec.selector: Invalid value: {"matchLabels":{"app":"web","v":"2"}}: field is immutable',
  ]);
});

test('deployment table row', () => {
  const s = getStrategy('apps', 'Deployment');
  const d = obj(
    'apps/v1',
    'Deployment',
    { replicas: 3, selector: { matchLabels: { app: 'web' } }, template: template({ app: 'web' }) },
    { readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 },
  );
  assert.deepEqual(
    s.table.columns.map((c) => c.name),
    ['Name', 'Ready', 'Up-to-date', 'Available', 'Age', 'Containers', 'Images', 'Selector'],
  );
  assert.deepEqual(s.table.row(d, now), ['web', '2/3', 3, 2, '3h', 'app', 'nginx:1.25', 'app=web']);
});

test('statefulset, daemonset and replicaset defaults', () => {
  const sts = obj('apps/v1', 'StatefulSet', {
    serviceName: 'web',
    selector: { matchLabels: { app: 'web' } },
    template: template({ app: 'web' }),
    volumeClaimTemplates: [
      {
        metadata: { name: 'data' },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
      },
    ],
  });
  getStrategy('apps', 'StatefulSet').applyDefaults?.(sts);
  const ss = sts.spec as Record<string, unknown> & { volumeClaimTemplates: Array<Record<string, unknown>> };
  assert.equal(ss.replicas, 1);
  assert.equal(ss.podManagementPolicy, 'OrderedReady');
  assert.deepEqual(ss.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { partition: 0 } });
  assert.deepEqual(ss.persistentVolumeClaimRetentionPolicy, { whenDeleted: 'Retain', whenScaled: 'Retain' });
  assert.equal(ss.revisionHistoryLimit, 10);
  assert.deepEqual(ss.volumeClaimTemplates[0].status, { phase: 'Pending' });
  const ds = obj('apps/v1', 'DaemonSet', {
    selector: { matchLabels: { app: 'web' } },
    template: template({ app: 'web' }),
  });
  getStrategy('apps', 'DaemonSet').applyDefaults?.(ds);
  assert.deepEqual((ds.spec as Record<string, unknown>).updateStrategy, {
    type: 'RollingUpdate',
    rollingUpdate: { maxUnavailable: 1, maxSurge: 0 },
  });
  const rs = obj('apps/v1', 'ReplicaSet', {
    selector: { matchLabels: { app: 'web' } },
    template: template({ app: 'web' }),
  });
  getStrategy('apps', 'ReplicaSet').applyDefaults?.(rs);
  assert.equal((rs.spec as Record<string, unknown>).replicas, 1);
  assert.deepEqual(getStrategy('apps', 'ReplicaSet').table.row(rs, now).slice(0, 5), ['web', 1, 0, 0, '3h']);
});

test('job defaults, restartPolicy rule, generated selector, table', () => {
  const s = getStrategy('batch', 'Job');
  const job = obj('batch/v1', 'Job', { template: template({}, 'Never') });
  job.metadata.uid = 'u-1';
  s.applyDefaults?.(job);
  const spec = job.spec as Record<string, unknown> & { template: { metadata: { labels: Record<string, string> } } };
  assert.equal(spec.parallelism, 1);
  assert.equal(spec.completions, 1);
  assert.equal(spec.backoffLimit, 6);
  assert.equal(spec.completionMode, 'NonIndexed');
  assert.equal(spec.suspend, false);
  assert.equal(spec.podReplacementPolicy, 'TerminatingOrFailed');
  assert.deepEqual(spec.selector, { matchLabels: { 'batch.kubernetes.io/controller-uid': 'u-1' } });
  assert.equal(spec.template.metadata.labels['job-name'], 'web');
  assert.deepEqual(s.validate?.(job), []);
  const parallel = obj('batch/v1', 'Job', { parallelism: 3, template: template({}, 'Never') });
  s.applyDefaults?.(parallel);
  assert.equal((parallel.spec as Record<string, unknown>).completions, undefined);
  const always = obj('batch/v1', 'Job', { template: template({}) });
  s.applyDefaults?.(always);
  assert.ok(
    msgs(s.validate?.(always)).includes(
      'spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"',
    ),
  );
  const running = obj(
    'batch/v1',
    'Job',
    { completions: 3, parallelism: 1, template: template({}, 'Never') },
    { succeeded: 1, startTime: '2024-05-01T11:58:30Z' },
  );
  assert.deepEqual(s.table.row(running, now).slice(0, 5), ['web', 'Running', '1/3', '90s', '3h']);
  const complete = obj(
    'batch/v1',
    'Job',
    { completions: 1, template: template({}, 'Never') },
    {
      succeeded: 1,
      startTime: '2024-05-01T11:00:00Z',
      completionTime: '2024-05-01T11:00:12Z',
      conditions: [{ type: 'Complete', status: 'True' }],
    },
  );
  assert.deepEqual(s.table.row(complete, now).slice(1, 4), ['Complete', '1/1', '12s']);
});

test('cronjob defaults, schedule validation and table', () => {
  const s = getStrategy('batch', 'CronJob');
  const cj = obj('batch/v1', 'CronJob', {
    schedule: '*/5 * * * *',
    jobTemplate: { spec: { template: template({}, 'OnFailure') } },
  });
  s.applyDefaults?.(cj);
  const spec = cj.spec as Record<string, unknown>;
  assert.equal(spec.concurrencyPolicy, 'Allow');
  assert.equal(spec.suspend, false);
  assert.equal(spec.successfulJobsHistoryLimit, 3);
  assert.equal(spec.failedJobsHistoryLimit, 1);
  assert.deepEqual(s.validate?.(cj), []);
  for (const ok of ['@hourly', '0 0 * * MON-FRI', '15 3 1,15 * ?', '@every 1h30m']) {
    assert.deepEqual(s.validate?.({ ...cj, spec: { ...spec, schedule: ok } }), [], ok);
  }
  assert.deepEqual(msgs(s.validate?.({ ...cj, spec: { ...spec, schedule: '61 * * * *' } })), [
    'spec.schedule: Invalid value: "61 * * * *": end of range (61) above maximum (59): 61',
  ]);
  assert.deepEqual(msgs(s.validate?.({ ...cj, spec: { ...spec, schedule: 'often' } })), [
    'spec.schedule: Invalid value: "often": expected exactly 5 fields, found 1: [often]',
  ]);
  assert.deepEqual(s.table.row(cj, now).slice(0, 7), ['web', '*/5 * * * *', '<none>', 'False', 0, '<none>', '3h']);
});

test('statefulset: container mounts may name a volumeClaimTemplate; unknown mounts are still refused', () => {
  const sts = (mount: string) =>
    ({
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'db', namespace: 'd' },
      spec: {
        serviceName: 'db',
        replicas: 1,
        selector: { matchLabels: { app: 'db' } },
        template: {
          metadata: { labels: { app: 'db' } },
          spec: { containers: [{ name: 'db', image: 'busybox', volumeMounts: [{ name: mount, mountPath: '/data' }] }] },
        },
        volumeClaimTemplates: [
          {
            metadata: { name: 'data' },
            spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
          },
        ],
      },
    }) as unknown as KubeObject;
  const strategy = getStrategy('apps', 'StatefulSet');
  const ok = sts('data');
  strategy.applyDefaults?.(ok);
  assert.deepEqual(strategy.validate?.(ok) ?? [], []);
  const bad = sts('nope');
  strategy.applyDefaults?.(bad);
  assert.ok((strategy.validate?.(bad) ?? []).some((e) => e.field.endsWith('volumeMounts[0].name')));
});
