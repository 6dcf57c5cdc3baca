import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CompactedError, type Store, type WatchEvent } from './store.js';

/**
 * The Store contract as node:test tests, run by each backend's test file against fresh stores.
 * `makeStore` must return an empty key space each call (a backend shared between calls, like one
 * etcd server, may isolate them with a key prefix); revisions are compared relatively, never
 * assumed to start at a particular number.
 */
export function runStoreContract(name: string, makeStore: () => Promise<Store>): void {
  const enc = new TextEncoder();
  const dec = new TextDecoder();
  const b = (s: string): Uint8Array => enc.encode(s);
  const s = (v: Uint8Array | undefined): string | undefined => (v === undefined ? undefined : dec.decode(v));

  async function withStore(fn: (store: Store) => Promise<void>): Promise<void> {
    const store = await makeStore();
    try {
      await fn(store);
    } finally {
      await store.close();
    }
  }

  /** Watches and resolves with the first `n` events (or rejects on onError / timeout). */
  function collect(
    store: Store,
    prefix: string,
    afterRevision: number,
    n: number,
    timeoutMs = 5000,
  ): Promise<WatchEvent[]> {
    return new Promise((resolve, reject) => {
      const got: WatchEvent[] = [];
      const timer = setTimeout(() => {
        w.cancel();
        reject(new Error(`timeout: got ${got.length}/${n} events`));
      }, timeoutMs);
      const w = store.watch(prefix, {
        afterRevision,
        onEvents(events) {
          got.push(...events);
          if (got.length >= n) {
            clearTimeout(timer);
            w.cancel();
            resolve(got);
          }
        },
        onError(err) {
          clearTimeout(timer);
          reject(err);
        },
      });
    });
  }

  function watchError(store: Store, prefix: string, afterRevision: number): Promise<Error> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no error reported')), 5000);
      store.watch(prefix, {
        afterRevision,
        onEvents: () => undefined,
        onError(err) {
          clearTimeout(timer);
          resolve(err);
        },
      });
    });
  }

  describe(`Store contract: ${name}`, () => {
    it('create stores a new key and reports exists for a present one', () =>
      withStore(async (store) => {
        const r = await store.create('/a/x', b('one'));
        assert.equal(r.ok, true);
        const again = await store.create('/a/x', b('two'));
        assert.equal(again.ok, false);
        assert.ok(!again.ok && again.reason === 'exists');
        assert.equal(!again.ok && s(again.current?.value), 'one');
      }));

    it('get returns value and revisions, undefined when absent', () =>
      withStore(async (store) => {
        assert.equal(await store.get('/a/missing'), undefined);
        const r = await store.create('/a/x', b('one'));
        assert.ok(r.ok);
        const got = await store.get('/a/x');
        assert.equal(s(got?.value), 'one');
        assert.equal(got?.key, '/a/x');
        assert.equal(got?.createRevision, r.revision);
        assert.equal(got?.modRevision, r.revision);
      }));

    it('update compares modRevision and keeps createRevision', () =>
      withStore(async (store) => {
        const c = await store.create('/a/x', b('one'));
        assert.ok(c.ok);
        const u = await store.update('/a/x', b('two'), c.revision);
        assert.ok(u.ok);
        assert.ok(u.revision > c.revision);
        const got = await store.get('/a/x');
        assert.equal(s(got?.value), 'two');
        assert.equal(got?.createRevision, c.revision);
        assert.equal(got?.modRevision, u.revision);

        const stale = await store.update('/a/x', b('three'), c.revision);
        assert.ok(!stale.ok && stale.reason === 'conflict');
        assert.equal(!stale.ok && stale.current?.modRevision, u.revision);
        assert.equal(!stale.ok && s(stale.current?.value), 'two');
        assert.equal(s((await store.get('/a/x'))?.value), 'two');

        const missing = await store.update('/a/none', b('x'), 1);
        assert.ok(!missing.ok && missing.reason === 'not-found');
      }));

    it('delete with and without expected revision', () =>
      withStore(async (store) => {
        const c = await store.create('/a/x', b('one'));
        assert.ok(c.ok);
        const stale = await store.delete('/a/x', c.revision - 1);
        assert.ok(!stale.ok && stale.reason === 'conflict');
        assert.equal(!stale.ok && stale.current?.modRevision, c.revision);
        const d = await store.delete('/a/x', c.revision);
        assert.ok(d.ok);
        assert.ok(d.revision > c.revision);
        assert.equal(s(d.previous.value), 'one');
        assert.equal(d.previous.modRevision, c.revision);
        assert.equal(await store.get('/a/x'), undefined);
        const again = await store.delete('/a/x');
        assert.ok(!again.ok && again.reason === 'not-found');

        await store.create('/a/y', b('y'));
        const u = await store.delete('/a/y');
        assert.ok(u.ok);
        assert.equal(s(u.previous.value), 'y');
        assert.equal(await store.get('/a/y'), undefined);
      }));

    it('revisions strictly increase across creates, updates and deletes', () =>
      withStore(async (store) => {
        const start = await store.currentRevision();
        const revs: number[] = [];
        const c = await store.create('/a/x', b('1'));
        assert.ok(c.ok);
        revs.push(c.revision);
        const u = await store.update('/a/x', b('2'), c.revision);
        assert.ok(u.ok);
        revs.push(u.revision);
        const d = await store.delete('/a/x');
        assert.ok(d.ok);
        revs.push(d.revision);
        const c2 = await store.create('/a/x', b('3'));
        assert.ok(c2.ok);
        revs.push(c2.revision);
        let prev = start;
        for (const r of revs) {
          assert.ok(r > prev, `revision ${r} after ${prev}`);
          prev = r;
        }
        assert.ok((await store.currentRevision()) >= c2.revision);
        // A re-created key starts a new life.
        assert.equal((await store.get('/a/x'))?.createRevision, c2.revision);
        // Failed writes do not consume revisions.
        const before = await store.currentRevision();
        await store.create('/a/x', b('dup'));
        await store.update('/a/x', b('x'), 1);
        assert.equal(await store.currentRevision(), before);
      }));

    it('list returns a prefix in key order with limit, startAfter and more', () =>
      withStore(async (store) => {
        for (const k of ['/p/c', '/p/a', '/q/z', '/p/b', '/p/d', '/pz']) await store.create(k, b(k));
        const all = await store.list('/p/');
        assert.deepEqual(
          all.items.map((i) => i.key),
          ['/p/a', '/p/b', '/p/c', '/p/d'],
        );
        assert.equal(all.more, false);
        assert.equal(s(all.items[2].value), '/p/c');
        assert.ok(all.revision >= all.items[3].modRevision);

        const page1 = await store.list('/p/', { limit: 2 });
        assert.deepEqual(
          page1.items.map((i) => i.key),
          ['/p/a', '/p/b'],
        );
        assert.equal(page1.more, true);
        const page2 = await store.list('/p/', { limit: 2, startAfter: '/p/b', revision: page1.revision });
        assert.deepEqual(
          page2.items.map((i) => i.key),
          ['/p/c', '/p/d'],
        );
        assert.equal(page2.more, false);
        assert.equal(page2.revision, page1.revision);
        assert.equal((await store.list('/nothing/')).items.length, 0);
      }));

    it('list at an older revision sees the state as it was', () =>
      withStore(async (store) => {
        const a = await store.create('/p/a', b('a1'));
        assert.ok(a.ok);
        await store.create('/p/b', b('b1'));
        const snapshot = await store.currentRevision();
        await store.update('/p/a', b('a2'), a.revision);
        await store.delete('/p/b');
        await store.create('/p/c', b('c1'));
        const old = await store.list('/p/', { revision: snapshot });
        assert.equal(old.revision, snapshot);
        assert.deepEqual(
          old.items.map((i) => [i.key, s(i.value)]),
          [
            ['/p/a', 'a1'],
            ['/p/b', 'b1'],
          ],
        );
        const paged = await store.list('/p/', { revision: snapshot, startAfter: '/p/a', limit: 1 });
        assert.deepEqual(
          paged.items.map((i) => i.key),
          ['/p/b'],
        );
        assert.equal(paged.more, false);
        const now = await store.list('/p/');
        assert.deepEqual(
          now.items.map((i) => [i.key, s(i.value)]),
          [
            ['/p/a', 'a2'],
            ['/p/c', 'c1'],
          ],
        );
      }));

    it('count counts live keys under a prefix', () =>
      withStore(async (store) => {
        for (const k of ['/c/1', '/c/2', '/c/3', '/d/1']) await store.create(k, b('v'));
        await store.delete('/c/2');
        assert.equal(await store.count('/c/'), 2);
        assert.equal(await store.count('/d/'), 1);
        assert.equal(await store.count('/e/'), 0);
      }));

    it('watch replays history after a revision, then live events, in order', () =>
      withStore(async (store) => {
        const c = await store.create('/w/a', b('a1'));
        assert.ok(c.ok);
        const u = await store.update('/w/a', b('a2'), c.revision);
        assert.ok(u.ok);
        await store.create('/w/b', b('b1'));
        const pending = collect(store, '/w/', c.revision, 5);
        await store.delete('/w/a');
        await store.update('/w/b', b('b2'), (await store.get('/w/b'))?.modRevision ?? 0);
        await store.create('/w/c', b('c1'));
        const events = await pending;
        assert.deepEqual(
          events.map((e) => [e.type, e.key, s(e.value.value)]),
          [
            ['put', '/w/a', 'a2'],
            ['put', '/w/b', 'b1'],
            ['delete', '/w/a', 'a2'],
            ['put', '/w/b', 'b2'],
            ['put', '/w/c', 'c1'],
          ],
        );
        for (let i = 1; i < events.length; i++) assert.ok(events[i].revision > events[i - 1].revision);
        assert.equal(events[0].revision, u.revision);
        assert.equal(events[0].value.modRevision, u.revision);
        assert.equal(events[0].value.createRevision, c.revision);
        assert.equal(s(events[0].previous?.value), 'a1');
        assert.equal(events[1].previous, undefined);
        assert.equal(events[2].value.modRevision, u.revision, 'delete carries the value before the delete');
        assert.equal(s(events[3].previous?.value), 'b1');
      }));

    it('watch filters by prefix and stops after cancel', () =>
      withStore(async (store) => {
        const start = await store.currentRevision();
        const seen: WatchEvent[] = [];
        const w = store.watch('/x/', {
          afterRevision: start,
          onEvents: (e) => seen.push(...e),
          onError: () => undefined,
        });
        const onlyX = collect(store, '/x/', start, 2);
        await store.create('/y/1', b('no'));
        await store.create('/x/1', b('yes'));
        await store.create('/xx', b('no'));
        await store.create('/x/2', b('yes'));
        const got = await onlyX;
        assert.deepEqual(
          got.map((e) => e.key),
          ['/x/1', '/x/2'],
        );
        w.cancel();
        const count = seen.length;
        await store.create('/x/3', b('after cancel'));
        await collect(store, '/x/', start, 3);
        assert.equal(seen.length, count);
      }));

    it('compaction: old revisions fail with CompactedError, newer ones still work', () =>
      withStore(async (store) => {
        const first = await store.create('/k/a', b('a1'));
        assert.ok(first.ok);
        let rev = first.revision;
        for (let i = 2; i <= 5; i++) {
          const r = await store.update('/k/a', b(`a${i}`), rev);
          assert.ok(r.ok);
          rev = r.revision;
        }
        await store.create('/k/gone', b('g'));
        await store.delete('/k/gone');
        const at = await store.currentRevision();
        await store.create('/k/b', b('b1'));
        await store.compact(at);
        assert.ok((await store.compactedRevision()) >= at);

        await assert.rejects(store.list('/k/', { revision: first.revision }), CompactedError);
        const err = await watchError(store, '/k/', first.revision);
        assert.ok(err instanceof CompactedError, `got ${err.message}`);

        const listed = await store.list('/k/', { revision: at });
        assert.deepEqual(
          listed.items.map((i) => [i.key, s(i.value)]),
          [['/k/a', 'a5']],
        );
        const latest = await store.list('/k/');
        assert.deepEqual(
          latest.items.map((i) => i.key),
          ['/k/a', '/k/b'],
        );
        assert.equal((await store.get('/k/a'))?.modRevision, rev);
        const events = await collect(store, '/k/', at, 1);
        assert.equal(events[0].key, '/k/b');
        // Writes after compaction keep working, including CAS on compacted history.
        const u = await store.update('/k/a', b('a6'), rev);
        assert.ok(u.ok);
        assert.ok((await store.create('/k/gone', b('again'))).ok);
      }));

    it('a watcher may write from onEvents; its write arrives later, in order', () =>
      withStore(async (store) => {
        const start = await store.currentRevision();
        const events = await new Promise<WatchEvent[]>((resolve, reject) => {
          const got: WatchEvent[] = [];
          const w = store.watch('/re/', {
            afterRevision: start,
            onEvents(batch) {
              got.push(...batch);
              for (const e of batch) if (e.key === '/re/ping') void store.create('/re/pong', b('pong'));
              if (got.length >= 2) {
                w.cancel();
                resolve(got);
              }
            },
            onError: reject,
          });
          void store.create('/re/ping', b('ping'));
        });
        assert.deepEqual(
          events.map((e) => e.key),
          ['/re/ping', '/re/pong'],
        );
        assert.ok(events[1].revision > events[0].revision);
      }));

    it('close ends open watches through onError', async () => {
      const store = await makeStore();
      const start = await store.currentRevision();
      const ended = new Promise<Error>((resolve) => {
        store.watch('/c/', { afterRevision: start, onEvents: () => undefined, onError: resolve });
      });
      await store.create('/c/a', b('a'));
      await new Promise((r) => setTimeout(r, 50));
      await store.close();
      const err = await ended;
      assert.ok(err instanceof Error);
    });

    it('concurrent creates of one key: exactly one wins', () =>
      withStore(async (store) => {
        const results = await Promise.all(Array.from({ length: 16 }, (_, i) => store.create('/r/one', b(`v${i}`))));
        assert.equal(results.filter((r) => r.ok).length, 1);
        assert.ok(results.every((r) => r.ok || r.reason === 'exists'));
      }));

    it('concurrent updates with one expected revision: exactly one wins', () =>
      withStore(async (store) => {
        const c = await store.create('/r/one', b('v'));
        assert.ok(c.ok);
        const results = await Promise.all(
          Array.from({ length: 16 }, (_, i) => store.update('/r/one', b(`v${i}`), c.revision)),
        );
        const winners = results.filter((r) => r.ok);
        assert.equal(winners.length, 1);
        assert.ok(results.every((r) => r.ok || r.reason === 'conflict'));
        const got = await store.get('/r/one');
        assert.equal(got?.modRevision, winners[0].ok ? winners[0].revision : -1);
      }));
  });
}
