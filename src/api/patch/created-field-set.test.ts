import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createdFieldSet } from './created-field-set.js';
import { compareObjects } from './compare.js';
import { ignoredFieldsFilter } from './ownership.js';
import { typeInfoFor } from '../schema/index.js';
import * as fx from './testing/type-fixture.js';
import type { TypeInfo } from '../schema/type-info.js';

/** The general path: everything the comparison with an empty object calls added. */
function viaComparison(obj: Record<string, unknown>, type: TypeInfo | undefined, sub?: string) {
  return compareObjects({}, obj, type, (s) => ignoredFieldsFilter(s, sub)).added.toFieldsV1();
}

const pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {
    name: 'p',
    namespace: 'd',
    uid: 'u',
    labels: { app: 'x', tier: 'y' },
    annotations: { a: 'b' },
    finalizers: ['f'],
    creationTimestamp: 't',
  },
  spec: {
    containers: [
      {
        name: 'web',
        image: 'nginx',
        ports: [{ containerPort: 80, protocol: 'TCP' }],
        env: [{ name: 'A', value: 'b' }],
        resources: {},
      },
    ],
    volumes: [{ name: 'v', emptyDir: {} }],
    nodeSelector: { disk: 'ssd' },
    tolerations: [{ key: 'k', operator: 'Exists' }],
  },
  status: { phase: 'Pending' },
};
const deployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'd', labels: { app: 'd' } },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: 'd' } },
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%' } },
    template: { metadata: { labels: { app: 'd' } }, spec: pod.spec },
  },
};
const configMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: '1', b: '2' } };

test('the one-walk creator field set equals the general comparison', () => {
  const cases: [string, Record<string, unknown>, TypeInfo | undefined][] = [
    ['pod (fixture types)', pod, fx.pod],
    ['deployment (fixture types)', deployment, fx.deployment],
    ['configmap (fixture types)', configMap, fx.configMap],
    ['pod (served schema)', pod, typeInfoFor({ group: '', version: 'v1', kind: 'Pod' })],
    ['deployment (served schema)', deployment, typeInfoFor({ group: 'apps', version: 'v1', kind: 'Deployment' })],
    ['no schema', pod, undefined],
    ['no schema, metadata only ignored', configMap, undefined],
  ];
  for (const [name, obj, type] of cases) {
    assert.deepEqual(createdFieldSet(obj, type, undefined).toFieldsV1(), viaComparison(obj, type), name);
    assert.deepEqual(
      createdFieldSet(obj, type, 'status').toFieldsV1(),
      viaComparison(obj, type, 'status'),
      `${name} status`,
    );
  }
});
