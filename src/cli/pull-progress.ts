import type { PullProgress } from '../agent/images/pull-image.js';

/** Bytes as a person reads them: `512 B`, `3.4 kB`, `12.3 MB`, `1.02 GB` (powers of 1000, as registries show sizes). Pure. */
export function humanBytes(n: number): string {
  if (n < 1000) return `${n} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = n / 1000;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)} ${units[u]}`;
}

/**
 * One progress line of a pull, without the `flotilla:` prefix. Pure.
 *   pulling docker.io/library/nginx:1.25: 2/7 layers, 12.3 MB of 45.6 MB (27 %)
 *   pulled docker.io/library/nginx:1.25: 7 layers, 45.6 MB in 3.2 s
 *   pulled docker.io/library/nginx:1.25: every layer already stored, in 0.05 s
 */
export function pullProgressLine(p: PullProgress): string {
  const s = `${(p.elapsedMs / 1000).toFixed(p.elapsedMs < 10_000 ? 1 : 0)} s`;
  if (p.done) {
    if (!p.layers) return `pulled ${p.image}: every layer already stored, in ${s}`;
    return `pulled ${p.image}: ${p.layers} layer${p.layers === 1 ? '' : 's'}, ${humanBytes(p.bytesDone)} in ${s}`;
  }
  const pct = p.bytes ? ` (${Math.floor((100 * p.bytesDone) / p.bytes)} %)` : '';
  return `pulling ${p.image}: ${p.layersDone}/${p.layers} layers, ${humanBytes(p.bytesDone)} of ${humanBytes(p.bytes)}${pct}`;
}

/**
 * Progress of the pulls a node runs, for a terminal that other lines share (`flotilla up`): the
 * first report of a pull, then one at most every `everyMs` per image (layer completions in
 * between are not printed one by one), and the last one. A pull whose layers were all stored
 * prints only its end. Returns the handler to give ImagePullerOptions.onProgress.
 */
export function pullProgressPrinter(print: (line: string) => void, everyMs = 2000): (p: PullProgress) => void {
  const last = new Map<string, number>();
  return (p) => {
    const prev = last.get(p.image);
    if (p.done) {
      last.delete(p.image);
      print(pullProgressLine(p));
      return;
    }
    if (!p.layers) return;
    if (prev !== undefined && p.elapsedMs - prev < everyMs) return;
    last.set(p.image, p.elapsedMs);
    print(pullProgressLine(p));
  };
}
