import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import type { KubeObject } from '../../api/object.js';
import { FakeClient } from '../../machinery/client/testing/fake-client.js';
import { Informer } from '../../machinery/client/informer.js';
import {
  aggregatedRoleKeys,
  CLUSTER_ROLES,
  clusterRoleAggregationReconciler,
} from './clusterrole-aggregation-controller.js';

const log = pino({ level: 'silent' });
const role = (name: string, extra: Record<string, unknown>): KubeObject =>
  ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name }, ...extra }) as KubeObject;
const read = { apiGroups: [''], resources: ['pods'], verbs: ['get'] };
const write = { apiGroups: ['apps'], resources: ['deployments'], verbs: ['create'] };

async function setup(...roles: KubeObject[]) {
  const fake = new FakeClient();
  fake.seed(CLUSTER_ROLES, ...roles);
  const clusterRoles = new Informer(fake, CLUSTER_ROLES, { log });
  clusterRoles.start();
  await clusterRoles.waitForSync();
  return { fake, clusterRoles, reconcile: clusterRoleAggregationReconciler({ client: fake, clusterRoles }) };
}

test('fills an aggregated role from the roles its selectors match, once', async () => {
  const { fake, clusterRoles, reconcile } = await setup(
    role('edit', { aggregationRule: { clusterRoleSelectors: [{ matchLabels: { 'to-edit': 'true' } }] } }),
    role('b-writes', { metadata: { name: 'b-writes', labels: { 'to-edit': 'true' } }, rules: [write] }),
    role('a-reads', { metadata: { name: 'a-reads', labels: { 'to-edit': 'true' } }, rules: [read] }),
    role('other', { rules: [{ apiGroups: ['x'], resources: ['y'], verbs: ['*'] }] }),
  );
  for (const name of ['edit', 'other', 'a-reads', 'missing']) await reconcile({ namespace: '', name });
  assert.equal(fake.actions.length, 1);
  const [a] = fake.actions;
  assert.equal(a.verb, 'update');
  assert.equal(a.name, 'edit');
  // Sorted by source role name: a-reads before b-writes.
  assert.deepEqual((a.body as { rules: unknown[] }).rules, [read, write]);
  await clusterRoles.stop();
});

test('an aggregated role already in shape is not written', async () => {
  const { fake, clusterRoles, reconcile } = await setup(
    role('view', { aggregationRule: { clusterRoleSelectors: [{ matchLabels: { v: '1' } }] }, rules: [read] }),
    role('src', { metadata: { name: 'src', labels: { v: '1' } }, rules: [read] }),
  );
  await reconcile({ namespace: '', name: 'view' });
  assert.deepEqual(fake.actions, []);
  // Any role's change queues every aggregated role.
  assert.deepEqual(aggregatedRoleKeys(clusterRoles)(), [{ namespace: '', name: 'view' }]);
  await clusterRoles.stop();
});
