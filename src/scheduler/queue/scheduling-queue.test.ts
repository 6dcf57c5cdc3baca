import { test } from 'node:test';
import assert from 'node:assert/strict';
import { info, makePod } from '../testing/fixtures.js';
import { SchedulingQueue } from './scheduling-queue.js';

function clockQueue(): { q: SchedulingQueue; advance(ms: number): void } {
  let now = 1_000_000;
  return {
    q: new SchedulingQueue({ now: () => now }),
    advance: (ms) => {
      now += ms;
    },
  };
}

test('activeQ pops by priority, then by age', () => {
  const { q, advance } = clockQueue();
  for (const [name, priority] of [
    ['low-old', 0],
    ['high', 100],
    ['low-new', 0],
  ] as const) {
    q.add(info(makePod(name, { priority })));
    advance(1);
  }
  assert.deepEqual(
    [q.tryPop(), q.tryPop(), q.tryPop(), q.tryPop()].map((x) => x?.info.name),
    ['high', 'low-old', 'low-new', undefined],
  );
});

test('an unschedulable pod waits for a cluster event, then for its backoff (1 s, 2 s, ... 10 s)', () => {
  const { q, advance } = clockQueue();
  q.add(info(makePod('p')));
  let p = q.tryPop();
  assert.ok(p);
  q.requeueFailed(p);
  advance(60_000);
  q.flush();
  assert.equal(q.tryPop(), undefined, 'no event: stays unschedulable');
  q.moveAllToActiveOrBackoff();
  p = q.tryPop();
  assert.equal(p?.info.name, 'p', 'backoff of 1 s long over: straight to activeQ');
  q.requeueFailed(p as NonNullable<typeof p>);
  q.moveAllToActiveOrBackoff();
  assert.equal(q.tryPop(), undefined, 'attempt 2 backs off 2 s');
  advance(1999);
  q.flush();
  assert.equal(q.tryPop(), undefined);
  advance(1);
  q.flush();
  assert.equal(q.tryPop()?.attempts, 3);
  assert.deepEqual(
    [1, 2, 3, 4, 5, 6].map((a) => q.backoffDuration(a)),
    [1000, 2000, 4000, 8000, 10_000, 10_000],
  );
});

test('a cluster event during the attempt sends the failed pod to backoff, not to the unschedulable set', () => {
  const { q, advance } = clockQueue();
  q.add(info(makePod('p')));
  const p = q.tryPop();
  assert.ok(p);
  q.moveAllToActiveOrBackoff(); // e.g. a node was added while p was being scheduled
  q.requeueFailed(p);
  advance(1000);
  q.flush();
  assert.equal(q.tryPop()?.info.name, 'p');
});

test('delete forgets a pod; update of an unschedulable pod whose spec changed retries it', () => {
  const { q, advance } = clockQueue();
  q.add(info(makePod('gone')));
  q.delete('default/gone');
  assert.equal(q.tryPop(), undefined);
  q.add(info(makePod('p')));
  const p = q.tryPop();
  assert.ok(p);
  q.requeueFailed(p);
  q.update(info(makePod('p', { cpu: '1' })), false);
  advance(5000);
  q.flush();
  assert.equal(q.tryPop(), undefined, 'a status-only update does not retry');
  q.update(info(makePod('p', { cpu: '1' })), true);
  assert.equal(q.tryPop()?.info.requests.milliCpu, 1000);
});

test('pop waits for a pod and ends with undefined on close', async () => {
  const q = new SchedulingQueue();
  const waiting = q.pop();
  q.add(info(makePod('p')));
  assert.equal((await waiting)?.info.name, 'p');
  const ended = q.pop();
  q.close();
  assert.equal(await ended, undefined);
});
