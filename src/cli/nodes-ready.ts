import type { Node } from 'kubernetes-types/core/v1.js';

/** The Ready condition of a Node as a person reads it: `Ready`, `NotReady (KubeletNotReady: ...)`, `no status yet`. Pure. */
export function readyState(node: Node | undefined): { ready: boolean; text: string } {
  const c = node?.status?.conditions?.find((x) => x.type === 'Ready');
  if (!node) return { ready: false, text: 'not registered yet' };
  if (!c) return { ready: false, text: 'no status yet' };
  if (c.status === 'True') return { ready: true, text: 'Ready' };
  const why = [c.reason, c.message].filter(Boolean).join(': ');
  return { ready: false, text: `NotReady${why ? ` (${why})` : ''}` };
}

export interface NodesReadyOptions {
  /** The Nodes as the API has them now (called every pollMs). */
  listNodes: () => Promise<Node[]>;
  /** The node names to wait for. */
  names: string[];
  progress: (line: string) => void;
  /** Give up after this long (default 120 s): the names still not Ready are printed with their state. */
  timeoutMs?: number;
  pollMs?: number;
  /** While waiting, the states of the nodes not Ready yet are printed this often (default 10 s). */
  remindMs?: number;
  /** Ends the wait quietly when it turns true (`up` is stopping). */
  stopped?: () => boolean;
  /** Injected clock and sleep (tests). */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Waits for nodes to be Ready and tells a person how it goes (`flotilla up --nodes N`):
 *   waiting for 3 nodes to be Ready: a, b, c
 *   node b Ready (1/3, 0.8 s)
 *   still waiting for c: NotReady (KubeletNotReady: ...)        every remindMs
 *   3 nodes Ready in 2.4 s      |      not Ready after 120 s: c (no status yet)
 * A failing list call counts as no news (retried). Resolves with the names still not Ready ([] when all are).
 */
export async function waitNodesReady(o: NodesReadyOptions): Promise<string[]> {
  const now = o.now ?? (() => performance.now());
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const t0 = now();
  const timeoutMs = o.timeoutMs ?? 120_000;
  const remindMs = o.remindMs ?? 10_000;
  const secs = () => `${((now() - t0) / 1000).toFixed(1)} s`;
  const waiting = new Set(o.names);
  const states = new Map<string, string>();
  const total = o.names.length;
  o.progress(`waiting for ${total} node${total === 1 ? '' : 's'} to be Ready: ${o.names.join(', ')}`);
  let lastRemind = t0;
  for (;;) {
    if (o.stopped?.()) return [...waiting];
    const nodes = await o.listNodes().catch(() => undefined);
    if (nodes) {
      const byName = new Map(nodes.map((n) => [n.metadata?.name ?? '', n]));
      for (const name of [...waiting]) {
        const s = readyState(byName.get(name));
        states.set(name, s.text);
        if (!s.ready) continue;
        waiting.delete(name);
        o.progress(`node ${name} Ready (${total - waiting.size}/${total}, ${secs()})`);
      }
    }
    if (!waiting.size) {
      o.progress(`${total} node${total === 1 ? '' : 's'} Ready in ${secs()}`);
      return [];
    }
    const state = (n: string) => `${n} (${states.get(n) ?? 'unknown'})`;
    if (now() - t0 >= timeoutMs) {
      o.progress(`not Ready after ${Math.round(timeoutMs / 1000)} s: ${[...waiting].map(state).join(', ')}`);
      return [...waiting];
    }
    if (now() - lastRemind >= remindMs) {
      lastRemind = now();
      o.progress(`still waiting for ${[...waiting].map(state).join(', ')}`);
    }
    await sleep(o.pollMs ?? 250);
  }
}
