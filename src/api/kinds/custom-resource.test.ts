import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CustomResourceDefinition } from 'kubernetes-types/apiextensions/v1.js';
import type { KubeObject } from '../object.js';
import { compareKubeVersions, customResourceEntries } from './custom-resource.js';

const crd = {
  metadata: { name: 'things.example.com' },
  spec: {
    group: 'example.com',
    scope: 'Namespaced',
    names: { plural: 'things', kind: 'Thing' },
    versions: ['v1alpha1', 'v1', 'v1beta1'].map((name) => ({
      name,
      served: true,
      storage: name === 'v1',
      schema: {
        openAPIV3Schema: {
          type: 'object',
          properties: {
            spec: { type: 'object', properties: { size: { type: 'integer', default: name === 'v1' ? 3 : 1 } } },
          },
        },
      },
    })),
  },
} as unknown as CustomResourceDefinition;

describe('custom resource strategy', () => {
  it('orders versions by Kubernetes priority', () => {
    const sorted = ['foo1', 'v1alpha1', 'v2', 'v1beta1', 'v11alpha2', 'v1', 'v10', 'v1beta2', 'foo10'].sort(
      compareKubeVersions,
    );
    assert.deepEqual(sorted, ['v10', 'v2', 'v1', 'v1beta2', 'v1beta1', 'v11alpha2', 'v1alpha1', 'foo1', 'foo10']);
    assert.deepEqual(
      customResourceEntries(crd).map((e) => e.rt.version),
      ['v1', 'v1beta1', 'v1alpha1'],
    );
  });

  it('defaults on write and on read (a copy), validates with the version schema', () => {
    const v1 = customResourceEntries(crd)[0]?.strategy;
    assert.ok(v1);
    const obj = {
      apiVersion: 'example.com/v1',
      kind: 'Thing',
      metadata: { name: 'a', namespace: 'ns' },
      spec: {},
    } as KubeObject;
    const read = v1.defaultOnRead?.(obj) as KubeObject & { spec: { size: number } };
    assert.equal(read.spec.size, 3);
    assert.deepEqual(obj.spec, {}, 'the stored object is not mutated');
    assert.equal(v1.defaultOnRead?.(read), read, 'nothing to default: the same object');
    v1.applyDefaults?.(obj);
    assert.deepEqual(obj.spec, { size: 3 });
    (obj.spec as { size: unknown }).size = 'big';
    assert.deepEqual(
      v1.validate?.(obj).map((e) => `${e.field}: ${e.message}`),
      ['spec.size: Invalid value: "string": spec.size in body must be of type integer: "string"'],
    );
  });
});
