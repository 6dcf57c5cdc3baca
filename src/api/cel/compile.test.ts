import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileCel } from './compile.js';
import { costErrorMessage, STATIC_ESTIMATED_COST_LIMIT } from './cost.js';
import { schemaShape, toCel, valueShape } from './values.js';

function run(expr: string, vars: Record<string, unknown> = {}, types: Record<string, string> = { self: 'dyn' }) {
  const c = compileCel(expr, types);
  if (!c.ok) throw new Error(c.error);
  return c.program.evaluate(vars);
}

test('syntax errors read as cel-go reports them', () => {
  const c = compileCel('1 +', {});
  assert.equal(c.ok, false);
  assert.match(!c.ok ? c.error : '', /^compilation failed: ERROR: <input>:1:4: Syntax error: /);
  assert.match(!c.ok ? c.error : '', /\n \| 1 \+\n \| \.\.\.\^$/);
});

test('undeclared variables and result types are compile errors', () => {
  const c = compileCel('nope > 1', { self: 'dyn' });
  assert.equal(c.ok, false);
  const t = compileCel('"a"', { self: 'dyn' }, { resultType: 'bool' });
  assert.deepEqual(t, { ok: false, error: 'must evaluate to bool' });
  assert.equal(compileCel('self.x > 1', { self: 'dyn' }, { resultType: 'bool' }).ok, true);
});

test('self typed by its schema: integers, doubles, escaped names, timestamps', () => {
  const schema = {
    type: 'object',
    properties: {
      replicas: { type: 'integer' },
      ratio: { type: 'number' },
      'max-surge': { type: 'string' },
      at: { type: 'string', format: 'date-time' },
    },
  };
  const self = toCel({ replicas: 3, ratio: 2, 'max-surge': '25%', at: '2024-01-01T00:00:00Z' }, schema);
  assert.deepEqual(run('self.replicas + 1', { self }), { value: 4n });
  assert.deepEqual(run('self.ratio * 1.5', { self }), { value: 3 });
  assert.deepEqual(run('self.max__dash__surge', { self }), { value: '25%' });
  assert.deepEqual(run('self.at < timestamp("2025-01-01T00:00:00Z")', { self }), { value: true });
  assert.deepEqual(run('self.missing', { self }), { error: 'no such key: missing' });
});

test('int-or-string values compare as either', () => {
  assert.deepEqual(run('type(self) == int ? self > 1 : self.endsWith("%")', { self: toCel('50%') }), { value: true });
  assert.deepEqual(run('type(self) == int ? self > 1 : self.endsWith("%")', { self: toCel(5) }), { value: true });
});

test('Kubernetes libraries', () => {
  const cases: [string, unknown][] = [
    ['[1, 2, 3].isSorted() && [3, 1].min() == 1 && [1, 2].max() == 2', true],
    ['[1, 2, 3].sum()', 6n],
    ['["a", "b", "a"].lastIndexOf("a")', 2n],
    ['"hello".charAt(1) + "a-b-c".replace("-", "+", 1)', 'ea+b-c'],
    ['"%s=%d".format(["x", 3])', 'x=3'],
    ['"abc123".find("[0-9]+")', '123'],
    ['"a1b22".findAll("[0-9]+")', ['1', '22']],
    ['url("https://example.com:8443/p?a=1").getHostname()', 'example.com'],
    ['url("https://example.com:8443/p?a=1").getQuery()["a"][0]', '1'],
    ['quantity("1") == quantity("1000m")', true],
    ['quantity("1Gi").isGreaterThan(quantity("1G"))', true],
    ['quantity("1.5").add(quantity("500m")).asInteger()', 2n],
    ['isQuantity("1x")', false],
    ['ip("10.0.0.1").family()', 4n],
    ['cidr("10.0.0.0/8").containsIP("10.1.2.3")', true],
    ['string(ip("2001:db8:0:0:0:0:0:1"))', '2001:db8::1'],
    ['ip.isCanonical("2001:db8::1")', true],
    ['isIP("1.2.3")', false],
    ['sets.contains([1, 2, 3], [2]) && !sets.intersects([1], [2])', true],
    ['optional.of(1).orValue(2)', 1n],
    ['cel.bind(x, 2, x * x)', 4n],
  ];
  for (const [expr, want] of cases) assert.deepEqual(run(expr), { value: want }, expr);
  assert.deepEqual(run('[].min()'), { error: 'min(list) called on empty list' });
});

test('estimated cost grows with unbounded lists and is bounded by maxItems', () => {
  const unbounded = { type: 'array', items: { type: 'array', items: { type: 'string' } } };
  const bounded = {
    type: 'array',
    maxItems: 10,
    items: { type: 'array', maxItems: 10, items: { type: 'string', maxLength: 10 } },
  };
  const c = compileCel('self.all(x, x.all(y, y.startsWith("a")))', { self: 'list<list<string>>' });
  assert.ok(c.ok);
  if (!c.ok) return;
  const big = c.program.cost({ self: schemaShape(unbounded) });
  assert.ok(big > STATIC_ESTIMATED_COST_LIMIT * 100, `${big}`);
  assert.ok(c.program.cost({ self: schemaShape(bounded) }) < 1000);
  assert.match(
    costErrorMessage('estimated rule cost', big, STATIC_ESTIMATED_COST_LIMIT),
    /by factor of more than 100x/,
  );
  assert.match(
    costErrorMessage('estimated rule cost', 14_000_000, STATIC_ESTIMATED_COST_LIMIT),
    /by factor of 1.400000x/,
  );
});

test('runtime cost from the actual sizes stops an expression over the limit before it runs', () => {
  const c = compileCel('self.all(x, self.all(y, x != y || true))', { self: 'list<int>' });
  assert.ok(c.ok);
  if (!c.ok) return;
  const self = toCel(Array.from({ length: 2000 }, (_, i) => i));
  const r = c.program.evaluate({ self }, { shapes: { self: valueShape(self) } });
  assert.deepEqual(r, { error: 'operation cancelled: actual cost limit exceeded', cost: r.cost });
  const small = toCel([1, 2, 3]);
  assert.equal(
    (c.program.evaluate({ self: small }, { shapes: { self: valueShape(small) } }) as { value: unknown }).value,
    true,
  );
});
