import type { KubeClient } from '../../src/machinery/client/index.js';
import { PODS } from '../../src/machinery/resources/well-known.js';

export interface NodePlayer {
  /** Stops polling and waits for the last round to finish. */
  stop(): Promise<void>;
}

/**
 * Plays the node for tests without an agent: every pod of the namespace without a Ready condition
 * becomes Running and Ready through the status subresource (again, if another writer dropped it).
 */
export function playNode(client: KubeClient, namespace: string, intervalMs = 50): NodePlayer {
  let playing = true;
  const loop = (async () => {
    while (playing) {
      const pods = await client.list(PODS, namespace).catch(() => ({ items: [] }));
      for (const p of pods.items) {
        const status = p.status ?? {};
        if (p.metadata.deletionTimestamp || status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'))
          continue;
        // Other writers (the scheduler's PodScheduled condition) keep their conditions.
        const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
        const conditions = [
          ...(status.conditions ?? []).filter((c) => c.type !== 'Ready'),
          { type: 'Ready', status: 'True', lastTransitionTime: now },
        ];
        await client
          .updateStatus(PODS, namespace, { ...p, status: { ...status, phase: 'Running', conditions } })
          .catch(() => undefined);
      }
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  })();
  return {
    async stop() {
      playing = false;
      await loop;
    },
  };
}
