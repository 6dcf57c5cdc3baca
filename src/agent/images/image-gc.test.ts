import assert from 'node:assert/strict';
import { quietPeriod, until } from '../../testing/until.js';
import { test } from 'node:test';
import pino from 'pino';
import type { DiskUsage } from './disk-usage.js';
import { usagePercent } from './disk-usage.js';
import { ImageGarbageCollector, imageGCPolicy, ImageGCPolicyError, type ImageGCStore } from './image-gc.js';
import type { ImageRecord } from './image-types.js';
import type { PruneResult } from './prune-content.js';

const log = pino({ level: 'silent' });
const MIN = 60_000;

/** A store of images of `size` bytes each on a fake disk: removing one makes its bytes available. */
class FakeStore implements ImageGCStore {
  readonly used = new Map<string, number>();
  readonly removedIds: string[] = [];
  constructor(
    public images: ImageRecord[],
    readonly disk: DiskUsage,
  ) {}
  async list(): Promise<ImageRecord[]> {
    return [...this.images];
  }
  lastUsed(i: ImageRecord): number {
    return this.used.get(i.id) ?? Date.parse(i.createdAt);
  }
  markUsed(id: string): void {
    this.used.set(id, now);
  }
  async removeById(id: string): Promise<PruneResult | undefined> {
    const img = this.images.find((i) => i.id === id);
    if (!img) return undefined;
    this.images = this.images.filter((i) => i !== img);
    this.removedIds.push(id);
    this.disk.availableBytes += img.size;
    return { blobs: [id], layers: [], bytes: img.size, kept: [] };
  }
  async pruneOrphans(): Promise<PruneResult> {
    return { blobs: [], layers: [], bytes: 0, kept: [] };
  }
  async flushUsage(): Promise<void> {}
}

let now = Date.parse('2026-11-28T10:00:00Z');

function image(id: string, size: number, createdMinAgo: number): ImageRecord {
  return {
    names: [`example.com/${id}:v1`],
    id,
    manifestDigest: `m-${id}`,
    layers: [],
    config: { entrypoint: [], cmd: [], env: [], workingDir: '', user: '' },
    size,
    createdAt: new Date(now - createdMinAgo * MIN).toISOString(),
  };
}

function collector(store: FakeStore, inUse: string[] = [], policy = {}) {
  const events: string[] = [];
  const gc = new ImageGarbageCollector({
    store,
    diskUsage: async () => ({ ...store.disk }),
    imagesInUse: async () => new Set(inUse),
    policy,
    log,
    now: () => now,
    event: (type, reason, message) => events.push(`${type} ${reason} ${message}`),
  });
  return { gc, events };
}

test('usage as the kubelet computes it: 100 - floor(available*100/capacity)', () => {
  assert.equal(usagePercent({ capacityBytes: 1000, availableBytes: 150 }), 85);
  assert.equal(usagePercent({ capacityBytes: 1000, availableBytes: 151 }), 85);
  assert.equal(usagePercent({ capacityBytes: 1000, availableBytes: 159 }), 85);
  assert.equal(usagePercent({ capacityBytes: 1000, availableBytes: 160 }), 84);
  assert.equal(usagePercent({ capacityBytes: 0, availableBytes: 0 }), 0);
});

test('thresholds are validated: 0-100 integers, low below high', () => {
  assert.deepEqual(imageGCPolicy(), { highThresholdPercent: 85, lowThresholdPercent: 80, minAgeMs: 120_000 });
  assert.deepEqual(imageGCPolicy({ highThresholdPercent: 1, lowThresholdPercent: 0 }).highThresholdPercent, 1);
  assert.throws(
    () => imageGCPolicy({ highThresholdPercent: 101 }),
    (e: unknown) =>
      e instanceof ImageGCPolicyError &&
      /--image-gc-high-threshold must be an integer percent between 0 and 100, got 101/.test(e.message),
  );
  assert.throws(
    () => imageGCPolicy({ lowThresholdPercent: -1 }),
    /--image-gc-low-threshold must be an integer percent/,
  );
  assert.throws(() => imageGCPolicy({ lowThresholdPercent: Number.NaN }), /--image-gc-low-threshold/);
  assert.throws(
    () => imageGCPolicy({ highThresholdPercent: 70, lowThresholdPercent: 70 }),
    /--image-gc-low-threshold \(70\) must be less than --image-gc-high-threshold \(70\)/,
  );
  assert.throws(() => imageGCPolicy({ highThresholdPercent: 50 }), /must be less than/);
  assert.throws(
    () =>
      new ImageGarbageCollector({
        store: new FakeStore([], { capacityBytes: 1, availableBytes: 1 }),
        diskUsage: async () => ({ capacityBytes: 1, availableBytes: 1 }),
        imagesInUse: async () => new Set(),
        log,
        policy: { lowThresholdPercent: 90 },
      }),
    ImageGCPolicyError,
  );
});

