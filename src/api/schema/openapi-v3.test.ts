import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openApiV3Document, openApiV3DocumentJson, openApiV3Index, openApiV3IndexJson } from './openapi-v3.js';
import { RESOURCE_TYPES } from '../resource-types.js';

interface Op {
  'x-kubernetes-group-version-kind'?: { group: string; version: string; kind: string };
  'x-kubernetes-action'?: string;
  parameters?: Array<{ name: string }>;
  requestBody?: { content: Record<string, unknown> };
}
type Doc = {
  openapi: string;
  paths: Record<string, Record<string, Op>>;
  components: { schemas: Record<string, Record<string, unknown>> };
};

test('index lists every group-version with a hash URL that matches the document', () => {
  const index = openApiV3Index();
  for (const key of [
    'api',
    'apis',
    'api/v1',
    'apis/apps/v1',
    'apis/rbac.authorization.k8s.io/v1',
    'apis/autoscaling/v2',
  ]) {
    const entry = index.paths[key];
    assert.ok(entry, key);
    const doc = openApiV3DocumentJson(key);
    assert.equal(entry.serverRelativeURL, `/openapi/v3/${key}?hash=${doc?.hash}`);
    assert.equal(doc?.etag, `"${doc?.hash}"`);
    assert.deepEqual(JSON.parse(doc?.json ?? ''), openApiV3Document(key));
  }
  assert.equal(
    JSON.parse(openApiV3IndexJson().json).paths['api/v1'].serverRelativeURL,
    index.paths['api/v1']?.serverRelativeURL,
  );
  assert.equal(openApiV3Document('apis/nope/v1'), undefined);
  assert.equal(openApiV3Document('/apis/apps/v1'), openApiV3Document('apis/apps/v1'));
});

test('apps/v1 has a deployments patch operation with GVK, fieldValidation and the four patch types', () => {
  const doc = openApiV3Document('apis/apps/v1') as unknown as Doc;
  assert.equal(doc.openapi, '3.0.0');
  const patch = doc.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}']?.patch;
  assert.deepEqual(patch?.['x-kubernetes-group-version-kind'], { group: 'apps', kind: 'Deployment', version: 'v1' });
  assert.equal(patch?.['x-kubernetes-action'], 'patch');
  const names = patch?.parameters?.map((p) => p.name);
  for (const n of ['fieldValidation', 'fieldManager', 'dryRun', 'force']) assert.ok(names?.includes(n), n);
  assert.deepEqual(Object.keys(patch?.requestBody?.content ?? {}).sort(), [
    'application/apply-patch+yaml',
    'application/json-patch+json',
    'application/merge-patch+json',
    'application/strategic-merge-patch+json',
  ]);
  const scale = doc.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale']?.patch;
  assert.deepEqual(scale?.['x-kubernetes-group-version-kind'], { group: 'autoscaling', kind: 'Scale', version: 'v1' });
  for (const path of [
    '/apis/apps/v1/namespaces/{namespace}/deployments',
    '/apis/apps/v1/deployments',
    '/apis/apps/v1/watch/namespaces/{namespace}/deployments',
  ]) {
    assert.ok(doc.paths[path]?.get, path);
  }
});

test('every served kind has a patch operation with fieldValidation in its group-version document', () => {
  for (const rt of RESOURCE_TYPES) {
    const key = rt.group === '' ? `api/${rt.version}` : `apis/${rt.group}/${rt.version}`;
    const doc = openApiV3Document(key) as unknown as Doc;
    const ops = Object.values(doc.paths)
      .map((item) => item.patch)
      .filter((op): op is Op => op !== undefined);
    const mine = ops.find((op) => op['x-kubernetes-group-version-kind']?.kind === rt.kind);
    assert.ok(
      mine?.parameters?.some((p) => p.name === 'fieldValidation'),
      `${key} ${rt.kind}`,
    );
    const schemaName = Object.keys(doc.components.schemas).find((n) =>
      (
        doc.components.schemas[n]?.['x-kubernetes-group-version-kind'] as
          | Array<{ kind: string; group: string }>
          | undefined
      )?.some((g) => g.kind === rt.kind && g.group === rt.group),
    );
    assert.ok(schemaName, `schema for ${rt.kind}`);
  }
});

test('component schemas use v3 refs, allOf around described refs, and keep patch metadata', () => {
  const doc = openApiV3Document('api/v1') as unknown as Doc;
  const json = JSON.stringify(doc);
  assert.ok(!json.includes('#/definitions/'));
  const podSpec = doc.components.schemas['io.k8s.api.core.v1.PodSpec'] as {
    properties: Record<string, Record<string, unknown>>;
  };
  assert.equal(podSpec.properties.containers?.['x-kubernetes-patch-merge-key'], 'name');
  assert.deepEqual(podSpec.properties.affinity?.allOf, [{ $ref: '#/components/schemas/io.k8s.api.core.v1.Affinity' }]);
  assert.equal(typeof podSpec.properties.affinity?.description, 'string');
  const pod = doc.components.schemas['io.k8s.api.core.v1.Pod'];
  assert.deepEqual(pod?.['x-kubernetes-group-version-kind'], [{ group: '', version: 'v1', kind: 'Pod' }]);
  assert.ok(doc.components.schemas['io.k8s.apimachinery.pkg.api.resource.Quantity']?.oneOf);
  assert.equal(
    doc.components.schemas['io.k8s.apimachinery.pkg.util.intstr.IntOrString']?.['x-kubernetes-int-or-string'],
    true,
  );
  assert.ok(doc.components.schemas['io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions']);
  // Every ref resolves inside the document.
  for (const m of json.matchAll(/"#\/components\/schemas\/([^"]+)"/g))
    assert.ok(doc.components.schemas[m[1] as string], m[1]);
});

test('the review kinds are documented: one create operation each, schemas with their GVK', () => {
  const authz = openApiV3Document('apis/authorization.k8s.io/v1') as Doc;
  const post = authz.paths['/apis/authorization.k8s.io/v1/subjectaccessreviews']?.post;
  assert.equal(post?.['x-kubernetes-action'], 'post');
  assert.deepEqual(post?.['x-kubernetes-group-version-kind'], {
    group: 'authorization.k8s.io',
    version: 'v1',
    kind: 'SubjectAccessReview',
  });
  assert.ok(authz.paths['/apis/authorization.k8s.io/v1/namespaces/{namespace}/localsubjectaccessreviews']?.post);
  const sar = authz.components.schemas['io.k8s.api.authorization.v1.SubjectAccessReview'];
  assert.deepEqual(sar?.['x-kubernetes-group-version-kind'], [
    { group: 'authorization.k8s.io', kind: 'SubjectAccessReview', version: 'v1' },
  ]);
  const authn = openApiV3Document('apis/authentication.k8s.io/v1') as Doc;
  assert.ok(authn.paths['/apis/authentication.k8s.io/v1/tokenreviews']?.post);
  assert.ok(authn.paths['/apis/authentication.k8s.io/v1/selfsubjectreviews']?.post);
  assert.ok(openApiV3Document('apis/authentication.k8s.io/v1beta1'));
});
