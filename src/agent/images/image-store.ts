import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import { readArchive, type ArchiveImage } from './read-archive.js';
import { normalizeImageRef } from './image-ref.js';
import type { ImageRecord, ImageService } from './image-types.js';
import { mountedLowerStacks } from './mounted-layers.js';
import { imageDigests, pruneContent, type PruneResult } from './prune-content.js';
import { sha256File } from './sha256-file.js';
import { unpackLayer } from './unpack-layer.js';

/**
 * The content store under `<data-dir>/images`:
 *
 *   blobs/sha256/<hex>     manifests, configs and layer blobs, by digest
 *   layers/sha256/<hex>/   each layer unpacked once, shared read-only by every container (overlay lowerdir)
 *   images.json            the image index: records with their names
 *   tmp/                   imports in progress (same file system, so blobs move by rename)
 *
 * One store per data dir and per process; writes of images.json are serialised, and the index is
 * read again when another process (`flotilla images import/rm`) changed the file.
 *
 * Content goes when no image references it (remove, prune), never while in use: imports and prunes
 * take turns (one content lock), pulls and unpacks hold the digests they rely on (`hold`), and
 * layers that are lowerdirs of a mounted overlay (a container's rootfs, running or exited but not
 * removed) stay with their blobs whatever the index says.
 */
export class ImageStore implements ImageService {
  /** Absolute, so unpacked layer paths match the lowerdirs in /proc/self/mountinfo. */
  readonly root: string;
  private readonly unpacking = new Map<string, Promise<string>>();
  private images?: ImageRecord[];
  /** images.json as last read or written (mtime, size, inode): another process's write shows as a change. */
  private indexStamp = '';
  private writing: Promise<void> = Promise.resolve();
  /** Imports and prunes, one at a time (an import's blobs are unreferenced until its record lands). */
  private contentTurn: Promise<unknown> = Promise.resolve();
  /** Digests held by operations in flight, with their hold counts. */
  private readonly holds = new Map<string, number>();
  /** Last use per image id, kept in memory and written with the next index write (see flushUsage). */
  private readonly usedAt = new Map<string, string>();
  private readonly now: () => number;

  constructor(
    root: string,
    private readonly log: Logger,
    opts: ImageStoreOptions = {},
  ) {
    this.root = resolve(root);
    this.now = opts.now ?? Date.now;
  }

  /** Every image, in import order. */
  async list(): Promise<ImageRecord[]> {
    return [...(await this.load())];
  }

  async resolve(ref: string): Promise<ImageRecord | undefined> {
    const name = normalizeImageRef(ref);
    const images = await this.load();
    return images.find((i) => i.names.includes(name) || i.id === ref || `sha256:${ref}` === i.id);
  }

