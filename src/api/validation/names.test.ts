import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  isConfigMapKey,
  isDNS1123Label,
  isDNS1123Subdomain,
  isQualifiedName,
  isValidLabelValue,
  isValidPortName,
  nameIsDNSSubdomain,
} from './names.js';
import { parseQuantity } from './quantity.js';
import { formatLabelSelector, selectorMatches, validateLabelSelector } from './label-selector.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './metadata.js';
import { validateAnnotations } from './labels.js';

test("DNS-1123 subdomain and label messages are Kubernetes' own", () => {
  assert.deepEqual(isDNS1123Subdomain('example.com'), []);
  assert.deepEqual(isDNS1123Subdomain('Bad_Name'), [
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
  ]);
  assert.deepEqual(isDNS1123Label('a.b'), [
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
  ]);
  assert.deepEqual(isDNS1123Label('a'.repeat(64)), ['must be no more than 63 characters']);
  assert.deepEqual(nameIsDNSSubdomain('web-', true), []);
});

test('qualified names, label values, config keys, port names', () => {
  assert.deepEqual(isQualifiedName('app.kubernetes.io/name'), []);
  assert.equal(isQualifiedName('a/b/c').length, 1);
  assert.match(isQualifiedName('-x')[0], /^name part must consist of alphanumeric characters/);
  assert.match(isQualifiedName('Bad_/x')[0], /^prefix part a lowercase RFC 1123 subdomain/);
  assert.deepEqual(isValidLabelValue(''), []);
  assert.equal(isValidLabelValue('-bad').length, 1);
  assert.deepEqual(isConfigMapKey('app.properties'), []);
  assert.ok(isConfigMapKey('a/b')[0].startsWith('a valid config key must consist of alphanumeric characters'));
  assert.deepEqual(isValidPortName('http'), []);
  assert.deepEqual(isValidPortName('80'), ['must contain at least one letter (a-z)']);
});

test('quantities parse with binary, decimal and exponent suffixes', () => {
  assert.equal(parseQuantity('100m'), 0.1);
  assert.equal(parseQuantity('1Gi'), 2 ** 30);
  assert.equal(parseQuantity('1e3'), 1000);
  assert.equal(parseQuantity('0.5'), 0.5);
  assert.equal(parseQuantity('2k'), 2000);
  assert.equal(parseQuantity('abc'), undefined);
  assert.equal(parseQuantity('1Gb'), undefined);
});

test('label selectors validate operators and match labels', () => {
  const sel = { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['a', 'b'] }] };
  assert.deepEqual(validateLabelSelector(sel, 'spec.selector'), []);
  assert.ok(selectorMatches(sel, { app: 'web', tier: 'a' }));
  assert.ok(!selectorMatches(sel, { app: 'web', tier: 'c' }));
  const bad = validateLabelSelector(
    {
      matchExpressions: [
        { key: 'x', operator: 'Has' },
        { key: 'y', operator: 'In' },
      ],
    },
    'spec.selector',
  );
  assert.deepEqual(
    bad.map((e) => e.field),
    ['spec.selector.matchExpressions[0].operator', 'spec.selector.matchExpressions[1].values'],
  );
  assert.equal(formatLabelSelector(sel), 'app=web,tier in (a,b)');
  assert.equal(formatLabelSelector({}), '<none>');
});

test('object metadata: name or generateName, namespace rules, immutable name', () => {
  const errs = validateObjectMeta({}, { namespaced: true });
  assert.deepEqual(
    errs.map((e) => `${e.field}: ${e.message}`),
    ['metadata.name: Required value: name or generateName is required', 'metadata.namespace: Required value'],
  );
  assert.deepEqual(
    validateObjectMeta({ name: 'x', namespace: 'default' }, { namespaced: false }).map((e) => e.message),
    ['Forbidden: not allowed on this type'],
  );
  const upd = validateObjectMetaUpdate(
    { name: 'b', namespace: 'ns' },
    { name: 'a', namespace: 'ns' },
    { namespaced: true },
  );
  assert.deepEqual(
    upd.map((e) => `${e.field}: ${e.message}`),
    ['metadata.name: Invalid value: "b": field is immutable'],
  );
  const refs = validateObjectMeta(
    {
      name: 'x',
      ownerReferences: [
        { apiVersion: 'v1', kind: 'A', name: 'a', uid: '1', controller: true },
        { apiVersion: 'v1', kind: 'B', name: 'b', uid: '2', controller: true },
      ],
    },
    { namespaced: false },
  );
  assert.match(refs[0].message, /Only one reference can have Controller set to true/);
});

test('annotations may total at most 256 KiB', () => {
  assert.deepEqual(validateAnnotations({ a: 'x'.repeat(1000) }, 'metadata.annotations'), []);
  const errs = validateAnnotations({ a: 'x'.repeat(256 * 1024) }, 'metadata.annotations');
  assert.deepEqual(
    errs.map((e) => e.message),
    ['Too long: must have at most 262144 bytes'],
  );
});

test('qualified names: a remembered valid name answers the same, with a fresh array each time', () => {
  for (let round = 0; round < 2; round++) {
    const ok = isQualifiedName('example.com/owner');
    assert.equal(ok.length, 0);
    ok.push('caller-owned');
    assert.equal(isQualifiedName('-bad').length, 1);
    assert.equal(isQualifiedName('Example.com/owner').length, 1);
  }
  for (let i = 0; i < 5000; i++) assert.deepEqual(isQualifiedName(`k${i}`), []);
  assert.deepEqual(isQualifiedName('example.com/owner'), []);
});
