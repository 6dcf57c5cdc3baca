import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { readArchive, type ArchiveImage } from './read-archive.js';
import { normalizeImageRef } from './image-ref.js';
import type { ImageRecord, ImageService } from './image-types.js';
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
 * One store per data dir and per process; writes of images.json are serialised.
 */
export class ImageStore implements ImageService {
  private readonly unpacking = new Map<string, Promise<string>>();
  private images?: ImageRecord[];
  private writing: Promise<void> = Promise.resolve();

  constructor(readonly root: string, private readonly log: Logger) {}

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
   * another image moves to the new one. Returns the imported records.
   */
  async importArchive(file: string, opts: { defaultName?: string } = {}): Promise<ImageRecord[]> {
    const tmp = join(this.root, 'tmp', `import-${randomBytes(6).toString('hex')}`);
    await mkdir(tmp, { recursive: true });
    try {
      const found = await readArchive(file, tmp, opts.defaultName);
      const records: ImageRecord[] = [];
      for (const img of found) records.push(await this.addImage(img));
      return records;
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }

  /** Removes an image's names (and the record once it has none). Blobs stay until a later GC. */
  async remove(ref: string): Promise<boolean> {
    const img = await this.resolve(ref);
    if (!img) return false;
    await this.update((images) => images.filter((i) => i.id !== img.id));
    return true;
  }

  async layerDirs(image: ImageRecord): Promise<string[]> {
    return Promise.all(image.layers.map((d) => this.unpacked(d)));
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
  async addImage(img: ArchiveImage, opts: { verified?: boolean; source?: 'pull' } = {}): Promise<ImageRecord> {
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
      names: img.names.map(normalizeImageRef), id: img.configDigest, manifestDigest: img.manifestDigest,
      layers: img.layerDigests, config: img.config, size, createdAt: new Date().toISOString(),
      ...(opts.source ? { source: opts.source } : {}),
    };
    await this.update((images) => {
      const others = images
        .filter((i) => i.id !== record.id)
        .map((i) => ({ ...i, names: i.names.filter((n) => !record.names.includes(n)) }))
        .filter((i) => i.names.length > 0);
      const prev = images.find((i) => i.id === record.id);
      if (prev) record.names = [...new Set([...prev.names, ...record.names])];
      return [...others, record];
    });
    this.log.info({ names: record.names, id: record.id, size, source: opts.source ?? 'import' }, 'image added');
    return record;
  }

  private async load(): Promise<ImageRecord[]> {
    if (!this.images) {
      try {
        this.images = (JSON.parse(await readFile(join(this.root, 'images.json'), 'utf8')) as { images: ImageRecord[] }).images;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        this.images = [];
      }
    }
    return this.images;
  }

  private update(change: (images: ImageRecord[]) => ImageRecord[]): Promise<void> {
    const next = this.writing.then(async () => {
      const images = change(await this.load());
      const tmp = join(this.root, `images.json.${randomBytes(4).toString('hex')}`);
      await mkdir(this.root, { recursive: true });
      await writeFile(tmp, JSON.stringify({ images }, null, 1));
      await rename(tmp, join(this.root, 'images.json'));
      this.images = images;
    });
    this.writing = next.catch(() => {});
    return next;
  }
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
