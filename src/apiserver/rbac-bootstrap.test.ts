import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openStore } from '../store/index.js';
import { bootstrapPolicy, withNodeAgentPolicy, AUTOUPDATE_ANNOTATION } from '../api/rbac/index.js';
import { WatchCache } from './watch-cache.js';
import { storedFields } from './write-workers/stored-fields.js';
import { builtInAdmission } from './admission/index.js';
import { bootstrapObjects } from './bootstrap.js';
import type { RestContext } from './rest/rest-context.js';
import { reconcileRbacBootstrap } from './rbac-bootstrap.js';
import { RbacAuthorizer } from './authz/rbac/rbac-authorizer.js';
import { WatchCacheRbacLister } from './authz/rbac/watch-cache-lister.js';
import { encodeObject, decodeObject } from './rest/storage-key.js';

async function setup(): Promise<{ ctx: RestContext; stop(): void }> {
  const store = await openStore('memory', '');
  const cache = new WatchCache({ store, fieldsOf: storedFields });
  await cache.start();
  const ctx: RestContext = { store, cache, now: () => new Date(), admission: builtInAdmission({}, { cache, store }) };
  await bootstrapObjects(ctx);
  return { ctx, stop: () => cache.stop() };
}

interface StoredRole {
  metadata: { annotations: Record<string, string> };
  rules: unknown[];
}

const policy = () => withNodeAgentPolicy(bootstrapPolicy());
const RBAC = '/registry/rbac.authorization.k8s.io';

test('creates the whole policy once; a second run writes nothing', async () => {
  const { ctx, stop } = await setup();
  const p = policy();
  const first = await reconcileRbacBootstrap(ctx, p);
  assert.equal(
    first.created,
    p.clusterRoles.length + p.clusterRoleBindings.length + p.roles.length + p.roleBindings.length,
  );
  assert.deepEqual([first.updated, first.skipped], [0, []]);
  const admin = await ctx.store.get(`${RBAC}/clusterroles/cluster-admin`);
  assert.ok(admin);
  assert.ok(await ctx.store.get(`${RBAC}/roles/kube-public/system:controller:bootstrap-signer`));
  const before = await ctx.store.currentRevision();
  assert.deepEqual(await reconcileRbacBootstrap(ctx, policy()), { created: 0, updated: 0, skipped: [] });
  assert.equal(await ctx.store.currentRevision(), before);
  stop();
});

test('adds missing rules back, keeps extra ones, leaves autoupdate=false roles alone', async () => {
  const { ctx, stop } = await setup();
  await reconcileRbacBootstrap(ctx, policy());
  const edit = async (name: string, change: (o: StoredRole) => void) => {
    const key = `${RBAC}/clusterroles/${name}`;
    const stored = await ctx.store.get(key);
    assert.ok(stored);
    const obj = decodeObject<StoredRole>(stored.value);
    change(obj);
    await ctx.store.update(key, encodeObject(obj as never), stored.modRevision);
  };
  const extra = { apiGroups: ['example.com'], resources: ['widgets'], verbs: ['get'] };
  await edit('system:basic-user', (o) => {
    o.rules = [extra];
  });
  await edit('system:public-info-viewer', (o) => {
    o.rules = [];
    o.metadata.annotations[AUTOUPDATE_ANNOTATION] = 'false';
  });
  const r = await reconcileRbacBootstrap(ctx, policy());
  assert.equal(r.updated, 1);
  assert.equal(r.skipped.length, 1);
  assert.match(r.skipped[0], /skipped reconcile-protected clusterroles system:public-info-viewer/);
  const stored = await ctx.store.get(`${RBAC}/clusterroles/system:basic-user`);
  assert.ok(stored);
  const basic = decodeObject<{ rules: unknown[] }>(stored.value);
  assert.deepEqual(basic.rules[0], extra);
  assert.ok(basic.rules.length > 1);
  stop();
});

test('the watch-cache lister follows RBAC writes and the authorizer decides from it', async () => {
  const { ctx, stop } = await setup();
  const lister = new WatchCacheRbacLister(ctx.cache);
  const rbac = new RbacAuthorizer(lister);
  const ask = {
    resourceRequest: true as const,
    user: { name: 'bob', groups: ['system:authenticated'] },
    verb: 'get',
    apiGroup: '',
    apiVersion: 'v1',
    resource: 'pods',
    subresource: '',
    namespace: 'dev',
    name: '',
  };
  assert.equal(rbac.authorize(ask).decision, 'noOpinion');
  const put = async (key: string, obj: object) => {
    const r = await ctx.store.create(key, encodeObject(obj as never));
    assert.ok(r.ok);
    assert.ok(await ctx.cache.waitFor(r.revision));
  };
  await put(`${RBAC}/roles/dev/reader`, {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: { name: 'reader', namespace: 'dev' },
    rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }],
  });
  await put(`${RBAC}/rolebindings/dev/bob`, {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: 'bob', namespace: 'dev' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'reader' },
    subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'bob' }],
  });
  assert.deepEqual(rbac.authorize(ask), {
    decision: 'allow',
    reason: 'RBAC: allowed by RoleBinding "bob/dev" of Role "reader" to User "bob"',
  });
  assert.equal(lister.listRoleBindings('dev').length, 1);
  assert.equal(lister.listRoleBindings('other').length, 0);
  const stored = await ctx.store.get(`${RBAC}/rolebindings/dev/bob`);
  assert.ok(stored);
  const del = await ctx.store.delete(`${RBAC}/rolebindings/dev/bob`, stored.modRevision);
  assert.ok(del.ok);
  assert.ok(await ctx.cache.waitFor(del.revision));
  assert.equal(rbac.authorize(ask).decision, 'noOpinion');
  lister.close();
  stop();
});
