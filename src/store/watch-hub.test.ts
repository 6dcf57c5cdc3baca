import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CompactedError, type WatchEvent } from './store.js';
import { WatchHub } from './watch-hub.js';

function ev(revision: number, key = `/k/${revision}`): WatchEvent {
  return {
    type: 'put',
    key,
    revision,
    value: { key, value: new Uint8Array(), createRevision: revision, modRevision: revision },
  };
}

describe('WatchHub', () => {
  it('replays the log in chunks, then switches to live without gaps or duplicates', async () => {
    const log = Array.from({ length: 2300 }, (_, i) => ev(i + 1));
    let current = log.length;
    const hub = new WatchHub({
      readLog: (_prefix, after, upTo, limit) =>
        log.filter((e) => e.revision > after && e.revision <= upTo).slice(0, limit),
      currentRevision: () => current,
      compactedRevision: () => 0,
    });
    const got: number[] = [];
    const batches: number[] = [];
    hub.add('/k/', {
      afterRevision: 10,
      onEvents: (e) => {
        batches.push(e.length);
        got.push(...e.map((x) => x.revision));
      },
      onError: assert.fail,
    });
    // Commits while the watcher is still replaying must reach it exactly once.
    for (let r = 2301; r <= 2305; r++) {
      log.push(ev(r));
      current = r;
      hub.publish([ev(r)]);
      await new Promise((res) => setImmediate(res));
    }
    await new Promise((res) => setTimeout(res, 20));
    assert.deepEqual(
      got,
      Array.from({ length: 2295 }, (_, i) => i + 11),
    );
    assert.equal(batches[0], 1000);
  });

  it('reports CompactedError for a start below the compacted revision', async () => {
    const hub = new WatchHub({ readLog: () => [], currentRevision: () => 50, compactedRevision: () => 20 });
    const err = await new Promise<Error>((resolve) =>
      hub.add('', {
        afterRevision: 5,
        onEvents: () => assert.fail('no events below the compacted revision'),
        onError: resolve,
      }),
    );
    assert.ok(err instanceof CompactedError);
    assert.equal((err as CompactedError).compacted, 20);
    assert.equal(hub.size, 0);
  });

  it('a throwing onEvents ends only that watch', async () => {
    const hub = new WatchHub({ readLog: () => [], currentRevision: () => 0, compactedRevision: () => 0 });
    const errors: Error[] = [];
    const good: number[] = [];
    hub.add('', {
      afterRevision: 0,
      onEvents: () => {
        throw new Error('boom');
      },
      onError: (e) => errors.push(e),
    });
    hub.add('', { afterRevision: 0, onEvents: (e) => good.push(...e.map((x) => x.revision)), onError: assert.fail });
    await new Promise((res) => setImmediate(res));
    hub.publish([ev(1)]);
    hub.publish([ev(2)]);
    assert.deepEqual(good, [1, 2]);
    assert.equal(errors.length, 1);
    assert.equal(hub.size, 1);
  });
});
