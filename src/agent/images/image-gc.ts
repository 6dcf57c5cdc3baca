import type { Logger } from 'pino';
import { usagePercent, type DiskUsageReader } from './disk-usage.js';
import type { ImageRecord } from './image-types.js';
import type { PruneResult } from './prune-content.js';

/**
 * The kubelet's image GC policy (ImageGCHighThresholdPercent, ImageGCLowThresholdPercent,
 * ImageMinimumGCAge), with its defaults.
 */
export interface ImageGCPolicy {
  /** Disk usage (percent) at or above which unused images are deleted; default 85. 100 never collects. */
  highThresholdPercent: number;
  /** Usage (percent) the collector frees down to; default 80. */
  lowThresholdPercent: number;
  /** Images younger than this (since import or pull) are never collected; default 2 min. */
  minAgeMs: number;
}

export const DEFAULT_IMAGE_GC_POLICY: ImageGCPolicy = {
  highThresholdPercent: 85,
  lowThresholdPercent: 80,
  minAgeMs: 2 * 60_000,
};

/** Bad thresholds (flags of `flotilla agent`, AgentOptions.imageGC); code is stable for callers. */
export class ImageGCPolicyError extends Error {
  readonly code = 'InvalidImageGCPolicy';
  constructor(message: string) {
    super(message);
    this.name = 'ImageGCPolicyError';
  }
}

/**
 * Fills in defaults and checks the policy as the kubelet does: both thresholds integers in 0-100,
 * low strictly below high (kubelet: "LowThresholdPercent must be less than HighThresholdPercent"),
 * minimum age not negative. Throws ImageGCPolicyError naming the flag. Pure.
 */
export function imageGCPolicy(p: Partial<ImageGCPolicy> = {}): ImageGCPolicy {
  const policy = { ...DEFAULT_IMAGE_GC_POLICY, ...p };
  for (const [flag, v] of [
    ['--image-gc-high-threshold', policy.highThresholdPercent],
    ['--image-gc-low-threshold', policy.lowThresholdPercent],
  ] as const) {
    if (!Number.isInteger(v) || v < 0 || v > 100)
      throw new ImageGCPolicyError(`${flag} must be an integer percent between 0 and 100, got ${String(v)}`);
  }
  if (policy.lowThresholdPercent >= policy.highThresholdPercent) {
    throw new ImageGCPolicyError(
      `--image-gc-low-threshold (${policy.lowThresholdPercent}) must be less than --image-gc-high-threshold (${policy.highThresholdPercent})`,
    );
  }
  if (!(policy.minAgeMs >= 0))
    throw new ImageGCPolicyError(`image minimum GC age must not be negative, got ${policy.minAgeMs} ms`);
  return policy;
}

/** What the collector needs from the image store (ImageStore implements it). */
export interface ImageGCStore {
  list(): Promise<ImageRecord[]>;
  /** Last use of an image in ms (its creation time when never used). */
  lastUsed(image: ImageRecord): number;
  markUsed(id: string): void;
  removeById(id: string): Promise<PruneResult | undefined>;
  pruneOrphans(): Promise<PruneResult>;
  flushUsage(): Promise<void>;
}

export interface ImageGarbageCollectorOptions {
  store: ImageGCStore;
  /** Usage of the file system holding the image store (statfsUsage(store.root)). */
  diskUsage: DiskUsageReader;
  /** Ids of images used by the runtime's containers (running or exited, not removed) or the node's pods. */
  imagesInUse: (images: ImageRecord[]) => Promise<ReadonlySet<string>>;
  policy?: Partial<ImageGCPolicy>;
  log: Logger;
  /** A Node event (FreeDiskSpaceFailed, ImageGCFailed); logged only when absent. */
  event?: (type: 'Normal' | 'Warning', reason: string, message: string) => void;
  /** Clock in ms; default Date.now. */
  now?: () => number;
}

/** One collection's outcome. */
export interface ImageGCResult {
  usagePercent: number;
  /** Bytes to free to reach the low threshold (0 below the high one). */
  bytesToFree: number;
  bytesFreed: number;
  /** Ids of the images removed, in removal order. */
  removed: string[];
}

/** Kubelet: an ImageGCFailed event after this many failed runs in a row (before that only logs). */
const FAILURES_BEFORE_EVENT = 5;

/**
 * Deletes unused images when the disk fills, as the kubelet's image manager does:
 *
 *   statfs(images dir) --usage >= high?--> unused images (no container, not younger than minAge)
 *     --least recently used first--> ImageStore.removeById (blobs + unpacked layers no one else uses)
 *     --until freed >= capacity*(100-low)% - available--> else Warning FreeDiskSpaceFailed
 *
 * Images in use are marked used now each run (so an image that was running is the last to go once
 * its pod is deleted), and unreferenced leftovers are swept (ImageStore.pruneOrphans). Runs every
 * periodMs once started; run() serves tests and callers that want a collection now.
 */
