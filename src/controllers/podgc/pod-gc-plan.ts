import type { Node, Pod } from 'kubernetes-types/core/v1.js';

/** What the pod garbage collector does to one pod. */
export type PodGcAction =
  | { kind: 'delete'; pod: Pod; reason: 'terminated-over-threshold' | 'unscheduled-terminating' | 'out-of-service' }
  /** A pod bound to a node that no longer exists: marked Failed, then force-deleted. */
  | { kind: 'orphaned'; pod: Pod };

export interface PodGcSettings {
  /** Terminated (Succeeded/Failed) pods kept before the oldest are deleted (kube: 12,500). */
  terminatedPodThreshold: number;
  /** A node must be missing this long before its pods count as orphaned (kube: 40 s). */
  quarantineMs: number;
}

export const OUT_OF_SERVICE_TAINT = 'node.kubernetes.io/out-of-service';

const terminated = (p: Pod): boolean => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';

/**
 * One sweep of kube-controller-manager's pod GC (pkg/controller/podgc), pure:
 *   - terminated pods beyond the threshold, oldest first (by creation time);
 *   - terminating pods never scheduled (no node will ever finish their deletion);
 *   - terminating pods on a NotReady node tainted node.kubernetes.io/out-of-service;
 *   - pods on nodes missing for longer than the quarantine (`missingSince` holds when each
 *     missing node was first seen missing; the caller keeps it between sweeps).
 */
export function planPodGc(
  pods: readonly Pod[],
  nodes: ReadonlyMap<string, Node>,
  missingSince: Map<string, number>,
  now: number,
  s: PodGcSettings,
): PodGcAction[] {
  const actions: PodGcAction[] = [];
  const done = pods.filter(terminated);
  if (done.length > s.terminatedPodThreshold) {
    const oldest = done.sort((a, b) =>
      (a.metadata?.creationTimestamp ?? '').localeCompare(b.metadata?.creationTimestamp ?? ''),
    );
    for (const pod of oldest.slice(0, done.length - s.terminatedPodThreshold))
      actions.push({ kind: 'delete', pod, reason: 'terminated-over-threshold' });
  }
  const stillMissing = new Set<string>();
  for (const pod of pods) {
    const nodeName = pod.spec?.nodeName;
    if (!nodeName) {
      if (pod.metadata?.deletionTimestamp) actions.push({ kind: 'delete', pod, reason: 'unscheduled-terminating' });
      continue;
    }
    const node = nodes.get(nodeName);
    if (!node) {
      stillMissing.add(nodeName);
      const since = missingSince.get(nodeName) ?? now;
      missingSince.set(nodeName, since);
      if (now - since >= s.quarantineMs) actions.push({ kind: 'orphaned', pod });
      continue;
    }
    if (pod.metadata?.deletionTimestamp && outOfService(node))
      actions.push({ kind: 'delete', pod, reason: 'out-of-service' });
  }
  for (const name of missingSince.keys()) if (!stillMissing.has(name)) missingSince.delete(name);
  return actions;
}

function outOfService(node: Node): boolean {
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready')?.status;
  return (
    ready !== 'True' &&
    (node.spec?.taints ?? []).some((t) => t.key === OUT_OF_SERVICE_TAINT && t.effect === 'NoExecute')
  );
}
