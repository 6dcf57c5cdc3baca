import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  accessFor,
  actionsFor,
  type Deployment,
  drainPlan,
  evictionRequest,
  type Pod,
  type ReplicaSet,
  restartRequest,
  scaleRequest,
  type Target,
  undoRequest,
} from './actions.ts';

const kind = (group: string, resource: string, k: string) => ({
  group,
  version: 'v1',
  resource,
  kind: k,
  verbs: ['get', 'list', 'patch', 'delete'],
});
const web: Target = { kind: kind('apps', 'deployments', 'Deployment'), namespace: 'default', name: 'web' };

test('actions per kind, and what each needs the user to be allowed', () => {
  assert.deepEqual(actionsFor(web), ['scale', 'restart', 'undo', 'pause', 'resume', 'delete']);
  assert.deepEqual(actionsFor({ kind: kind('apps', 'statefulsets', 'StatefulSet'), name: 'db' }), [
    'scale',
    'restart',
    'delete',
  ]);
  assert.deepEqual(actionsFor({ kind: kind('', 'nodes', 'Node'), name: 'n1' }), [
    'cordon',
    'uncordon',
    'drain',
    'delete',
  ]);
  assert.deepEqual(accessFor('scale', web), [
    { verb: 'patch', group: 'apps', resource: 'deployments', subresource: 'scale', namespace: 'default', name: 'web' },
  ]);
  assert.deepEqual(
    accessFor('drain', { kind: kind('', 'nodes', 'Node'), name: 'n1' }).map(
      (c) => `${c.verb} ${c.resource}/${c.subresource ?? ''}`,
    ),
    ['patch nodes/', 'list pods/', 'create pods/eviction'],
  );
});

test('scale and restart are the patches kubectl sends', () => {
  assert.deepEqual(scaleRequest(web, 2), {
    method: 'PATCH',
    path: '/apis/apps/v1/namespaces/default/deployments/web/scale?fieldManager=flotilla-dashboard',
    contentType: 'application/merge-patch+json',
    body: { spec: { replicas: 2 } },
  });
  assert.throws(() => scaleRequest(web, -1), /replicas/);
  assert.throws(() => scaleRequest(web, 1.5), /replicas/);
  const r = restartRequest(web, new Date('2026-01-02T03:04:05Z'));
  assert.equal(r.contentType, 'application/strategic-merge-patch+json');
  assert.deepEqual(r.body, {
    spec: {
      template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2026-01-02T03:04:05.000Z' } } },
    },
  });
});

test('undo puts the previous revision’s template back, without pod-template-hash', () => {
  const d: Deployment = {
    metadata: { uid: 'd1', annotations: { 'deployment.kubernetes.io/revision': '2', team: 'x' } },
    spec: { selector: { matchLabels: { app: 'web' } } },
  };
  const rs = (name: string, rev: string, owner: string, image: string): ReplicaSet => ({
    metadata: {
      name,
      annotations: { 'deployment.kubernetes.io/revision': rev, 'kubernetes.io/change-cause': `to ${image}` },
      ownerReferences: [{ uid: owner, controller: true, kind: 'Deployment' }],
    },
    spec: {
      template: { metadata: { labels: { app: 'web', 'pod-template-hash': name } }, spec: { image } },
    },
  });
  const req = undoRequest(web, d, [rs('b', '2', 'd1', 'two'), rs('a', '1', 'd1', 'one'), rs('z', '5', 'other', 'x')]);
  assert.equal(req.contentType, 'application/json-patch+json');
  assert.deepEqual(req.body, [
    { op: 'replace', path: '/spec/template', value: { metadata: { labels: { app: 'web' } }, spec: { image: 'one' } } },
    {
      op: 'replace',
      path: '/metadata/annotations',
      value: { 'deployment.kubernetes.io/revision': '2', 'kubernetes.io/change-cause': 'to one' },
    },
  ]);
  assert.throws(
    () => undoRequest(web, d, [rs('b', '2', 'd1', 'two')]),
    /no rollout history found for deployment "web"/,
  );
  assert.throws(() => undoRequest(web, d, [rs('b', '2', 'd1', 'two')], 7), /unable to find specified revision 7/);
});

test('drain evicts what kubectl would and says why it leaves or refuses the rest', () => {
  const pod = (name: string, extra: Partial<Pod> & { owner?: string } = {}): Pod => ({
    metadata: {
      name,
      namespace: 'default',
      ownerReferences: extra.owner ? [{ uid: 'u', controller: true, kind: extra.owner }] : undefined,
      ...extra.metadata,
    },
    spec: extra.spec,
    status: extra.status ?? { phase: 'Running' },
  });
  const pods = [
    pod('rs-pod', { owner: 'ReplicaSet' }),
    pod('ds-pod', { owner: 'DaemonSet' }),
    pod('mirror', { metadata: { annotations: { 'kubernetes.io/config.mirror': 'x' } } }),
    pod('bare'),
    pod('done', { status: { phase: 'Succeeded' } }),
    pod('scratch', { owner: 'ReplicaSet', spec: { volumes: [{ name: 'tmp', emptyDir: {} }] } }),
  ];
  const names = (l: { pod: Pod }[] | Pod[]) => l.map((x) => ('pod' in x ? x.pod : x).metadata.name);
  const strict = drainPlan(pods, { force: false, deleteEmptyDirData: false });
  assert.deepEqual(names(strict.evict), ['rs-pod', 'done']);
  assert.deepEqual(names(strict.skipped), ['ds-pod', 'mirror']);
  assert.deepEqual(names(strict.blocked), ['bare', 'scratch']);
  const all = drainPlan(pods, { force: true, deleteEmptyDirData: true });
  assert.deepEqual(names(all.evict), ['rs-pod', 'bare', 'done', 'scratch']);
  assert.deepEqual(all.blocked, []);
  assert.deepEqual(evictionRequest(pods[0] as Pod), {
    method: 'POST',
    path: '/api/v1/namespaces/default/pods/rs-pod/eviction',
    contentType: 'application/json',
    body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'rs-pod', namespace: 'default' } },
  });
});
