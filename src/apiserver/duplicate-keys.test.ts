import { test } from 'node:test';
import assert from 'node:assert/strict';
import { duplicateJsonKeys } from './duplicate-keys.js';
import { normalizeNulls } from './normalize-nulls.js';
import { typeInfoFor } from '../api/schema/index.js';

test('duplicate keys are found with their paths, escapes and arrays handled', () => {
  assert.deepEqual(duplicateJsonKeys('{"a":1,"data":{"x":"1"},"data":{"y":"2"}}'), ['data']);
  assert.deepEqual(duplicateJsonKeys('{"spec":{"containers":[{"name":"a","name":"b"}]}}'), ['spec.containers[0].name']);
  assert.deepEqual(duplicateJsonKeys('{"a":"x\\"y","b":["a","a"],"c":{"a":1},"d":{"a":1}}'), []);
  assert.deepEqual(duplicateJsonKeys('{"l":[{"k":1},{"k":1,"k":2}]}'), ['l[1].k']);
  assert.deepEqual(duplicateJsonKeys('{"a\\"b":1,"a\\u0022b":2}'), ['a"b'], 'escaped keys are compared decoded');
});

test('nulls: fields dropped, null items of object lists become empty objects', () => {
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', labels: null }, spec: { containers: [null, { name: 'a', image: null }], nodeName: null } };
  normalizeNulls(pod, typeInfoFor({ group: '', version: 'v1', kind: 'Pod' }));
  assert.deepEqual(pod, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{}, { name: 'a' }] } });
});
