import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dropTooDeepManagedFields, jsonTooDeep, valueTooDeep, yamlMayBeTooDeep } from './nesting-depth.js';

const nested = (n: number, leaf = '1') => `${'{"a":'.repeat(n - 1)}[${leaf}]${'}'.repeat(n - 1)}`;

test('jsonTooDeep counts levels as Go does: the top-level value is level 1', () => {
  assert.equal(jsonTooDeep(nested(10), 10), false);
  assert.equal(jsonTooDeep(nested(11), 10), true);
  assert.equal(jsonTooDeep(Buffer.from(nested(11)), 10), true);
  assert.equal(jsonTooDeep(Buffer.from(nested(10)), 10), false);
});

test('jsonTooDeep ignores brackets inside strings, escaped quotes included', () => {
  const text = `{"a":"${'[{'.repeat(50)}\\"${'{'.repeat(50)}","b":[]}`;
  assert.equal(jsonTooDeep(text, 5), false);
  assert.equal(jsonTooDeep(Buffer.from(text), 5), false);
});

test('valueTooDeep walks parsed values without recursion', () => {
  assert.equal(valueTooDeep(JSON.parse(nested(20)), 20), false);
  assert.equal(valueTooDeep(JSON.parse(nested(21)), 20), true);
  assert.equal(valueTooDeep(JSON.parse(nested(100_000))), true);
  assert.equal(valueTooDeep('scalar', 0), false);
});

test('yamlMayBeTooDeep bounds flow and block nesting from above', () => {
  assert.equal(yamlMayBeTooDeep('a:\n  b:\n    c: [1, {d: 2}]\n', 20), false);
  assert.equal(yamlMayBeTooDeep(`x: ${'['.repeat(30)}${']'.repeat(30)}`, 20), true);
  assert.equal(yamlMayBeTooDeep(`x: "${'['.repeat(30)}"`, 20), false);
  let block = '';
  for (let i = 0; i < 30; i++) block += `${' '.repeat(i)}a:\n`;
  assert.equal(yamlMayBeTooDeep(block, 20), true);
  assert.equal(yamlMayBeTooDeep('- - - - 1\n', 20), false);
});

test('dropTooDeepManagedFields keeps entries that fit and drops those that do not', () => {
  const deep = JSON.parse(nested(1000));
  const obj = {
    metadata: {
      managedFields: [
        { manager: 'ok', fieldsV1: { 'f:a': {} } },
        { manager: 'deep', fieldsV1: deep },
      ],
    },
  };
  assert.equal(dropTooDeepManagedFields(obj), 1);
  assert.deepEqual(
    obj.metadata.managedFields.map((e) => e.manager),
    ['ok'],
  );
});
