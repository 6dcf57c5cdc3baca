import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateJsonPath, setAtPath } from './json-path.js';

const obj = {
  spec: { replicas: 3, 'a.b': 'dotted', list: [{ n: 1 }, { n: 2 }] },
  status: {
    conditions: [
      { type: 'Ready', status: 'True' },
      { type: 'Synced', status: 'False' },
    ],
  },
};

test('fields, indexes, wildcards, quoted keys and filters', () => {
  assert.deepEqual(evaluateJsonPath(obj, '.spec.replicas'), [3]);
  assert.deepEqual(evaluateJsonPath(obj, '{.spec.replicas}'), [3]);
  assert.deepEqual(evaluateJsonPath(obj, '.spec.list[1].n'), [2]);
  assert.deepEqual(evaluateJsonPath(obj, '.spec.list[-1].n'), [2]);
  assert.deepEqual(evaluateJsonPath(obj, '.spec.list[*].n'), [1, 2]);
  assert.deepEqual(evaluateJsonPath(obj, ".spec['a.b']"), ['dotted']);
  assert.deepEqual(evaluateJsonPath(obj, '.status.conditions[?(@.type=="Ready")].status'), ['True']);
  assert.deepEqual(evaluateJsonPath(obj, ".status.conditions[?(@.type=='Synced')].status"), ['False']);
});

test('missing paths and unparsable ones give nothing', () => {
  assert.deepEqual(evaluateJsonPath(obj, '.spec.missing'), []);
  assert.deepEqual(evaluateJsonPath(obj, '.spec.list[9]'), []);
  assert.deepEqual(evaluateJsonPath(obj, 'spec[unclosed'), []);
});

test('setAtPath creates the objects on the way', () => {
  const o: Record<string, unknown> = {};
  setAtPath(o, '.spec.scale.replicas', 4);
  assert.deepEqual(o, { spec: { scale: { replicas: 4 } } });
});
