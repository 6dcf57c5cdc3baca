import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiError } from '../../api/errors.js';
import { boolParam, intParam, optionalBoolParam, parseBool, parseInt64 } from './query-params.js';

test('booleans convert as Kubernetes does: only 0 and false (any case) are false', () => {
  for (const v of ['true', 'True', 'TRUE', '1', 't', 'T', 'yes', '']) assert.equal(parseBool(v), true, v);
  for (const v of ['false', 'False', 'FALSE', 'fAlSe', '0']) assert.equal(parseBool(v), false, v);
});

test('an absent boolean is false, an absent optional one undefined; the first value counts', () => {
  const q = new URLSearchParams('watch=True&force=0&pretty&stdout=false&stdout=true');
  assert.equal(boolParam(q, 'watch'), true);
  assert.equal(boolParam(q, 'force'), false);
  assert.equal(boolParam(q, 'pretty'), true);
  assert.equal(boolParam(q, 'stdout'), false);
  assert.equal(boolParam(q, 'follow'), false);
  assert.equal(optionalBoolParam(q, 'follow'), undefined);
  assert.equal(optionalBoolParam(q, 'force'), false);
  assert.equal(optionalBoolParam(q, 'watch'), true);
});

test('integers are base-10 int64 with a sign; anything else is a BadRequest naming the parameter', () => {
  assert.equal(parseInt64('limit', '500'), 500);
  assert.equal(parseInt64('limit', '+7'), 7);
  assert.equal(parseInt64('tailLines', '-1'), -1);
  assert.equal(parseInt64('limit', '007'), 7);
  assert.equal(parseInt64('limit', '9223372036854775807'), Number(2n ** 63n - 1n));
  for (const bad of ['', 'abc', '1.5', '1e3', ' 1', '0x10', '9223372036854775808']) {
    assert.throws(
      () => parseInt64('limit', bad),
      (err: unknown) =>
        err instanceof ApiError && err.code === 400 && err.reason === 'BadRequest' && /^limit: /.test(err.message),
      JSON.stringify(bad),
    );
  }
  const q = new URLSearchParams('timeoutSeconds=30&limit=x');
  assert.equal(intParam(q, 'timeoutSeconds'), 30);
  assert.equal(intParam(q, 'gracePeriodSeconds'), undefined);
  assert.throws(() => intParam(q, 'limit'), /limit: Invalid value: "x": must be an integer/);
});
