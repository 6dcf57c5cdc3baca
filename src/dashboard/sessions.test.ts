import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sameToken, SessionStore } from './sessions.js';

function store(o: { idle?: number; maxAge?: number; codeTtl?: number; max?: number } = {}) {
  const clock = { now: 1_000_000 };
  const s = new SessionStore({
    idleTimeoutMs: o.idle ?? 1000,
    maxAgeMs: o.maxAge ?? 10_000,
    codeTtlMs: o.codeTtl ?? 500,
    maxSessions: o.max,
    now: () => clock.now,
  });
  return { s, clock };
}

test('a session is found by its id until deleted; id and CSRF token are distinct and random', () => {
  const { s } = store();
  const a = s.create({ kind: 'token', token: 't' });
  const b = s.create({ kind: 'token', token: 't' });
  assert.notEqual(a.id, b.id);
  assert.notEqual(a.id, a.csrfToken);
  assert.match(a.id, /^[A-Za-z0-9_-]{43}$/);
  assert.equal(s.get(a.id), a);
  s.delete(a.id);
  assert.equal(s.get(a.id), undefined);
  assert.equal(s.get(undefined), undefined);
  assert.equal(s.get('nope'), undefined);
});

test('a session ends after the idle timeout, use restarts it; the maximum age ends it anyway', () => {
  const { s, clock } = store({ idle: 1000, maxAge: 2500 });
  const a = s.create({ kind: 'token', token: 't' });
  clock.now += 900;
  assert.ok(s.get(a.id));
  clock.now += 900;
  assert.ok(s.get(a.id), 'used 900 ms ago');
  clock.now += 900;
  assert.equal(s.get(a.id), undefined, 'past the maximum age');
  const b = s.create({ kind: 'token', token: 't' });
  clock.now += 1000;
  assert.equal(s.get(b.id), undefined, 'idle for the whole timeout');
});

test('an identity session ends when its certificate expires', () => {
  const { s, clock } = store({ idle: 10_000 });
  const a = s.create({ kind: 'identity', user: { name: 'u', groups: [] }, notAfterMs: clock.now + 100 });
  assert.ok(s.get(a.id));
  clock.now += 100;
  assert.equal(s.get(a.id), undefined);
});

test('a login code is redeemed once, and not after it expired', () => {
  const { s, clock } = store({ codeTtl: 500 });
  const code = s.mintCode({ kind: 'token', token: 'admin' });
  assert.deepEqual(s.redeemCode(code), { kind: 'token', token: 'admin' });
  assert.equal(s.redeemCode(code), undefined, 'used');
  const late = s.mintCode({ kind: 'token', token: 'admin' });
  clock.now += 500;
  assert.equal(s.redeemCode(late), undefined, 'expired');
});

test('over the session cap, the least recently used session goes', () => {
  const { s } = store({ max: 2 });
  const a = s.create({ kind: 'token', token: 'a' });
  const b = s.create({ kind: 'token', token: 'b' });
  s.get(a.id);
  const c = s.create({ kind: 'token', token: 'c' });
  assert.ok(s.get(a.id));
  assert.equal(s.get(b.id), undefined);
  assert.ok(s.get(c.id));
  assert.equal(s.size, 2);
});

test('sameToken compares exactly', () => {
  assert.equal(sameToken('abc', 'abc'), true);
  assert.equal(sameToken('abd', 'abc'), false);
  assert.equal(sameToken('ab', 'abc'), false);
  assert.equal(sameToken(undefined, 'abc'), false);
});
