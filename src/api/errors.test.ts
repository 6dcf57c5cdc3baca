import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errors, fieldErrors, shownValue } from './errors.js';

test('short values print whole, as JSON', () => {
  assert.equal(shownValue('abc'), '"abc"');
  assert.equal(shownValue(42), '42');
  assert.equal(shownValue({ a: [1] }), '{"a":[1]}');
  assert.equal(shownValue(undefined), 'null');
});

test('long values print their first 256 characters and the length they had', () => {
  const long = 'a'.repeat(1 << 20);
  assert.equal(shownValue(long), `"${'a'.repeat(256)}"... (truncated from 1048576 characters)`);
  const obj = { data: 'x'.repeat(1000) };
  assert.match(shownValue(obj), /^\{"data":"x+\.\.\. \(truncated from 1011 characters\)$/);
});

test('a 1 MB invalid label value gives a 422 of a few hundred bytes, not 2 MB', () => {
  const cause = fieldErrors.invalid('metadata.labels', 'a'.repeat(1 << 20), 'must be no more than 63 characters');
  const err = errors.invalid('ConfigMap', 'big', [cause]);
  assert.ok(err.message.length < 600, `${err.message.length}`);
  assert.match(
    err.message,
    /^ConfigMap "big" is invalid: metadata\.labels: Invalid value: "a{256}"\.\.\. \(truncated from 1048576 characters\): must be no more than 63 characters$/,
  );
});
