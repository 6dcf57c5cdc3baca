import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, ResourceQuota, Service } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../object.js';
import { ApiError } from '../errors.js';
import { checkQuotaRequest, type QuotaRequest } from './check-request.js';
import { evaluatorFor } from './evaluators.js';
import { quotaStatus } from './calculate-status.js';
import { formatResourceList } from './resource-list.js';

const NOW = Date.parse('2026-01-01T00:00:00Z');

function quota(
  name: string,
  hard: Record<string, string>,
  used: Record<string, string>,
  spec: ResourceQuota['spec'] = {},
): ResourceQuota {
  return { metadata: { name, namespace: 'ns' }, spec: { ...spec, hard }, status: { hard, used } };
}

const obj = (kind: string, name: string, extra: object = {}): KubeObject => ({
  apiVersion: 'v1',
  kind,
  metadata: { name, namespace: 'ns' },
  ...extra,
});

function request(
  resource: string,
  o: KubeObject,
  operation: 'create' | 'update' = 'create',
  old?: KubeObject,
): QuotaRequest {
  return {
    operation,
    evaluator: evaluatorFor('', resource),
    obj: o,
    old,
    subject: `${resource} "${o.metadata.name}"`,
    now: NOW,
  };
}

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ApiError);
    assert.equal(err.code, 403);
    return err.message;
  }
  assert.fail('expected a 403');
}

const podWith = (requests?: Record<string, string>, limits?: Record<string, string>, spec: Partial<Pod['spec']> = {}) =>
  obj('Pod', 'p', {
    spec: { containers: [{ name: 'c', image: 'busybox', resources: { requests, limits } }], ...spec },
  });

test('object counts: charged on create, refused with Kubernetes words when over', () => {
  const q = quota('q', { configmaps: '1' }, { configmaps: '0' });
  const charges = checkQuotaRequest([q], request('configmaps', obj('ConfigMap', 'a')));
  assert.deepEqual(formatResourceList(charges.get(0) ?? {}), { configmaps: '1' });
  const full = quota('q', { configmaps: '1' }, { configmaps: '1' });
  assert.equal(
    refusal(() => checkQuotaRequest([full], request('configmaps', obj('ConfigMap', 'b')))),
    'configmaps "b" is forbidden: exceeded quota: q, requested: configmaps=1, used: configmaps=1, limited: configmaps=1',
  );
  // A quota that names nothing the object counts toward does not apply.
  assert.equal(checkQuotaRequest([full], request('secrets', obj('Secret', 's'))).size, 0);
});

test('compute: requests and limits add up; the message names only what is exceeded', () => {
  const q = quota(
    'compute',
    { 'requests.cpu': '1', 'requests.memory': '1Gi', pods: '5' },
    { 'requests.cpu': '600m', 'requests.memory': '512Mi', pods: '1' },
  );
  const ok = checkQuotaRequest([q], request('pods', podWith({ cpu: '400m', memory: '256Mi' })));
  assert.deepEqual(formatResourceList(ok.get(0) ?? {}), {
    pods: '2',
    'requests.cpu': '1',
    'requests.memory': '768Mi',
  });
  assert.equal(
    refusal(() => checkQuotaRequest([q], request('pods', podWith({ cpu: '500m', memory: '256Mi' })))),
    'pods "p" is forbidden: exceeded quota: compute, requested: requests.cpu=500m, used: requests.cpu=600m, limited: requests.cpu=1',
  );
  assert.equal(
    refusal(() => checkQuotaRequest([q], request('pods', podWith({ memory: '1Mi' })))),
    'pods "p" is forbidden: failed quota: compute: must specify requests.cpu for: c',
  );
});

test('scopes: a quota applies only to pods in its scopes', () => {
  const bestEffort = quota('be', { pods: '1' }, { pods: '1' }, { scopes: ['BestEffort'] });
  const notBestEffort = quota('nbe', { pods: '1' }, { pods: '0' }, { scopes: ['NotBestEffort'] });
  const burstable = podWith({ cpu: '100m' });
  const charges = checkQuotaRequest([bestEffort, notBestEffort], request('pods', burstable));
  assert.deepEqual([...charges.keys()], [1]);
  assert.match(
    refusal(() => checkQuotaRequest([bestEffort, notBestEffort], request('pods', podWith()))),
    /exceeded quota: be, requested: pods=1, used: pods=1, limited: pods=1$/,
  );
  // Scoped quotas never match other objects.
  const scopedCount = quota('s', { configmaps: '0' }, { configmaps: '0' }, { scopes: ['BestEffort'] });
  assert.equal(checkQuotaRequest([scopedCount], request('configmaps', obj('ConfigMap', 'c'))).size, 0);
  const priority = quota(
    'prio',
    { pods: '0' },
    { pods: '0' },
    {
      scopeSelector: { matchExpressions: [{ scopeName: 'PriorityClass', operator: 'In', values: ['high'] }] },
    },
  );
  assert.equal(checkQuotaRequest([priority], request('pods', podWith())).size, 0);
  refusal(() =>
    checkQuotaRequest([priority], request('pods', podWith(undefined, undefined, { priorityClassName: 'high' }))),
  );
});

test('a quota whose usage is not yet known refuses, as Kubernetes does until its controller caught up', () => {
  const q: ResourceQuota = {
    metadata: { name: 'q' },
    spec: { hard: { secrets: '3' } },
    status: { hard: { secrets: '3' } },
  };
  assert.equal(
    refusal(() => checkQuotaRequest([q], request('secrets', obj('Secret', 's')))),
    'secrets "s" is forbidden: status unknown for quota: q, resources: secrets',
  );
});

test('updates are charged by what they add', () => {
  const q = quota('q', { 'services.nodeports': '2' }, { 'services.nodeports': '1' });
  const svc = (type: string, ports: number) =>
    obj('Service', 's', {
      spec: { type, ports: Array.from({ length: ports }, (_, i) => ({ port: 80 + i })) },
    } satisfies Service);
  const old = svc('NodePort', 1);
  const charges = checkQuotaRequest([q], request('services', svc('NodePort', 2), 'update', old));
  assert.deepEqual(formatResourceList(charges.get(0) ?? {}), { 'services.nodeports': '2' });
  assert.equal(checkQuotaRequest([q], request('services', svc('NodePort', 1), 'update', old)).size, 0);
});

test('the controller: status.hard is spec.hard, status.used counts what the quota counts', () => {
  const q: ResourceQuota = {
    metadata: { name: 'q', namespace: 'ns' },
    spec: { hard: { pods: '10', 'requests.cpu': '2000m', configmaps: '5', 'count/deployments.apps': '2' } },
  };
  const pods = [
    podWith({ cpu: '100m' }),
    podWith({ cpu: '250m' }),
    { ...podWith({ cpu: '1' }), status: { phase: 'Succeeded' } },
  ];
  const status = quotaStatus(
    q,
    (group, resource) => {
      if (resource === 'pods') return pods;
      if (resource === 'configmaps') return [obj('ConfigMap', 'a')];
      if (group === 'apps') return [];
      return undefined;
    },
    NOW,
  );
  assert.deepEqual(status, {
    hard: { configmaps: '5', 'count/deployments.apps': '2', pods: '10', 'requests.cpu': '2' },
    used: { configmaps: '1', 'count/deployments.apps': '0', pods: '2', 'requests.cpu': '350m' },
  });
  const scoped = { ...q, spec: { hard: { pods: '5' }, scopes: ['BestEffort'] } };
  assert.deepEqual(quotaStatus(scoped, () => [podWith(), podWith({ cpu: '1' })], NOW).used, { pods: '1' });
});
