import type { Store } from '../store/store.js';

export interface CompactorOptions {
  store: Store;
  /** How often to compact; each run forgets history older than the previous run (Kubernetes: 5 minutes). */
  intervalMs?: number;
  onError?(err: unknown): void;
}

/**
 * Keeps the store's history bounded as kube-apiserver does: every interval, compact to the
 * revision that was current one interval ago, so watchers and paged lists have at least one
 * interval to finish. Safe to run in several servers at once (compacting twice is harmless).
 * Returns `stop`, and `tick` to run one round now (tests).
 */
export function startCompactor(options: CompactorOptions): { stop(): void; tick(): Promise<void> } {
  const { store } = options;
  let previous: number | undefined;
  let running = false;
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      if (previous !== undefined && previous > (await store.compactedRevision())) await store.compact(previous);
      previous = await store.currentRevision();
    } catch (err) {
      options.onError?.(err);
    } finally {
      running = false;
    }
  };
  void tick();
  const timer = setInterval(() => void tick(), options.intervalMs ?? 5 * 60_000);
  timer.unref();
  return { stop: () => clearInterval(timer), tick };
}
