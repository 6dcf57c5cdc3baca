import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mustParseQuantity, parseQuantity, quantityErrors } from './quantity.js';

test('quantities parse the same the first time and when remembered', () => {
  const cases: [string | number, number | undefined][] = [
    ['100m', 0.1],
    ['128Mi', 128 * 2 ** 20],
    ['1Gi', 2 ** 30],
    ['0.5', 0.5],
    ['1e3', 1000],
    ['+2k', 2000],
    ['-1', -1],
    ['.5', 0.5],
    ['1E-3', 0.001],
    [3, 3],
    [Number.NaN, undefined],
    ['', undefined],
    ['abc', undefined],
    ['1Zi', undefined],
    ['1 Gi', undefined],
    ['1.2.3', undefined],
  ];
  for (let round = 0; round < 2; round++) {
    for (const [q, want] of cases) assert.equal(parseQuantity(q), want, `${q} (round ${round})`);
  }
  assert.deepEqual(quantityErrors('1Zi'), quantityErrors('x'));
  assert.deepEqual(quantityErrors('1Gi'), []);
});

test('many distinct quantities (past the memo bound) still parse', () => {
  for (let i = 0; i < 3000; i++) assert.equal(parseQuantity(`${i}k`), i * 1000);
  assert.equal(parseQuantity('100m'), 0.1);
});

test('mustParseQuantity returns the value or throws for what does not parse', () => {
  assert.equal(mustParseQuantity('64Mi'), 64 * 2 ** 20);
  assert.equal(mustParseQuantity(2), 2);
  assert.throws(() => mustParseQuantity('1Zi'), /invalid quantity 1Zi/);
});