  /**
   * Imports an OCI-layout tar or a `docker save` tar. Every image in it is added (digests verified);
   * `defaultName` names images the archive leaves unnamed or names only by tag. A name already on
   * another image moves to the new one. The images are pinned (never garbage-collected) unless
   * `pinned` is false. Returns the imported records.
   */
  async importArchive(file: string, opts: { defaultName?: string; pinned?: boolean } = {}): Promise<ImageRecord[]> {
    const tmp = join(this.root, 'tmp', `import-${randomBytes(6).toString('hex')}`);
    await mkdir(tmp, { recursive: true });
    try {
      const found = await readArchive(file, tmp, opts.defaultName);
      const records: ImageRecord[] = [];
      for (const img of found) records.push(await this.addImage(img, { pinned: opts.pinned ?? true }));
      return records;
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }

  /**
   * Removes an image (every name of it) and deletes the blobs and unpacked layers no other image
   * references, except those in use (see the class comment). Undefined when no image matches `ref`.
   */
  async remove(ref: string): Promise<PruneResult | undefined> {
    const img = await this.resolve(ref);
    return img ? this.removeById(img.id) : undefined;
  }

  /** remove() by image id (the config digest), for image GC. Undefined when it is gone already. */
  removeById(id: string): Promise<PruneResult | undefined> {
    return this.exclusive(async () => {
      const img = (await this.load()).find((i) => i.id === id);
      if (!img) return undefined;
      await this.update((images) => images.filter((i) => i.id !== id));
      this.usedAt.delete(id);
      const result = await this.prune(new Set(imageDigests(img)));
      this.log.info(
        {
          names: img.names,
          id,
          freed: result.bytes,
          blobs: result.blobs.length,
          layers: result.layers.length,
          kept: result.kept.length,
        },
        'image removed',
      );
      return result;
    });
  }

  /**
   * Sweeps content no image references and nothing uses (see pruneContent): blobs and layers older
   * than `orphanMinAgeMs` (default 10 min: another process may be importing), and tmp/ leftovers of
   * killed pulls and imports older than an hour. Image GC calls it each run. Idempotent.
   */
  pruneOrphans(opts: { orphanMinAgeMs?: number } = {}): Promise<PruneResult> {
    return this.exclusive(() => this.prune(undefined, opts.orphanMinAgeMs));
  }

  /**
   * Marks digests as needed by an operation in flight (a pull that reuses stored blobs, an unpack):
   * no prune deletes them until the returned release is called (once; later calls do nothing).
   */
  hold(digests: Iterable<string>): () => void {
    const held = [...new Set(digests)];
    for (const d of held) this.holds.set(d, (this.holds.get(d) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      for (const d of held) {
        const n = (this.holds.get(d) ?? 1) - 1;
        if (n > 0) this.holds.set(d, n);
        else this.holds.delete(d);
      }
    };
  }

  /** When a container was last built from the image (ms since the epoch); its creation time when never. Pure read. */
  lastUsed(image: ImageRecord): number {
    const at = this.usedAt.get(image.id) ?? image.lastUsedAt ?? image.createdAt;
    return Date.parse(at);
  }

  /** Records a use of the image now (image GC marks images of live containers each run). */
  markUsed(id: string): void {
    this.usedAt.set(id, new Date(this.now()).toISOString());
  }

  /** Writes the last-use times kept in memory into images.json (image GC, each run). */
  async flushUsage(): Promise<void> {
    const images = await this.load();
    if (!images.some((i) => this.usedAt.has(i.id) && this.usedAt.get(i.id) !== i.lastUsedAt)) return;
    await this.update((list) => list);
  }

  /** The unpacked layers of an image, bottom first; records the use (a container is being built from it). */
  async layerDirs(image: ImageRecord): Promise<string[]> {
    this.markUsed(image.id);
    const release = this.hold(image.layers);
    try {
      return await Promise.all(image.layers.map((d) => this.unpacked(d)));
    } finally {
      release();
    }
  }

  private async prune(candidates: ReadonlySet<string> | undefined, orphanMinAgeMs = 10 * 60_000): Promise<PruneResult> {
    const referenced = new Set((await this.load()).flatMap(imageDigests));
    const mountedLayerDirs = new Set((await mountedLowerStacks()).flat());
    const result = await pruneContent({
      root: this.root,
      referenced,
      isHeld: (d) => this.holds.has(d),
      mountedLayerDirs,
      candidates,
      orphanMinAgeMs,
      tmpMinAgeMs: 60 * 60_000,
      now: this.now(),
    });
    for (const d of result.layers) this.unpacking.delete(d);
    if (!candidates && (result.blobs.length || result.layers.length))
      this.log.info(
        { freed: result.bytes, blobs: result.blobs.length, layers: result.layers.length },
        'unreferenced image content removed',
      );
    return result;
  }

  /** Runs `fn` after every earlier import or prune has finished; the next waits for it. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.contentTurn.then(fn, fn);
    this.contentTurn = run.catch(() => {});
    return run;
  }

  /** The unpacked directory of a layer; unpacks it on first use (concurrent callers share the work). */
  private unpacked(digest: string): Promise<string> {
    let p = this.unpacking.get(digest);
    if (!p) {
      p = this.unpackOnce(digest);
      this.unpacking.set(digest, p);
      p.catch(() => this.unpacking.delete(digest));
    }
    return p;
  }

  private async unpackOnce(digest: string): Promise<string> {
    const hex = hexOf(digest);
    const dir = join(this.root, 'layers', 'sha256', hex);
    if (await exists(dir)) return dir;
    const work = join(this.root, 'layers', 'tmp', `${hex}-${randomBytes(4).toString('hex')}`);
    await mkdir(work, { recursive: true });
    try {
      const t0 = performance.now();
      await unpackLayer(join(this.root, 'blobs', 'sha256', hex), work, this.log);
      await mkdir(join(this.root, 'layers', 'sha256'), { recursive: true });
      await rename(work, dir);
      this.log.debug({ digest, ms: Math.round(performance.now() - t0) }, 'layer unpacked');
    } catch (err) {
      await rm(work, { recursive: true, force: true });
      if (await exists(dir)) return dir;
      throw err;
    }
    return dir;
  }

  /**
   * Adds an image whose blobs are files on this store's file system (moved into blobs/, or left
   * where they are when the store has them already) and records it under its names. `verified`:
   * the caller has checked every blob's digest while writing it (registry pulls); `source` marks
   * pulled images (imported ones have none). Also used by importArchive.
   */
  addImage(
    img: ArchiveImage,
    opts: { verified?: boolean; source?: 'pull'; pinned?: boolean } = {},
  ): Promise<ImageRecord> {
    return this.exclusive(() => this.addImageNow(img, opts));
  }

  private async addImageNow(
    img: ArchiveImage,
    opts: { verified?: boolean; source?: 'pull'; pinned?: boolean },
  ): Promise<ImageRecord> {
    const blobDir = join(this.root, 'blobs', 'sha256');
    await mkdir(blobDir, { recursive: true });
    let size = 0;
    for (const blob of img.blobs) {
      const actual = opts.verified ? blob.digest : `sha256:${await sha256File(blob.path)}`;
      if (actual !== blob.digest) throw new Error(`blob ${blob.digest} in the archive has digest ${actual}`);
      const target = join(blobDir, hexOf(blob.digest));
      if (!(await exists(target))) await rename(blob.path, target);
      if (blob.layer) size += (await stat(target)).size;
    }
    const record: ImageRecord = {
      names: img.names.map(normalizeImageRef),
      id: img.configDigest,
      manifestDigest: img.manifestDigest,
      layers: img.layerDigests,
      config: img.config,
      size,
      createdAt: new Date(this.now()).toISOString(),
      ...(img.indexDigests?.length ? { indexDigests: img.indexDigests } : {}),
      ...(opts.source ? { source: opts.source } : {}),
      ...(opts.pinned ? { pinned: true } : {}),
    };
    await this.update((images) => {
      const others = images
        .filter((i) => i.id !== record.id)
        .map((i) => ({ ...i, names: i.names.filter((n) => !record.names.includes(n)) }))
        .filter((i) => i.names.length > 0);
      const prev = images.find((i) => i.id === record.id);
      if (prev) {
        record.names = [...new Set([...prev.names, ...record.names])];
        record.createdAt = prev.createdAt; // the image's age counts from its first arrival (GC minimum age)
        if (prev.lastUsedAt) record.lastUsedAt = prev.lastUsedAt;
        if (prev.indexDigests)
          record.indexDigests = [...new Set([...prev.indexDigests, ...(record.indexDigests ?? [])])];
      }
      return [...others, record];
    });
    this.log.info({ names: record.names, id: record.id, size, source: opts.source ?? 'import' }, 'image added');
    return record;
  }

  /** The index, read again when images.json changed since this process last read or wrote it. */
  private async load(): Promise<ImageRecord[]> {
    const file = join(this.root, 'images.json');
    const stamp = await indexStamp(file);
    if (!this.images || stamp !== this.indexStamp) {
      try {
        this.images = (JSON.parse(await readFile(file, 'utf8')) as { images: ImageRecord[] }).images;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        this.images = [];
      }
      this.indexStamp = stamp;
    }
    return this.images;
  }

  private update(change: (images: ImageRecord[]) => ImageRecord[]): Promise<void> {
    const next = this.writing.then(async () => {
      const images = change(await this.load()).map((i) => {
        const used = this.usedAt.get(i.id);
        return used && used !== i.lastUsedAt ? { ...i, lastUsedAt: used } : i;
      });
      const tmp = join(this.root, `images.json.${randomBytes(4).toString('hex')}`);
      await mkdir(this.root, { recursive: true });
      await writeFile(tmp, JSON.stringify({ images }, null, 1));
      await rename(tmp, join(this.root, 'images.json'));
      this.images = images;
      this.indexStamp = await indexStamp(join(this.root, 'images.json'));
    });
    this.writing = next.catch(() => {});
    return next;
  }
}

export interface ImageStoreOptions {
  /** Clock (ms since the epoch) for creation and last-use times; default Date.now. */
  now?: () => number;
}

async function indexStamp(file: string): Promise<string> {
  const s = await stat(file).catch(() => undefined);
  return s ? `${s.mtimeMs}/${s.size}/${s.ino}` : '';
}

function hexOf(digest: string): string {
  const m = /^sha256:([0-9a-f]{64})$/.exec(digest);
  if (!m?.[1]) throw new Error(`unsupported digest ${digest}`);
  return m[1];
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}
