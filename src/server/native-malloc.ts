import { createRequire } from 'node:module';
import type { Logger } from 'pino';

/** glibc's malloc, reached through our small N-API addon (native/malloc-trim). */
export interface NativeMalloc {
  /** malloc_trim(0): give the free memory of every arena back to the kernel; true when some was. */
  trim(): boolean;
  /** mallopt(param, value); true when glibc accepted it. */
  mallopt(param: number, value: number): boolean;
}

/**
 * The addon, or undefined when it is not built (e.g. no compiler when `npm ci` ran) or the process
 * does not use glibc: then the server simply skips what it would do with it. After a burst of
 * writes, glibc keeps the freed memory of its brk heap and arenas (much of a settled server's
 * RSS) until a trim; V8's GC frees the objects but never asks malloc to give the pages back.
 */
export function loadNativeMalloc(
  log?: Pick<Logger, 'debug'>,
  load: () => unknown = () => createRequire(import.meta.url)('flotilla-malloc-trim'),
): NativeMalloc | undefined {
  try {
    const m = load() as Partial<NativeMalloc>;
    if (typeof m.trim === 'function' && typeof m.mallopt === 'function') return m as NativeMalloc;
    log?.debug('malloc addon has no trim/mallopt; idle memory is not trimmed');
  } catch (err) {
    log?.debug({ err: (err as Error).message }, 'malloc addon not built; idle memory is not trimmed');
  }
  return undefined;
}
