import { randomBytes } from 'node:crypto';
import { lstat, mkdir, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { ImageRecord } from './image-types.js';

/** What one prune removed and what it had to keep. */
export interface PruneResult {
  /** Digests whose blob was deleted. */
  blobs: string[];
  /** Digests whose unpacked layer directory was deleted. */
  layers: string[];
  /** Bytes deleted (blob sizes plus the unpacked layers' file sizes). */
  bytes: number;
  /** Unreferenced digests kept because a live overlay uses the layer or a pull/unpack holds them. */
  kept: string[];
}

export interface PruneContentOptions {
  /** The store root (absolute): blobs/sha256, layers/sha256, layers/tmp, tmp. */
  root: string;
  /** Digests the remaining images reference (never deleted). */
  referenced: ReadonlySet<string>;
  /** Digests an operation in flight holds (a pull reusing a stored blob, an unpack): never deleted. */
  isHeld: (digest: string) => boolean;
  /** Absolute layer directories that are lowerdirs of mounted overlays (live containers): kept with their blobs. */
  mountedLayerDirs: ReadonlySet<string>;
  /**
   * Only these digests may go (the content of an image just removed). Undefined: sweep every
   * unreferenced blob and layer whose ctime is older than orphanMinAgeMs — content nobody ever
   * recorded may be another process's import in progress (`flotilla images import` beside an agent).
   */
  candidates?: ReadonlySet<string>;
  orphanMinAgeMs: number;
  /** In a sweep: tmp/ and layers/tmp/ entries older than this are leftovers of killed pulls and imports. */
  tmpMinAgeMs: number;
  now: number;
}

/** Every blob digest an image record refers to: manifest, config, layers and the indexes it came from. Pure. */
export function imageDigests(image: ImageRecord): string[] {
  return [image.manifestDigest, image.id, ...image.layers, ...(image.indexDigests ?? [])];
}

/**
 * Deletes the blobs and unpacked layers no image references, safely (see PruneContentOptions): a
 * layer directory is first renamed into layers/tmp so no half-deleted layer is ever seen at its
 * path. The caller serialises prunes with imports. Idempotent; missing directories are empty.
 */
export async function pruneContent(o: PruneContentOptions): Promise<PruneResult> {
  const blobDir = join(o.root, 'blobs', 'sha256');
  const layerDir = join(o.root, 'layers', 'sha256');
  const result: PruneResult = { blobs: [], layers: [], bytes: 0, kept: [] };
  const blobs = new Set(await names(blobDir));
  const layers = new Set(await names(layerDir));
  for (const hex of new Set([...blobs, ...layers])) {
    if (!/^[0-9a-f]{64}$/.test(hex)) continue;
    const digest = `sha256:${hex}`;
    if (o.referenced.has(digest)) continue;
    if (o.candidates && !o.candidates.has(digest)) continue;
    if (o.isHeld(digest) || o.mountedLayerDirs.has(join(layerDir, hex))) {
      result.kept.push(digest);
      continue;
    }
    if (!o.candidates && !(await olderThan([join(blobDir, hex), join(layerDir, hex)], o.now - o.orphanMinAgeMs)))
      continue;
    if (blobs.has(hex)) {
      const size = await stat(join(blobDir, hex)).then(
        (s) => s.size,
        () => 0,
      );
      await unlink(join(blobDir, hex)).catch(ignoreMissing);
      result.blobs.push(digest);
      result.bytes += size;
    }
    if (layers.has(hex)) {
      result.bytes += await removeTree(o.root, join(layerDir, hex));
      result.layers.push(digest);
    }
  }
  if (!o.candidates) {
    for (const dir of [join(o.root, 'tmp'), join(o.root, 'layers', 'tmp')]) {
      for (const name of await names(dir)) {
        const p = join(dir, name);
        if (await olderThan([p], o.now - o.tmpMinAgeMs)) await rm(p, { recursive: true, force: true });
      }
    }
  }
  return result;
}

/** Renames the tree out of the way (layers/tmp, same file system), then deletes it; its file bytes. */
async function removeTree(root: string, dir: string): Promise<number> {
  const trash = join(root, 'layers', 'tmp', `deleting-${randomBytes(6).toString('hex')}`);
  await mkdir(join(root, 'layers', 'tmp'), { recursive: true });
  try {
    await rename(dir, trash);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
  const bytes = await treeBytes(trash);
  await rm(trash, { recursive: true, force: true });
  return bytes;
}

async function treeBytes(dir: string): Promise<number> {
  let total = 0;
  for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const p = join(dir, e.name);
    if (e.isDirectory()) total += await treeBytes(p);
    else if (e.isFile())
      total += await lstat(p).then(
        (s) => s.size,
        () => 0,
      );
  }
  return total;
}

/**
 * True when every existing path's ctime (and mtime) is before `limit`. ctime, because tar restores
 * an unpacked layer's mtimes from the archive (often 1970) while a rename or unpack sets ctime to now.
 */
async function olderThan(paths: string[], limit: number): Promise<boolean> {
  for (const p of paths) {
    const s = await stat(p).catch(() => undefined);
    if (s && Math.max(s.ctimeMs, s.mtimeMs) >= limit) return false;
  }
  return true;
}

async function names(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

function ignoreMissing(err: NodeJS.ErrnoException): void {
  if (err.code !== 'ENOENT') throw err;
}
