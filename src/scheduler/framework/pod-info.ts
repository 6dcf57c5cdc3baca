import type { Pod, PodAffinityTerm, WeightedPodAffinityTerm } from 'kubernetes-types/core/v1.js';
import { podRequests, type Resources } from './resources.js';

/** A host port a pod claims on its node (NodePorts plugin). */
export interface HostPort {
  protocol: string;
  port: number;
  /** Host IP; '0.0.0.0' means every address. */
  ip: string;
}

/**
 * A pod with what the plugins need computed once (kube-scheduler's PodInfo): requests, host
 * ports, priority, affinity terms. Built when the pod enters the queue or the cache; the pod
 * object is shared with the informer and never mutated.
 */
export interface PodInfo {
  readonly key: string;
  readonly pod: Pod;
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly priority: number;
  readonly requests: Resources;
  readonly nonZero: { readonly milliCpu: number; readonly memory: number };
  readonly hostPorts: readonly HostPort[];
  readonly requiredAffinity: readonly PodAffinityTerm[];
  readonly requiredAntiAffinity: readonly PodAffinityTerm[];
  readonly preferredAffinity: readonly WeightedPodAffinityTerm[];
  readonly preferredAntiAffinity: readonly WeightedPodAffinityTerm[];
}

/** Builds the PodInfo of a pod whose priority is already resolved. Pure. */
export function podInfoOf(pod: Pod, priority: number): PodInfo {
  const spec = pod.spec ?? { containers: [] };
  const { requests, nonZero } = podRequests(spec);
  const hostPorts: HostPort[] = [];
  for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) {
    for (const p of c.ports ?? []) {
      if (p.hostPort && p.hostPort > 0)
        hostPorts.push({ protocol: p.protocol ?? 'TCP', port: p.hostPort, ip: p.hostIP || '0.0.0.0' });
    }
  }
  const aff = spec.affinity;
  const namespace = pod.metadata?.namespace ?? '';
  const name = pod.metadata?.name ?? '';
  return {
    key: `${namespace}/${name}`,
    pod,
    namespace,
    name,
    uid: pod.metadata?.uid ?? '',
    labels: pod.metadata?.labels ?? {},
    priority,
    requests,
    nonZero,
    hostPorts,
    requiredAffinity: aff?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? [],
    requiredAntiAffinity: aff?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? [],
    preferredAffinity: aff?.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [],
    preferredAntiAffinity: aff?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [],
  };
}

/** Whether the pod has any inter-pod (anti-)affinity term, required or preferred. */
export function hasPodAffinity(p: PodInfo): boolean {
  return (
    p.requiredAffinity.length +
      p.requiredAntiAffinity.length +
      p.preferredAffinity.length +
      p.preferredAntiAffinity.length >
    0
  );
}
