import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PersistentVolumeClaim, Pod, Service } from 'kubernetes-types/core/v1.js';
import {
  evaluatorFor,
  podConstraints,
  podMatchesScope,
  podUsage,
  pvcUsage,
  resourcesLimitedBy,
  serviceUsage,
} from './evaluators.js';
import { formatResourceList, type ResourceList } from './resource-list.js';

const NOW = Date.parse('2026-01-01T00:00:00Z');
const text = (l: ResourceList) => formatResourceList(l);

function pod(
  containers: { name?: string; requests?: Record<string, string>; limits?: Record<string, string> }[],
  extra: Partial<Pod['spec']> = {},
): Pod {
  return {
    metadata: { name: 'p', namespace: 'ns' },
    spec: {
      containers: containers.map((c, i) => ({
        name: c.name ?? `c${i}`,
        image: 'busybox',
        resources: { requests: c.requests, limits: c.limits },
      })),
      ...extra,
    },
  };
}

test('pod usage: compute sums of containers, init containers as the larger need, count/pods always', () => {
  const cases: { name: string; pod: Pod; want: Record<string, string> }[] = [
    {
      name: 'best effort',
      pod: pod([{}]),
      want: { 'count/pods': '1', pods: '1' },
    },
    {
      name: 'two containers',
      pod: pod([
        { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '200m', memory: '128Mi' } },
        { requests: { cpu: '300m', memory: '64Mi' }, limits: { cpu: '1', memory: '128Mi' } },
      ]),
      want: {
        'count/pods': '1',
        pods: '1',
        cpu: '400m',
        'requests.cpu': '400m',
        'limits.cpu': '1200m',
        memory: '128Mi',
        'requests.memory': '128Mi',
        'limits.memory': '256Mi',
      },
    },
    {
      name: 'an init container needing more than the containers',
      pod: pod([{ requests: { cpu: '100m' } }], {
        initContainers: [{ name: 'init', image: 'busybox', resources: { requests: { cpu: '500m' } } }],
      }),
      want: { 'count/pods': '1', pods: '1', cpu: '500m', 'requests.cpu': '500m' },
    },
    {
      name: 'extended resources and hugepages',
      pod: pod([{ requests: { 'example.com/gpu': '2', 'hugepages-2Mi': '4Mi' }, limits: { 'example.com/gpu': '2' } }]),
      want: {
        'count/pods': '1',
        pods: '1',
        'requests.example.com/gpu': '2',
        'hugepages-2Mi': '4Mi',
        'requests.hugepages-2Mi': '4Mi',
      },
    },
  ];
  for (const c of cases) assert.deepEqual(text(podUsage(c.pod, NOW)), c.want, c.name);
});

test('terminal pods and pods past their deletion grace period only count as objects', () => {
  const failed = { ...pod([{ requests: { cpu: '1' } }]), status: { phase: 'Failed' } };
  assert.deepEqual(text(podUsage(failed, NOW)), { 'count/pods': '1' });
  const gone = pod([{ requests: { cpu: '1' } }]);
  gone.metadata = { ...gone.metadata, deletionTimestamp: '2025-12-31T23:59:00Z', deletionGracePeriodSeconds: 30 };
  assert.deepEqual(text(podUsage(gone, NOW)), { 'count/pods': '1' });
  const graceful = { ...gone, metadata: { ...gone.metadata, deletionGracePeriodSeconds: 120 } };
  assert.equal(text(podUsage(graceful, NOW))['requests.cpu'], '1');
});

test('pod scopes', () => {
  const bestEffort = pod([{}]);
  const burstable = pod([{ requests: { cpu: '100m' } }]);
  const terminating = pod([{}], { activeDeadlineSeconds: 30 });
  const high = pod([{}], { priorityClassName: 'high' });
  const cases: [string, Pod, boolean][] = [
    ['BestEffort', bestEffort, true],
    ['BestEffort', burstable, false],
    ['NotBestEffort', burstable, true],
    ['NotBestEffort', bestEffort, false],
    ['Terminating', terminating, true],
    ['Terminating', bestEffort, false],
    ['NotTerminating', bestEffort, true],
    ['NotTerminating', terminating, false],
  ];
  for (const [scope, p, want] of cases)
    assert.equal(podMatchesScope({ scopeName: scope, operator: 'Exists' }, p), want, `${scope}`);
  const pc = (operator: string, values?: string[]) => ({ scopeName: 'PriorityClass', operator, values });
  assert.equal(podMatchesScope(pc('In', ['high']), high), true);
  assert.equal(podMatchesScope(pc('In', ['high']), bestEffort), false);
  assert.equal(podMatchesScope(pc('NotIn', ['high']), high), false);
  assert.equal(podMatchesScope(pc('NotIn', ['high']), bestEffort), true);
  assert.equal(podMatchesScope(pc('Exists'), high), true);
  assert.equal(podMatchesScope(pc('DoesNotExist'), high), false);
});

test('a pod under a cpu or memory quota must request it in every container', () => {
  const p = pod([{ name: 'b', requests: { cpu: '1' } }, { name: 'a' }]);
  assert.equal(
    podConstraints(['limits.cpu', 'requests.cpu', 'pods'], p),
    'must specify limits.cpu for: a,b; requests.cpu for: a',
  );
  assert.equal(podConstraints(['pods', 'requests.example.com/gpu'], p), undefined);
});

test('service and claim usage', () => {
  const svc = (type: string, ports: number): Service => ({
    spec: { type, ports: Array.from({ length: ports }, (_, i) => ({ port: 80 + i })) },
  });
  assert.deepEqual(text(serviceUsage(svc('ClusterIP', 2))), { 'count/services': '1', services: '1' });
  assert.deepEqual(text(serviceUsage(svc('NodePort', 2))), {
    'count/services': '1',
    services: '1',
    'services.nodeports': '2',
  });
  assert.deepEqual(text(serviceUsage(svc('LoadBalancer', 1))), {
    'count/services': '1',
    services: '1',
    'services.nodeports': '1',
    'services.loadbalancers': '1',
  });
  const claim: PersistentVolumeClaim = {
    spec: { storageClassName: 'gold', resources: { requests: { storage: '1Gi' } } },
  };
  assert.deepEqual(text(pvcUsage(claim)), {
    'count/persistentvolumeclaims': '1',
    persistentvolumeclaims: '1',
    'requests.storage': '1Gi',
    'gold.storageclass.storage.k8s.io/persistentvolumeclaims': '1',
    'gold.storageclass.storage.k8s.io/requests.storage': '1Gi',
  });
});

test('which resources a quota counts, and their object count names', () => {
  assert.deepEqual(
    resourcesLimitedBy([
      'requests.cpu',
      'configmaps',
      'count/deployments.apps',
      'gold.storageclass.storage.k8s.io/requests.storage',
    ]),
    [
      { group: '', resource: 'pods' },
      { group: '', resource: 'persistentvolumeclaims' },
      { group: '', resource: 'configmaps' },
      { group: 'apps', resource: 'deployments' },
    ],
  );
  const deployments = evaluatorFor('apps', 'deployments');
  assert.deepEqual(deployments.matchingResources(['count/deployments.apps', 'pods']), ['count/deployments.apps']);
  assert.deepEqual(evaluatorFor('', 'configmaps').matchingResources(['configmaps', 'count/configmaps', 'secrets']), [
    'configmaps',
    'count/configmaps',
  ]);
  assert.equal(deployments.handles('update'), false);
});
