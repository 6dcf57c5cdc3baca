/**
 * Bundles the web dashboard (web/dashboard) with esbuild into dist/web/dashboard/: index.html,
 * app.js (Preact + htm and the views, minified ES module), app.css (ours and xterm.js's, so no
 * style is injected: CSP `style-src 'self'`), and the chunks loaded on demand (`chunk-*.js`: the
 * terminal with xterm.js, the YAML editor with CodeMirror). The API server reads them into memory
 * and serves them at /dashboard/assets/. Prints the gzipped sizes as JSON: `initialGzipBytes` is
 * what the first page load fetches.
 * Run by `npm run build`; alone: `node --import tsx scripts/build-dashboard.ts`.
 */
import { copyFile, mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'web', 'dashboard');
const out = join(root, 'dist', 'web', 'dashboard');

await rm(out, { recursive: true, force: true });
await mkdir(out, { recursive: true });
const result = await build({
  metafile: true,
  entryPoints: { app: join(src, 'src', 'main.ts'), style: join(src, 'app.css') },
  outdir: out,
  entryNames: '[name]',
  bundle: true,
  minify: true,
  format: 'esm',
  // Dynamic import() (terminal, editor) becomes chunks beside app.js, fetched when first used.
  splitting: true,
  chunkNames: 'chunk-[hash]',
  target: ['es2022', 'chrome110', 'firefox110', 'safari16'],
  legalComments: 'eof',
  logLevel: 'warning',
});
// esbuild names the CSS entry after its key; the page links app.css.
await copyFile(join(out, 'style.css'), join(out, 'app.css'));
await rm(join(out, 'style.css'));
await copyFile(join(src, 'index.html'), join(out, 'index.html'));

const sizes: Record<string, { bytes: number; gzipBytes: number }> = {};
for (const name of (await readdir(out)).sort()) {
  if (!/\.(html|js|css)$/.test(name)) continue;
  const body = await readFile(join(out, name));
  sizes[name] = { bytes: body.length, gzipBytes: gzipSync(body, { level: 9 }).length };
}
// What the first page load fetches: app.js with the chunks it imports statically, app.css, index.html.
const initial = new Set(['index.html', 'app.css']);
const visit = (file: string) => {
  const name = file.split('/').pop() ?? file;
  if (initial.has(name)) return;
  initial.add(name);
  for (const i of result.metafile.outputs[file]?.imports ?? []) if (i.kind === 'import-statement') visit(i.path);
};
const appOut = Object.keys(result.metafile.outputs).find((f) => f.endsWith('/app.js'));
if (appOut) visit(appOut);
const sum = (names: string[]) => names.reduce((n, name) => n + (sizes[name]?.gzipBytes ?? 0), 0);
console.log(
  JSON.stringify({
    dashboard: out,
    sizes,
    initialGzipBytes: sum([...initial]),
    totalGzipBytes: sum(Object.keys(sizes)),
  }),
);