test('the high threshold counts as reached at equality; below it nothing is removed', async () => {
  const store = new FakeStore([image('a', 100, 60), image('b', 100, 60)], { capacityBytes: 1000, availableBytes: 151 });
  const { gc, events } = collector(store);
  const r = await gc.run();
  assert.equal(r.usagePercent, 85); // 151 available of 1000
  assert.equal(r.bytesToFree, 49);
  assert.deepEqual(r.removed, ['a'], 'at exactly the high threshold it collects (>=), one image is enough');
  store.images = [image('c', 100, 60)];
  store.disk.availableBytes = 200; // 80 %
  const calm = await gc.run();
  assert.deepEqual(calm, { usagePercent: 80, bytesToFree: 0, bytesFreed: 0, removed: [] });
  assert.deepEqual(events, []);
});

test('least recently used first, until usage reaches the low threshold; in-use and young images stay', async () => {
  const imgs = [
    image('old-unused', 50, 600),
    image('lru', 100, 300),
    image('mru', 100, 300),
    image('running', 300, 900),
    image('young', 300, 1),
    image('next', 100, 300),
  ];
  const store = new FakeStore(imgs, { capacityBytes: 1000, availableBytes: 50 }); // 95 %
  store.used.set('lru', now - 50 * MIN);
  store.used.set('next', now - 40 * MIN);
  store.used.set('mru', now - 5 * MIN);
  // never used: lastUsed = creation time (600 min ago) → first.
  const { gc, events } = collector(store, ['running']);
  const r = await gc.run();
  // To free: capacity*(100-80)% - available = 200 - 50 = 150 bytes: old-unused (50) + lru (100).
  assert.equal(r.bytesToFree, 150);
  assert.deepEqual(r.removed, ['old-unused', 'lru']);
  assert.equal(r.bytesFreed, 150);
  assert.deepEqual(events, []);
  assert.ok(store.used.get('running') === now, 'images in use are marked used now');

  // Fill the disk again: everything unused and old enough goes, in LRU order, then a warning.
  store.disk.availableBytes = 0;
  const r2 = await gc.run();
  assert.deepEqual(r2.removed, ['next', 'mru']);
  assert.deepEqual(store.images.map((i) => i.id).sort(), ['running', 'young']);
  assert.equal(r2.bytesToFree, 200);
  assert.equal(r2.bytesFreed, 200);

  store.disk.availableBytes = 0;
  const r3 = await gc.run();
  assert.deepEqual(r3.removed, []);
  assert.deepEqual(events, [
    'Warning FreeDiskSpaceFailed Failed to garbage collect required amount of images. Attempted to free 200 bytes, but only found 0 bytes eligible to free.',
  ]);

  // Once old enough (minimum age 2 min), the young one goes too; the running one never.
  now += 3 * MIN;
  store.disk.availableBytes = 0;
  const r4 = await gc.run();
  assert.deepEqual(r4.removed, ['young']);
  assert.deepEqual(
    store.images.map((i) => i.id),
    ['running'],
  );
});

test('an image used after the run began (a pod starting now) is not collected', async () => {
  const store = new FakeStore([image('a', 100, 60)], { capacityBytes: 1000, availableBytes: 0 });
  const gc = new ImageGarbageCollector({
    store,
    log,
    now: () => now,
    diskUsage: async () => ({ ...store.disk }),
    imagesInUse: async () => {
      store.used.set('a', now + 1);
      return new Set();
    },
  });
  assert.deepEqual((await gc.run()).removed, []);
});

test("pinned images (imports: the node's offline copies) are never collected", async () => {
  const store = new FakeStore([{ ...image('offline', 500, 60), pinned: true }, image('pulled', 100, 60)], {
    capacityBytes: 1000,
    availableBytes: 0,
  });
  const { gc, events } = collector(store);
  assert.deepEqual((await gc.run()).removed, ['pulled']);
  assert.deepEqual(
    store.images.map((i) => i.id),
    ['offline'],
  );
  assert.match(events.join('\n'), /FreeDiskSpaceFailed/);
});

test('failing runs: logged; ImageGCFailed after five in a row, as the kubelet', async () => {
  const store = new FakeStore([], { capacityBytes: 1000, availableBytes: 0 });
  const events: string[] = [];
  const gc = new ImageGarbageCollector({
    store,
    log,
    diskUsage: async () => {
      throw new Error('statfs: EIO');
    },
    imagesInUse: async () => new Set(),
    event: (t, r, m) => events.push(`${t} ${r} ${m}`),
  });
  for (let i = 0; i < 4; i++) await assert.rejects(gc.run(), /EIO/);
  assert.deepEqual(events, []);
  await assert.rejects(gc.run(), /EIO/);
  assert.deepEqual(events, ['Warning ImageGCFailed Image garbage collection failed: statfs: EIO']);
});

test('periodic runs start and stop; concurrent run() calls share one collection', async () => {
  const store = new FakeStore([], { capacityBytes: 1000, availableBytes: 1000 });
  let reads = 0;
  const gc = new ImageGarbageCollector({
    store,
    log,
    diskUsage: async () => {
      reads++;
      return { ...store.disk };
    },
    imagesInUse: async () => new Set(),
  });
  const [a, b] = await Promise.all([gc.run(), gc.run()]);
  assert.equal(a, b);
  assert.equal(reads, 1);
  gc.start(10, 0);
  await until('three periodic runs', () => reads >= 3);
  await gc.stop();
  const after = reads;
  await quietPeriod(40, 'four periods without a run after stop()');
  assert.equal(reads, after, 'no run after stop()');
});
