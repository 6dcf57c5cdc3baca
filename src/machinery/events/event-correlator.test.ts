import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Event as CoreEvent } from 'kubernetes-types/core/v1.js';
import { aggregateKey, type Correlation, EventCorrelator, eventKey, spamKey } from './event-correlator.js';
import { buildEvent, type EventSource } from './event-recorder.js';

const T0 = Date.parse('2024-05-01T10:00:00Z');

/** A correlator on a fake clock that tests move by hand. */
function fixture(): { c: EventCorrelator; advance: (ms: number) => void; at: () => Date } {
  let now = T0;
  const at = (): Date => new Date(now);
  return { c: new EventCorrelator({ now: at }), advance: (ms) => (now += ms), at };
}

const pod = (name = 'web', uid = 'u1') => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'n', uid },
});
const kubelet: EventSource = { component: 'kubelet', host: 'node-1' };

function ev(at: Date, reason: string, message: string, o = pod(), source = kubelet): CoreEvent {
  return buildEvent(o, 'Warning', reason, message, source, at);
}

function created(r: Correlation): CoreEvent {
  assert.equal(r.action, 'create');
  return (r as { event: CoreEvent }).event;
}

test('keys: identity includes the message and fieldPath, the aggregate group and spam budget do not', () => {
  const at = new Date(T0);
  const a = ev(at, 'BackOff', 'one');
  const b = ev(at, 'BackOff', 'two');
  assert.notEqual(eventKey(a), eventKey(b));
  assert.equal(aggregateKey(a), aggregateKey(b));
  assert.notEqual(aggregateKey(a), aggregateKey(ev(at, 'Failed', 'one')));
  assert.equal(spamKey(a), spamKey(ev(at, 'Failed', 'x')));
  assert.notEqual(spamKey(a), spamKey(ev(at, 'BackOff', 'one', pod('web', 'u2'))));
  assert.notEqual(spamKey(a), spamKey(ev(at, 'BackOff', 'one', pod(), { component: 'kubelet', host: 'node-2' })));
});

test('an identical event patches count and lastTimestamp of the first, keeping its name and firstTimestamp', () => {
  const { c, advance, at } = fixture();
  const first = created(c.correlate(ev(at(), 'BackOff', 'Back-off restarting failed container')));
  advance(10_000);
  const r = c.correlate(ev(at(), 'BackOff', 'Back-off restarting failed container'));
  assert.equal(r.action, 'patch');
  if (r.action !== 'patch') return;
  assert.deepEqual(r.patch, {
    count: 2,
    lastTimestamp: '2024-05-01T10:00:10Z',
    message: 'Back-off restarting failed container',
  });
  assert.equal(r.event.metadata.name, first.metadata.name);
  assert.equal(r.event.firstTimestamp, '2024-05-01T10:00:00Z');
  assert.equal(r.event.count, 2);
  advance(3_600_000); // repeats count on the first however far apart (only the LRU forgets)
  const third = c.correlate(ev(at(), 'BackOff', 'Back-off restarting failed container'));
  assert.equal(third.action === 'patch' && third.patch.count, 3);
});

test('from the 10th distinct message of a reason within 10 minutes, events are combined into one', () => {
  const { c, advance, at } = fixture();
  for (let i = 1; i <= 9; i++) {
    const e = created(c.correlate(ev(at(), 'FailedMount', `volume ${i} not found`)));
    assert.equal(e.message, `volume ${i} not found`);
    advance(30_000);
  }
  const combined = created(c.correlate(ev(at(), 'FailedMount', 'volume 10 not found')));
  assert.equal(combined.message, '(combined from similar events): volume 10 not found');
  assert.equal(combined.reason, 'FailedMount');
  assert.equal(combined.count, 1);
  assert.deepEqual(combined.source, kubelet);
  assert.match(combined.metadata.name ?? '', /^web\.[0-9a-f]+$/);
  advance(1000);
  const next = c.correlate(ev(at(), 'FailedMount', 'volume 11 not found'));
  assert.equal(next.action, 'patch', 'further similar events count on the combined event');
  if (next.action !== 'patch') return;
  assert.equal(next.event.metadata.name, combined.metadata.name);
  assert.deepEqual(next.patch, {
    count: 2,
    lastTimestamp: '2024-05-01T10:04:31Z',
    message: '(combined from similar events): volume 11 not found',
  });
  // Another reason about the same object is its own group.
  assert.equal(created(c.correlate(ev(at(), 'Failed', 'volume 12 not found'))).message, 'volume 12 not found');
});

