/**
 * Bundles the web dashboard (web/dashboard) with esbuild into dist/web/dashboard/: index.html,
 * app.js (Preact + htm and the views, minified ES module) and app.css. The API server reads
 * them into memory and serves them at /dashboard/. Prints the gzipped sizes as JSON.
 * Run by `npm run build`; alone: `node --import tsx scripts/build-dashboard.ts`.
 */
import { copyFile, mkdir, readFile, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'web', 'dashboard');
const out = join(root, 'dist', 'web', 'dashboard');

await rm(out, { recursive: true, force: true });
await mkdir(out, { recursive: true });
await build({
  entryPoints: { app: join(src, 'src', 'main.ts'), style: join(src, 'app.css') },
  outdir: out,
  entryNames: '[name]',
  bundle: true,
  minify: true,
  format: 'esm',
  target: ['es2022', 'chrome110', 'firefox110', 'safari16'],
  legalComments: 'eof',
  logLevel: 'warning',
});
// esbuild names the CSS entry after its key; the page links app.css.
await copyFile(join(out, 'style.css'), join(out, 'app.css'));
await rm(join(out, 'style.css'));
await copyFile(join(src, 'index.html'), join(out, 'index.html'));

const sizes: Record<string, { bytes: number; gzipBytes: number }> = {};
for (const name of ['index.html', 'app.js', 'app.css']) {
  const body = await readFile(join(out, name));
  sizes[name] = { bytes: body.length, gzipBytes: gzipSync(body, { level: 9 }).length };
}
const total = Object.values(sizes).reduce((n, s) => n + s.gzipBytes, 0);
console.log(JSON.stringify({ dashboard: out, sizes, totalGzipBytes: total }));
