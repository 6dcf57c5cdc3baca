/**
 * The dashboard's static files (index.html, app.js, app.css: the esbuild bundle `npm run build`
 * writes to dist/web/dashboard/), read once into memory and gzipped there, so serving one is a
 * buffer write.
 */
import { readdir, readFile } from 'node:fs/promises';
import { dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';

export interface Asset {
  type: string;
  body: Buffer;
  /** The gzip encoding, when it is smaller. */
  gzip?: Buffer;
  etag: string;
}

/** File name (e.g. `app.js`) → its content; an empty map when the bundle was not built. */
export type Assets = ReadonlyMap<string, Asset>;

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/** Where `npm run build` puts the bundle: dist/web/dashboard of the checkout (from src/ or dist/ alike). */
export function defaultAssetDir(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'web', 'dashboard');
}

/** Reads every file of `dir` (not recursive; source maps left out). A missing dir gives no assets. */
export async function loadAssets(dir = defaultAssetDir()): Promise<Assets> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return new Map();
  }
  const out = new Map<string, Asset>();
  for (const name of names.sort()) {
    const type = TYPES[extname(name)];
    if (!type) continue;
    const body = await readFile(join(dir, name));
    const gzip = gzipSync(body, { level: 9 });
    out.set(name, {
      type,
      body,
      gzip: gzip.length < body.length ? gzip : undefined,
      etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
    });
  }
  return out;
}
