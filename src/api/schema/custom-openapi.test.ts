import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CustomResourceDefinition } from 'kubernetes-types/apiextensions/v1.js';
import { customResourceEntries } from '../kinds/custom-resource.js';
import { setCustomResources } from '../resource-types.js';
import { openApiV2 } from './openapi-v2.js';
import { openApiV3Document, openApiV3Index } from './openapi-v3.js';
import { typeInfoFor } from './type-info.js';

const crd = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'widgets.shop.example.com' },
  spec: {
    group: 'shop.example.com',
    scope: 'Namespaced',
    names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        subresources: { status: {} },
        schema: {
          openAPIV3Schema: {
            type: 'object',
            description: 'A widget.',
            properties: {
              spec: {
                type: 'object',
                properties: {
                  size: { type: 'integer', nullable: true },
                  ports: {
                    type: 'array',
                    items: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } },
                    'x-kubernetes-list-type': 'map',
                    'x-kubernetes-list-map-keys': ['name'],
                  },
                  tags: { type: 'array', items: { type: 'string' } },
                },
              },
            },
          },
        },
      },
    ],
  },
} as unknown as CustomResourceDefinition;

describe('custom resources in OpenAPI and apply type info', () => {
  it('publishes, then withdraws, a CRD version', () => {
    setCustomResources('widgets.shop.example.com', customResourceEntries(crd));
    try {
      assert.ok(openApiV3Index().paths['apis/shop.example.com/v1']);
      const doc = openApiV3Document('apis/shop.example.com/v1') as {
        paths: Record<
          string,
          Record<
            string,
            {
              'x-kubernetes-group-version-kind'?: unknown;
              parameters?: Array<{ name: string }>;
              requestBody?: { content: Record<string, unknown> };
            }
          >
        >;
        components: { schemas: Record<string, Record<string, unknown>> };
      };
      const kind = doc.components.schemas['com.example.shop.v1.Widget'];
      assert.deepEqual(kind?.['x-kubernetes-group-version-kind'], [
        { group: 'shop.example.com', kind: 'Widget', version: 'v1' },
      ]);
      assert.equal(kind?.description, 'A widget.');
      assert.ok(doc.components.schemas['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta']);
      const patch = doc.paths['/apis/shop.example.com/v1/namespaces/{namespace}/widgets/{name}']?.patch;
      assert.ok(patch?.parameters?.some((p) => p.name === 'fieldValidation'));
      // No strategic merge patch for custom resources: kubectl apply/diff then send merge patches.
      assert.deepEqual(Object.keys(patch?.requestBody?.content ?? {}), [
        'application/json-patch+json',
        'application/merge-patch+json',
        'application/apply-patch+yaml',
      ]);
      assert.ok(doc.paths['/apis/shop.example.com/v1/namespaces/{namespace}/widgets/{name}/status']);
      const v2 = openApiV2() as {
        definitions: Record<string, { properties?: Record<string, Record<string, unknown>> }>;
      };
      const spec = v2.definitions['com.example.shop.v1.Widget']?.properties?.spec as {
        properties: Record<string, Record<string, unknown>>;
      };
      assert.equal(spec.properties.size?.nullable, undefined, 'v2 has no nullable');
      const ports = typeInfoFor({ group: 'shop.example.com', version: 'v1', kind: 'Widget' })
        ?.field('spec')
        ?.field('ports');
      assert.equal(ports?.listType, 'map');
      assert.deepEqual(ports?.listMapKeys, ['name']);
      assert.equal(
        typeInfoFor({ group: 'shop.example.com', version: 'v1', kind: 'Widget' })?.field('spec')?.field('tags')
          ?.listType,
        'atomic',
      );
    } finally {
      setCustomResources('widgets.shop.example.com', []);
    }
    assert.equal(openApiV3Index().paths['apis/shop.example.com/v1'], undefined);
    assert.equal(
      (openApiV2() as { definitions: Record<string, unknown> }).definitions['com.example.shop.v1.Widget'],
      undefined,
    );
  });
});
