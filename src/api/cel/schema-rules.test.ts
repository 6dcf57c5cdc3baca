import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkSchemaRules, compileSchemaRules, type RuleSchema } from './schema-rules.js';

const spec: RuleSchema = {
  type: 'object',
  properties: {
    replicas: { type: 'integer' },
    minReplicas: { type: 'integer' },
    mode: { type: 'string' },
    'max-surge': { 'x-kubernetes-int-or-string': true },
  },
  'x-kubernetes-validations': [
    { rule: 'self.minReplicas <= self.replicas', message: 'replicas must be at least minReplicas' },
    {
      rule: 'self.mode == oldSelf.mode',
      message: 'mode is immutable',
      fieldPath: '.mode',
      reason: 'FieldValueForbidden',
    },
    {
      rule: '!has(self.max__dash__surge) || type(self.max__dash__surge) == string',
      messageExpression: "'max-surge ' + string(self.max__dash__surge) + ' must be a percentage'",
    },
  ],
};

test('rules of a node: messages, transition rules only on update, fieldPath and reason', () => {
  const rules = compileSchemaRules(spec);
  assert.ok(rules);
  if (!rules) return;
  assert.deepEqual(rules({ replicas: 3, minReplicas: 1, mode: 'a' }, undefined, 'spec'), []);
  assert.deepEqual(rules({ replicas: 1, minReplicas: 2, mode: 'a', 'max-surge': 3 }, undefined, 'spec'), [
    {
      field: 'spec',
      reason: 'FieldValueInvalid',
      message: 'Invalid value: "object": replicas must be at least minReplicas',
    },
    {
      field: 'spec',
      reason: 'FieldValueInvalid',
      message: 'Invalid value: "object": max-surge 3 must be a percentage',
    },
  ]);
  assert.deepEqual(
    rules({ replicas: 1, minReplicas: 1, mode: 'b' }, { replicas: 1, minReplicas: 1, mode: 'a' }, 'spec'),
    [{ field: 'spec.mode', reason: 'FieldValueForbidden', message: 'Forbidden: mode is immutable' }],
  );
});

test('optionalOldSelf runs a transition rule on create with oldSelf absent', () => {
  const node: RuleSchema = {
    type: 'string',
    'x-kubernetes-validations': [
      { rule: 'oldSelf.hasValue() ? self == oldSelf.value() : self.startsWith("v")', optionalOldSelf: true },
    ],
  };
  const rules = compileSchemaRules(node);
  assert.ok(rules);
  if (!rules) return;
  assert.deepEqual(rules('v1', undefined, 'spec.version'), []);
  assert.deepEqual(rules('x1', undefined, 'spec.version'), [
    {
      field: 'spec.version',
      reason: 'FieldValueInvalid',
      message:
        'Invalid value: "string": failed rule: oldSelf.hasValue() ? self == oldSelf.value() : self.startsWith("v")',
    },
  ]);
  assert.equal(rules('v2', 'v1', 'spec.version').length, 1);
});

test('a runtime error names the rule', () => {
  const rules = compileSchemaRules({ type: 'object', 'x-kubernetes-validations': [{ rule: 'self.x > 1' }] });
  assert.deepEqual(rules?.({}, undefined, 'spec'), [
    {
      field: 'spec',
      reason: 'FieldValueInvalid',
      message: 'Invalid value: "object": no such key: x evaluating rule: self.x > 1',
    },
  ]);
});

test('CRD write checks: compile errors, cost over the limit, reasons', () => {
  const errs = checkSchemaRules(
    {
      type: 'object',
      properties: { items: { type: 'array', items: { type: 'array', items: { type: 'string' } } } },
      'x-kubernetes-validations': [
        { rule: 'self.items.all(x, x.all(y, y.all(z, z.startsWith("a"))))' },
        { rule: 'self.items.all(x, x.all(y, self.items.exists(w, w.exists(v, v == y))))' },
        { rule: 'self.items.size(' },
        { rule: 'self.items.size() > 0', reason: 'Nope' },
        { rule: 'self.items' },
        { rule: 'self.nmae == "x"' },
      ],
    },
    'spec.versions[0].schema.openAPIV3Schema',
  );
  const text = errs.map((e) => `${e.field}: ${e.message}`);
  assert.ok(
    text.some((t) =>
      t.startsWith(
        'spec.versions[0].schema.openAPIV3Schema.x-kubernetes-validations[1].rule: Forbidden: estimated rule cost exceeds budget by factor of more than 100x',
      ),
    ),
    text.join('\n'),
  );
  assert.ok(
    text.some((t) =>
      /x-kubernetes-validations\[2\]\.rule: Invalid value: .*compilation failed: ERROR: <input>:1:/.test(t),
    ),
    text.join('\n'),
  );
  assert.ok(
    text.some((t) => /x-kubernetes-validations\[3\]\.reason: Unsupported value: "Nope"/.test(t)),
    text.join('\n'),
  );
  assert.ok(
    text.some((t) => /x-kubernetes-validations\[4\]\.rule: .*cel expression must evaluate to a bool/.test(t)),
    text.join('\n'),
  );
  const bounded = checkSchemaRules(
    {
      type: 'array',
      maxItems: 10,
      items: { type: 'string', maxLength: 63 },
      'x-kubernetes-validations': [{ rule: 'self.all(x, self.exists_one(y, x == y))' }],
    },
    'p',
  );
  assert.deepEqual(bounded, []);
});

test('objects are typed by their schema: deep equality of self and oldSelf, typed fields', () => {
  const node: RuleSchema = {
    type: 'object',
    properties: {
      ports: {
        type: 'array',
        items: { type: 'object', properties: { port: { type: 'integer' }, name: { type: 'string' } } },
      },
      labels: { type: 'object', maxProperties: 64, additionalProperties: { type: 'string' } },
    },
    'x-kubernetes-validations': [
      { rule: 'self == oldSelf', message: 'immutable' },
      { rule: "self.ports.all(p, p.port > 0) && (!has(self.labels) || self.labels.all(k, self.labels[k] != ''))" },
    ],
  };
  assert.deepEqual(checkSchemaRules(node, 'spec'), []);
  const rules = compileSchemaRules(node);
  const v = { ports: [{ port: 80, name: 'http' }], labels: { a: 'b' } };
  assert.deepEqual(rules?.(v, structuredClone(v), 'spec'), []);
  const changed = { ports: [{ port: 81, name: 'http' }] };
  assert.deepEqual(rules?.(changed, v, 'spec'), [
    { field: 'spec', reason: 'FieldValueInvalid', message: 'Invalid value: "object": immutable' },
  ]);
  assert.equal(rules?.({ ports: [{ port: 0 }] }, undefined, 'spec').length, 1);
  assert.equal(
    checkSchemaRules({ ...node, 'x-kubernetes-validations': [{ rule: 'self.ports[0].port + "x" == "y"' }] }, 's')
      .length,
    1,
  );
});
