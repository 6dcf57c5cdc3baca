import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addQuantity, canonicalQuantity, formatQuantity, parseExact, type Quantity } from './quantity.js';

const q = (text: string): Quantity => {
  const v = parseExact(text);
  if (!v) throw new Error(`bad quantity ${text}`);
  return v;
};

test('quantities print in canonical form, as resource.Quantity.String', () => {
  const cases: [string, string][] = [
    ['0', '0'],
    ['1000m', '1'],
    ['1500m', '1500m'],
    ['0.5', '500m'],
    ['2000', '2k'],
    ['1500', '1500'],
    ['1Gi', '1Gi'],
    ['1024Mi', '1Gi'],
    ['1536Mi', '1536Mi'],
    ['512', '512'],
    ['1e3', '1e3'],
    ['100n', '100n'],
    ['.5Gi', '512Mi'],
    ['0.1', '100m'],
    ['-2', '-2'],
  ];
  for (const [input, want] of cases) assert.equal(canonicalQuantity(input), want, input);
});

test('sums are exact and keep the first non-zero operand format', () => {
  let sum = parseExact('0') as Quantity;
  for (const t of ['100m', '200m', '0.3']) sum = addQuantity(sum, q(t));
  assert.equal(formatQuantity(sum), '600m');
  assert.equal(formatQuantity(addQuantity(q('1Gi'), q('512Mi'))), '1536Mi');
  assert.equal(formatQuantity(addQuantity(q('0'), q('1Gi'))), '1Gi');
  assert.equal(formatQuantity(addQuantity(q('1G'), q('1Gi'))), '2073741824');
});

test('text that is not a quantity does not parse', () => {
  for (const bad of ['', 'abc', '1.2.3', '1Kb', '--1']) assert.equal(parseExact(bad), undefined, bad);
});
