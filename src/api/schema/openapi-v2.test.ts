import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openApiV2, openApiV2Json } from './openapi-v2.js';

test('Swagger 2.0 document has definitions, patch operations and body parameters', () => {
  const doc = openApiV2() as {
    swagger: string;
    definitions: Record<string, unknown>;
    paths: Record<
      string,
      Record<
        string,
        {
          parameters: Array<{ name: string; in: string }>;
          'x-kubernetes-group-version-kind': unknown;
          consumes: string[];
        }
      >
    >;
  };
  assert.equal(doc.swagger, '2.0');
  assert.ok(doc.definitions['io.k8s.api.core.v1.Pod']);
  const patch = doc.paths['/api/v1/namespaces/{namespace}/pods/{name}']?.patch;
  assert.deepEqual(patch?.['x-kubernetes-group-version-kind'], { group: '', kind: 'Pod', version: 'v1' });
  assert.ok(patch?.parameters.some((p) => p.name === 'body' && p.in === 'body'));
  assert.ok(patch?.parameters.some((p) => p.name === 'fieldValidation'));
  assert.ok(patch?.consumes.includes('application/strategic-merge-patch+json'));
  assert.ok(doc.paths['/apis/batch/v1/namespaces/{namespace}/cronjobs']?.post);
  const serialized = openApiV2Json();
  assert.equal(serialized.json, JSON.stringify(doc));
  for (const m of serialized.json.matchAll(/"#\/definitions\/([^"]+)"/g))
    assert.ok(doc.definitions[m[1] as string], m[1]);
});
