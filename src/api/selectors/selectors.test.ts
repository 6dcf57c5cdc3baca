import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseLabelSelector, labelSelectorFromObject, formatLabelSelector } from './label-selector.js';
import { parseFieldSelector } from './field-selector.js';
import { ApiError } from '../errors.js';

test('label selector: equality, set and existence requirements', () => {
  const s = parseLabelSelector('app=web,tier!=db,env in (prod, staging),!legacy,team');
  assert.equal(s.matches({ app: 'web', env: 'prod', team: 'a' }), true);
  assert.equal(s.matches({ app: 'web', env: 'prod', team: 'a', tier: 'db' }), false);
  assert.equal(s.matches({ app: 'web', env: 'dev', team: 'a' }), false);
  assert.equal(s.matches({ app: 'web', env: 'prod', team: 'a', legacy: 'y' }), false);
  assert.equal(s.matches({ app: 'web', env: 'prod' }), false);
  assert.equal(parseLabelSelector('x notin (a,b)').matches({}), true);
  assert.equal(parseLabelSelector('n>3').matches({ n: '4' }), true);
  assert.equal(parseLabelSelector('').matches(undefined), true);
});

test('label selector: malformed input is a 400', () => {
  for (const bad of ['a in (', '=x', 'a=b=c', 'n>x', 'Bad Key=1', `${'k'.repeat(64)}=v`, `k=${'v'.repeat(64)}`]) {
    assert.throws(
      () => parseLabelSelector(bad),
      (e: unknown) => e instanceof ApiError && e.code === 400,
      bad,
    );
  }
});

test('label selector from a LabelSelector object, and its string form', () => {
  const obj = { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'env', operator: 'In', values: ['b', 'a'] }] };
  const s = labelSelectorFromObject(obj);
  assert.equal(s.matches({ app: 'web', env: 'a' }), true);
  assert.equal(s.matches({ app: 'web' }), false);
  assert.equal(formatLabelSelector(obj), 'app=web,env in (a,b)');
  assert.equal(labelSelectorFromObject(undefined).matches({}), false);
});

test('field selector: supported fields, escaping, unsupported field', () => {
  const ok = (f: string) => ['metadata.name', 'status.phase'].includes(f);
  const s = parseFieldSelector('metadata.name=web\\,1,status.phase!=Running', ok);
  assert.equal(s.exact('metadata.name'), 'web,1');
  assert.equal(s.matches({ 'metadata.name': 'web,1', 'status.phase': 'Pending' }), true);
  assert.equal(s.matches({ 'metadata.name': 'web,1', 'status.phase': 'Running' }), false);
  assert.throws(
    () => parseFieldSelector('spec.foo=1', ok),
    (e: unknown) => e instanceof ApiError && e.message === 'field label not supported: spec.foo',
  );
});
