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
        { rule: 'size(self.items)' },
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
