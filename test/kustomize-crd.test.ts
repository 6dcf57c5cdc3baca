/**
 * `kubectl apply -k` of a kustomization holding a CRD and objects of it, with the real kubectl
 * (its built-in kustomize): namespace, labels and a ConfigMap generator applied by kustomize; the
 * CRD then its objects (kubectl needs the CRD served before it can map them), `get -k`, an apply
 * that changes nothing, `diff -k`, a change, and `delete -k`.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, type TestServer } from './helpers/cluster.js';
import { ok } from './helpers/kubectl.js';
import { eventually } from './helpers/wait-until.js';

let server: TestServer;
let dir = '';

const FILES: Record<string, string> = {
  'kustomization.yaml': `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: kz
labels:
- pairs: { app.kubernetes.io/part-of: shop }
  includeSelectors: false
resources:
- crd.yaml
- namespace.yaml
- shelves.yaml
configMapGenerator:
- name: shop-settings
  literals: [currency=EUR]
`,
  'crd.yaml': `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: { name: shelves.shop.test }
spec:
  group: shop.test
  scope: Namespaced
  names: { plural: shelves, singular: shelf, kind: Shelf }
  versions:
  - name: v1
    served: true
    storage: true
    additionalPrinterColumns:
    - { name: Slots, type: integer, jsonPath: .spec.slots }
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            required: [slots]
            properties:
              slots: { type: integer, minimum: 1, default: 4 }
              label: { type: string }
`,
  'namespace.yaml': `apiVersion: v1
kind: Namespace
metadata: { name: kz }
`,
  'shelves.yaml': `apiVersion: shop.test/v1
kind: Shelf
metadata: { name: top }
spec: { slots: 3, label: fruit }
---
apiVersion: shop.test/v1
kind: Shelf
metadata: { name: bottom }
spec: { slots: 8 }
`,
};

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flotilla-kustomize-'));
  for (const [name, text] of Object.entries(FILES)) await writeFile(join(dir, name), text);
  server = await startTestServer({ readyTimeoutMs: 60_000 });
});

after(async () => {
  await server?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('kubectl apply -k of a CRD with its objects: CRD first, objects once it is established', async () => {
  // kubectl maps every object of the kustomization to a resource before it sends any of them, so
  // on any server the first apply creates the CRD (and the rest) and reports the custom objects
  // as unmapped; once the CRD is Established the same apply creates them (what users do).
  const first = await server.kubectl(['apply', '-k', dir]);
  assert.equal(first.code, 1, first.stdout + first.stderr);
  assert.match(first.stdout, /namespace\/kz created/);
  assert.match(first.stdout, /customresourcedefinition\.apiextensions\.k8s\.io\/shelves\.shop\.test created/);
  assert.match(first.stdout, /configmap\/shop-settings-\w+ created/);
  assert.match(
    first.stderr,
    /resource mapping not found for name: "top" namespace: "kz" from ".*": no matches for kind "Shelf" in version "shop\.test\/v1"\nensure CRDs are installed first/,
  );
  ok(await server.kubectl(['wait', '--for=condition=Established', 'crd/shelves.shop.test', '--timeout=30s']));
  const second = ok(await server.kubectl(['apply', '-k', dir]));
  assert.match(second, /shelf\.shop\.test\/top created/);
  assert.match(second, /shelf\.shop\.test\/bottom created/);
  assert.match(second, /customresourcedefinition\.apiextensions\.k8s\.io\/shelves\.shop\.test unchanged/);

  // kustomize's namespace and labels reached the custom objects.
  const top = JSON.parse(ok(await server.kubectl(['get', 'shelf', 'top', '-n', 'kz', '-o', 'json'])));
  assert.equal(top.metadata.labels['app.kubernetes.io/part-of'], 'shop');
  assert.deepEqual(top.spec, { slots: 3, label: 'fruit' });
  assert.match(ok(await server.kubectl(['get', 'shelves', '-n', 'kz'])), /bottom\s+8/);

  // get -k lists what the kustomization holds.
  const listed = ok(await server.kubectl(['get', '-k', dir, '-o', 'name']));
  for (const name of [
    'namespace/kz',
    'customresourcedefinition.apiextensions.k8s.io/shelves.shop.test',
    'shelf.shop.test/top',
    'shelf.shop.test/bottom',
  ])
    assert.ok(listed.includes(name), listed);

  // Applying again changes nothing; diff -k finds no difference (exit 0).
  assert.match(ok(await server.kubectl(['apply', '-k', dir])), /shelf\.shop\.test\/top unchanged/);
  const diff = await server.kubectl(['diff', '-k', dir]);
  assert.equal(diff.code, 0, diff.stdout + diff.stderr);

  // A changed object: diff -k shows it (exit 1), apply -k configures it.
  await writeFile(join(dir, 'shelves.yaml'), FILES['shelves.yaml']?.replace('slots: 8', 'slots: 9') ?? '');
  const changed = await server.kubectl(['diff', '-k', dir]);
  assert.equal(changed.code, 1, changed.stderr);
  assert.match(changed.stdout, /-\s+slots: 8[\s\S]*\+\s+slots: 9/);
  assert.match(ok(await server.kubectl(['apply', '-k', dir])), /shelf\.shop\.test\/bottom configured/);
  const bottom = JSON.parse(ok(await server.kubectl(['get', 'shelf', 'bottom', '-n', 'kz', '-o', 'json'])));
  assert.equal(bottom.spec.slots, 9);

  // delete -k removes all of it. kubectl deletes in the kustomization's order: the namespace and
  // the CRD go first and take the custom objects with them, so those may be gone already when
  // kubectl reaches them (as on Kubernetes): --ignore-not-found.
  ok(await server.kubectl(['delete', '-k', dir, '--ignore-not-found', '--timeout=60s']));
  await eventually(
    async () => (await server.kubectl(['get', 'crd', 'shelves.shop.test'])).code !== 0,
    'the CRD is gone',
    30_000,
  );
  assert.notEqual((await server.kubectl(['get', 'namespace', 'kz'])).code, 0);
});
