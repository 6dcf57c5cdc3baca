import type { Node, Pod, PodSpec, PodTemplateSpec, Toleration } from 'kubernetes-types/core/v1.js';
import { anyTermMatches } from '../../machinery/scheduling/node-selector.js';
import { toleratesTaint } from '../../machinery/scheduling/tolerations.js';

/**
 * The tolerations Kubernetes adds to every DaemonSet pod (util.AddOrUpdateDaemonPodTolerations):
 * daemons keep running on not-ready / unreachable nodes and ignore pressure and cordons.
 */
export const DAEMON_POD_TOLERATIONS: readonly Toleration[] = [
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
];

/** Added too for hostNetwork pods: they do not need the pod network. */
export const HOST_NETWORK_TOLERATION: Toleration = {
  key: 'node.kubernetes.io/network-unavailable',
  operator: 'Exists',
  effect: 'NoSchedule',
};

/** The pod's tolerations plus the daemon defaults it does not already have (same key and effect). Pure. */
export function withDaemonTolerations(spec: PodSpec): Toleration[] {
  const out = [...(spec.tolerations ?? [])];
  const extra = spec.hostNetwork ? [...DAEMON_POD_TOLERATIONS, HOST_NETWORK_TOLERATION] : DAEMON_POD_TOLERATIONS;
  for (const t of extra) {
    const at = out.findIndex((x) => x.key === t.key && x.effect === t.effect);
    if (at >= 0) out[at] = { ...t };
    else out.push({ ...t });
  }
  return out;
}

export interface Eligibility {
  /** A daemon pod should be created on the node. */
  shouldRun: boolean;
  /** A daemon pod already there may stay (only NoSchedule taints are untolerated). */
  shouldContinueRunning: boolean;
}

/**
 * NodeShouldRunDaemonPod: spec.nodeName, nodeSelector and required node affinity must fit
 * (else neither); untolerated NoSchedule/NoExecute taints forbid new pods, and NoExecute ones
 * also existing pods. The default daemon tolerations are taken into account. Pure.
 */
export function nodeShouldRunDaemonPod(node: Node, template: PodTemplateSpec | undefined): Eligibility {
  const spec = template?.spec ?? { containers: [] };
  const name = node.metadata?.name ?? '';
  const labels = node.metadata?.labels ?? {};
  const no = { shouldRun: false, shouldContinueRunning: false };
  if (spec.nodeName && spec.nodeName !== name) return no;
  for (const [k, v] of Object.entries(spec.nodeSelector ?? {})) if (labels[k] !== v) return no;
  const terms = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (terms && !anyTermMatches(terms, labels, name)) return no;
  const tolerations = withDaemonTolerations(spec);
  const untolerated = (node.spec?.taints ?? []).filter(
    (t) => (t.effect === 'NoSchedule' || t.effect === 'NoExecute') && !tolerations.some((x) => toleratesTaint(x, t)),
  );
  if (untolerated.length === 0) return { shouldRun: true, shouldContinueRunning: true };
  return { shouldRun: false, shouldContinueRunning: !untolerated.some((t) => t.effect === 'NoExecute') };
}

/** The node a daemon pod is for: spec.nodeName, else its matchFields metadata.name affinity (GetTargetNodeName). Pure. */
export function targetNodeOf(pod: Pod): string | undefined {
  if (pod.spec?.nodeName) return pod.spec.nodeName;
  for (const term of pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution
    ?.nodeSelectorTerms ?? []) {
    for (const f of term.matchFields ?? []) {
      if (f.key === 'metadata.name' && f.operator === 'In' && f.values?.length === 1) return f.values[0];
    }
  }
  return undefined;
}
