import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LimitRange, LimitRangeItem, PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.js';
import {
  aggregateMessage,
  applyLimitRangeDefaults,
  defaultLimitRange,
  LIMIT_RANGER_ANNOTATION,
  podLimitViolations,
  pvcLimitViolations,
} from './limit-ranger.js';
import { validateLimitRangeSpec } from './limit-range-validation.js';
import { validateResourceQuotaSpec } from './quota-validation.js';

const lr = (...limits: LimitRangeItem[]): LimitRange => ({ metadata: { name: 'lr' }, spec: { limits } });

function pod(
  ...containers: { name: string; requests?: Record<string, string>; limits?: Record<string, string> }[]
): Pod {
  return {
    metadata: { name: 'p' },
    spec: {
      containers: containers.map((c) => ({
        name: c.name,
        image: 'busybox',
        resources: { ...(c.requests && { requests: c.requests }), ...(c.limits && { limits: c.limits }) },
      })),
    },
  };
}

test('container defaults fill what a container does not set, and the annotation says what', () => {
  const range = lr({
    type: 'Container',
    default: { cpu: '500m', memory: '256Mi' },
    defaultRequest: { cpu: '100m', memory: '128Mi' },
  });
  const p = pod({ name: 'app' }, { name: 'side', requests: { cpu: '50m' }, limits: { cpu: '200m', memory: '64Mi' } });
  applyLimitRangeDefaults(range, p);
  assert.deepEqual(p.spec?.containers[0].resources, {
    requests: { cpu: '100m', memory: '128Mi' },
    limits: { cpu: '500m', memory: '256Mi' },
  });
  assert.deepEqual(p.spec?.containers[1].resources, {
    requests: { cpu: '50m', memory: '128Mi' },
    limits: { cpu: '200m', memory: '64Mi' },
  });
  assert.equal(
    p.metadata?.annotations?.[LIMIT_RANGER_ANNOTATION],
    'LimitRanger plugin set: cpu, memory request for container app; cpu, memory limit for container app; memory request for container side',
  );
  const untouched = pod({ name: 'x', requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } });
  applyLimitRangeDefaults(range, untouched);
  assert.equal(untouched.metadata?.annotations, undefined);
});

test('min, max and ratio per Container and per Pod, in Kubernetes words', () => {
  const cases: { name: string; item: LimitRangeItem; pod: Pod; want: string[] }[] = [
    {
      name: 'max limit',
      item: { type: 'Container', max: { cpu: '1' } },
      pod: pod({ name: 'c', requests: { cpu: '500m' }, limits: { cpu: '2' } }),
      want: ['maximum cpu usage per Container is 1, but limit is 2'],
    },
    {
      name: 'max without a limit',
      item: { type: 'Container', max: { memory: '1Gi' } },
      pod: pod({ name: 'c' }),
      want: ['maximum memory usage per Container is 1Gi.  No limit is specified'],
    },
    {
      name: 'min request',
      item: { type: 'Container', min: { cpu: '200m' } },
      pod: pod({ name: 'c', requests: { cpu: '100m' } }),
      want: ['minimum cpu usage per Container is 200m, but request is 100m'],
    },
    {
      name: 'min without a request',
      item: { type: 'Container', min: { cpu: '200m' } },
      pod: pod({ name: 'c' }),
      want: ['minimum cpu usage per Container is 200m.  No request is specified'],
    },
    {
      name: 'ratio',
      item: { type: 'Container', maxLimitRequestRatio: { cpu: '2' } },
      pod: pod({ name: 'c', requests: { cpu: '100m' }, limits: { cpu: '500m' } }),
      want: ['cpu max limit to request ratio per Container is 2, but provided ratio is 5.000000'],
    },
    {
      name: 'pod max over the sum of containers',
      item: { type: 'Pod', max: { cpu: '1' } },
      pod: pod({ name: 'a', limits: { cpu: '600m' } }, { name: 'b', limits: { cpu: '600m' } }),
      want: ['maximum cpu usage per Pod is 1, but limit is 1200m'],
    },
    {
      name: 'within',
      item: { type: 'Container', min: { cpu: '100m' }, max: { cpu: '1' } },
      pod: pod({ name: 'c', requests: { cpu: '100m' }, limits: { cpu: '1' } }),
      want: [],
    },
  ];
  for (const c of cases) assert.deepEqual(podLimitViolations(lr(c.item), c.pod), c.want, c.name);
  assert.equal(aggregateMessage(['a']), 'a');
  assert.equal(aggregateMessage(['a', 'b']), '[a, b]');
});

test('claims: storage min and max of the request', () => {
  const claim = (storage?: string): PersistentVolumeClaim => ({
    spec: { resources: storage ? { requests: { storage } } : {} },
  });
  const range = lr({ type: 'PersistentVolumeClaim', min: { storage: '1Gi' }, max: { storage: '2Gi' } });
  assert.deepEqual(pvcLimitViolations(range, claim('1Gi')), []);
  assert.deepEqual(pvcLimitViolations(range, claim('3Gi')), [
    'maximum storage usage per PersistentVolumeClaim is 2Gi, but request is 3Gi',
  ]);
  assert.deepEqual(pvcLimitViolations(range, claim('500Mi')), [
    'minimum storage usage per PersistentVolumeClaim is 1Gi, but request is 500Mi',
  ]);
});

test('LimitRange defaults and validation', () => {
  const range = lr({ type: 'Container', max: { cpu: '2' }, min: { memory: '64Mi' } });
  defaultLimitRange(range);
  assert.deepEqual(range.spec?.limits[0].default, { cpu: '2' });
  assert.deepEqual(range.spec?.limits[0].defaultRequest, { cpu: '2', memory: '64Mi' });
  assert.deepEqual(validateLimitRangeSpec(range), []);
  const bad = lr({ type: 'Container', min: { cpu: '2' }, max: { cpu: '1' } }, { type: 'Pod', default: { cpu: '1' } });
  assert.deepEqual(
    validateLimitRangeSpec(bad).map((e) => `${e.field}: ${e.message}`),
    [
      'spec.limits[0].min[cpu]: Invalid value: "2": min value 2 is greater than max value 1',
      "spec.limits[1].default: Forbidden: may not be specified when `type` is 'Pod'",
    ],
  );
});

test('ResourceQuota scopes: unsupported, misapplied and conflicting scopes are invalid', () => {
  const rq = (hard: Record<string, string>, spec: object) => ({ spec: { hard, ...spec } });
  const messages = (o: object) => validateResourceQuotaSpec(o).map((e) => `${e.field}: ${e.message}`);
  assert.deepEqual(messages(rq({ pods: '1' }, { scopes: ['BestEffort'] })), []);
  assert.deepEqual(messages(rq({ 'requests.cpu': '1' }, { scopes: ['BestEffort'] })), [
    'spec.scopes: Invalid value: ["BestEffort"]: unsupported scope applied to resource',
  ]);
  assert.deepEqual(messages(rq({ pods: '1' }, { scopes: ['Terminating', 'NotTerminating'] })), [
    'spec.scopes: Invalid value: ["Terminating","NotTerminating"]: conflicting scopes',
  ]);
  assert.deepEqual(
    messages(
      rq({ pods: '1' }, { scopeSelector: { matchExpressions: [{ scopeName: 'PriorityClass', operator: 'In' }] } }),
    ),
    [
      "spec.scopeSelector.matchExpressions.values: Required value: must be at least one value when `operator` is 'In' or 'NotIn' for scope selector",
    ],
  );
});
