import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { EndpointWithdrawals, readyAddresses } from './endpoint-withdrawals.js';

const slice = (eps: [string, { ready?: boolean; serving?: boolean; terminating?: boolean }][]): EndpointSlice => ({
  addressType: 'IPv4',
  endpoints: eps.map(([ip, conditions]) => ({ addresses: [ip], conditions })),
});

test('readyAddresses: endpoints whose ready condition is not false, over every slice', () => {
  const got = readyAddresses([
    slice([
      ['10.42.0.5', { ready: true, serving: true, terminating: false }],
      ['10.42.0.6', { ready: false, serving: true, terminating: true }],
    ]),
    slice([['10.42.0.7', {}]]),
  ]);
  assert.deepEqual([...got].sort(), ['10.42.0.5', '10.42.0.7']);
});

test('an address no applied sync served resolves not-served at once', async () => {
  const w = new EndpointWithdrawals();
  w.applied([slice([['10.42.0.5', { ready: true }]])]);
  const t0 = performance.now();
  assert.equal(await w.waitWithdrawn('10.42.0.9', { deadline: t0 + 5000, settleMs: 5000 }), 'not-served');
  assert.ok(performance.now() - t0 < 100);
});

test('a served address resolves withdrawn only after a sync leaves it out and settleMs have passed', async () => {
  const w = new EndpointWithdrawals();
  w.applied([slice([['10.42.0.5', { ready: true }]])]);
  assert.equal(w.serves('10.42.0.5'), true);
  const t0 = performance.now();
  let outcome: string | undefined;
  const p = w.waitWithdrawn('10.42.0.5', { deadline: t0 + 5000, settleMs: 80 }).then((o) => (outcome = o));
  await new Promise((r) => setTimeout(r, 40));
  assert.equal(outcome, undefined, 'still served: the wait goes on');
  const withdrawnAt = performance.now();
  w.applied([slice([['10.42.0.5', { ready: false, serving: true, terminating: true }]])]);
  assert.equal(w.serves('10.42.0.5'), false);
  assert.equal(await p, 'withdrawn');
  assert.ok(performance.now() - withdrawnAt >= 75, 'waited the settle time after the withdrawal');
});

test('a wait that starts after the withdrawal waits only what is left of settleMs', async () => {
  // The clock runs 9,990 ms ahead once the withdrawal is applied: 10 ms of a 10 s settle time are left.
  let ahead = 0;
  const w = new EndpointWithdrawals(() => performance.now() + ahead);
  w.applied([slice([['10.42.0.5', { ready: true }]])]);
  w.applied([]);
  ahead = 9_990;
  const t0 = performance.now();
  assert.equal(
    await w.waitWithdrawn('10.42.0.5', { deadline: performance.now() + ahead + 60_000, settleMs: 10_000 }),
    'withdrawn',
  );
  const waited = performance.now() - t0;
  assert.ok(waited < 5_000, `waited ${waited} ms, not the whole settle time`);
  // A later sync that serves the address again forgets the withdrawal.
  w.applied([slice([['10.42.0.5', { ready: true }]])]);
  w.applied([slice([['10.42.0.6', { ready: true }]])]);
  assert.equal(w.serves('10.42.0.5'), false);
});

test('the deadline ends a wait for an address still served; close() ends every wait', async () => {
  const w = new EndpointWithdrawals();
  w.applied([slice([['10.42.0.5', { ready: true }]])]);
  const t0 = performance.now();
  assert.equal(await w.waitWithdrawn('10.42.0.5', { deadline: t0 + 50, settleMs: 0 }), 'timed-out');
  assert.ok(performance.now() - t0 >= 45);
  const p = w.waitWithdrawn('10.42.0.5', { deadline: performance.now() + 60_000, settleMs: 0 });
  w.close();
  assert.equal(await p, 'timed-out');
});

test('a withdrawal older than the retention counts as never served', async () => {
  let now = 0;
  const w = new EndpointWithdrawals(() => now, 1000);
  w.applied([slice([['10.42.0.5', { ready: true }]])]);
  now = 10;
  w.applied([]);
  now = 2000;
  w.applied([]);
  assert.equal(await w.waitWithdrawn('10.42.0.5', { deadline: now + 10, settleMs: 5000 }), 'not-served');
});