test('repeats of one message never reach the aggregation threshold', () => {
  const { c, advance, at } = fixture();
  created(c.correlate(ev(at(), 'BackOff', 'same')));
  for (let i = 2; i <= 20; i++) {
    advance(1000);
    const r = c.correlate(ev(at(), 'BackOff', 'same'));
    assert.equal(r.action === 'patch' && r.event.message, 'same');
  }
});

test('a gap longer than 10 minutes starts the similar-event group over', () => {
  const { c, advance, at } = fixture();
  for (let i = 1; i <= 9; i++) created(c.correlate(ev(at(), 'Unhealthy', `probe ${i}`)));
  advance(600_001);
  const e = created(c.correlate(ev(at(), 'Unhealthy', 'probe 10')));
  assert.equal(e.message, 'probe 10');
});

test('spam filter: 25 events per source and object, then one per 5 minutes; others keep their budget', () => {
  const { c, advance, at } = fixture();
  const reasons = Array.from({ length: 26 }, (_, i) => `Reason${i}`);
  const actions = reasons.map((r) => c.correlate(ev(at(), r, 'm')).action);
  assert.deepEqual(actions.slice(0, 25), Array(25).fill('create'));
  assert.equal(actions[25], 'skip');
  assert.equal(c.correlate(ev(at(), 'Other', 'm', pod('db', 'u9'))).action, 'create', 'another object');
  assert.equal(
    c.correlate(ev(at(), 'Other', 'm', pod(), { component: 'default-scheduler' })).action,
    'create',
    'another source',
  );
  advance(299_000);
  assert.equal(c.correlate(ev(at(), 'Late', 'm')).action, 'skip', 'not refilled before 5 minutes');
  advance(1_000);
  const late = c.correlate(ev(at(), 'Late', 'm'));
  // One token after 5 minutes. The dropped first 'Late' counted, so this is its repeat (the writer
  // creates the Event when the patch finds none).
  assert.equal(late.action === 'patch' && late.patch.count, 2);
  assert.equal(c.correlate(ev(at(), 'Later', 'm')).action, 'skip');
});

test('a repeat dropped by the spam filter still counts: the next patch carries the true count', () => {
  let now = T0;
  const at = (): Date => new Date(now);
  const c = new EventCorrelator({ now: at, burst: 2 });
  created(c.correlate(ev(at(), 'BackOff', 'same')));
  assert.equal(c.correlate(ev(at(), 'BackOff', 'same')).action, 'patch');
  assert.equal(c.correlate(ev(at(), 'BackOff', 'same')).action, 'skip');
  now += 300_000;
  const r = c.correlate(ev(at(), 'BackOff', 'same'));
  assert.equal(r.action === 'patch' && r.patch.count, 4);
});

test('the caches are bounded: a forgotten event is created anew', () => {
  const at = (): Date => new Date(T0);
  const c = new EventCorrelator({ now: at, cacheSize: 2, burst: 100 });
  created(c.correlate(ev(at(), 'A', 'm')));
  created(c.correlate(ev(at(), 'B', 'm')));
  created(c.correlate(ev(at(), 'C', 'm')));
  assert.equal(c.correlate(ev(at(), 'C', 'm')).action, 'patch');
  assert.equal(c.correlate(ev(at(), 'A', 'm')).action, 'create', 'A was the least recently used');
});