export class ImageGarbageCollector {
  readonly policy: ImageGCPolicy;
  private readonly now: () => number;
  private running?: Promise<ImageGCResult>;
  private timer?: NodeJS.Timeout;
  private failures = 0;

  constructor(private readonly o: ImageGarbageCollectorOptions) {
    this.policy = imageGCPolicy(o.policy);
    this.now = o.now ?? Date.now;
  }

  /** Runs a collection every periodMs (kubelet: 5 min), the first after firstDelayMs. Failures are logged and counted. */
  start(periodMs = 5 * 60_000, firstDelayMs = 30_000): void {
    if (this.timer) return;
    const tick = (): void => {
      this.run()
        .catch(() => {})
        .finally(() => {
          if (this.timer) this.timer = setTimeout(tick, periodMs).unref();
        });
    };
    this.timer = setTimeout(tick, firstDelayMs).unref();
  }

  /** Stops the periodic runs and waits for one in progress. Idempotent. */
  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => {});
  }

  /** One collection now (joins one in progress). Rejects when the disk or the store cannot be read. */
  run(): Promise<ImageGCResult> {
    this.running ??= this.collect()
      .then(
        (r) => {
          this.failures = 0;
          return r;
        },
        (err: unknown) => {
          this.failed(err);
          throw err;
        },
      )
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  private async collect(): Promise<ImageGCResult> {
    const began = this.now();
    const images = await this.o.store.list();
    const inUse = await this.o.imagesInUse(images);
    for (const id of inUse) this.o.store.markUsed(id);
    await this.o.store.pruneOrphans();
    const usage = await this.o.diskUsage();
    const percent = usagePercent(usage);
    const result: ImageGCResult = { usagePercent: percent, bytesToFree: 0, bytesFreed: 0, removed: [] };
    if (percent < this.policy.highThresholdPercent) {
      await this.o.store.flushUsage();
      return result;
    }
    result.bytesToFree = Math.max(
      0,
      Math.ceil((usage.capacityBytes * (100 - this.policy.lowThresholdPercent)) / 100 - usage.availableBytes),
    );
    this.o.log.info(
      {
        usagePercent: percent,
        high: this.policy.highThresholdPercent,
        low: this.policy.lowThresholdPercent,
        bytesToFree: result.bytesToFree,
      },
      'disk usage over the image GC high threshold: removing unused images',
    );
    for (const img of this.candidates(images, inUse, began)) {
      if (result.bytesFreed >= result.bytesToFree) break;
      const pruned = await this.o.store.removeById(img.id);
      if (!pruned) continue;
      result.bytesFreed += pruned.bytes;
      result.removed.push(img.id);
    }
    await this.o.store.flushUsage();
    if (result.bytesFreed < result.bytesToFree) {
      // The kubelet's words (image_gc_manager.go), as a Warning on the Node.
      const message = `Failed to garbage collect required amount of images. Attempted to free ${result.bytesToFree} bytes, but only found ${result.bytesFreed} bytes eligible to free.`;
      this.o.log.warn(
        {
          usagePercent: percent,
          bytesToFree: result.bytesToFree,
          bytesFreed: result.bytesFreed,
          removed: result.removed.length,
        },
        message,
      );
      this.o.event?.('Warning', 'FreeDiskSpaceFailed', message);
    } else {
      this.o.log.info({ bytesFreed: result.bytesFreed, removed: result.removed.length }, 'image GC freed enough space');
    }
    return result;
  }

  /**
   * Images that may go, least recently used first (then the oldest): not pinned, not in use, not
   * used since this run began (a pod starting now), and at least minAge old. Pure given the store's times.
   */
  candidates(images: readonly ImageRecord[], inUse: ReadonlySet<string>, began: number): ImageRecord[] {
    return images
      .filter(
        (i) =>
          !i.pinned &&
          !inUse.has(i.id) &&
          this.o.store.lastUsed(i) < began &&
          began - Date.parse(i.createdAt) >= this.policy.minAgeMs,
      )
      .sort(
        (a, b) =>
          this.o.store.lastUsed(a) - this.o.store.lastUsed(b) || Date.parse(a.createdAt) - Date.parse(b.createdAt),
      );
  }

  private failed(err: unknown): void {
    this.failures++;
    const message = `Image garbage collection failed: ${err instanceof Error ? err.message : String(err)}`;
    this.o.log.error({ err: String(err), failures: this.failures }, message);
    if (this.failures >= FAILURES_BEFORE_EVENT) {
      this.o.event?.('Warning', 'ImageGCFailed', message);
      this.failures = 0;
    }
  }
}
