import type { Pod } from 'kubernetes-types/core/v1.js';

/** The two classes every Kubernetes cluster has (scheduling.SystemPriorityClasses). */
const SYSTEM_CLASSES: Record<string, number> = {
  'system-node-critical': 2_000_001_000,
  'system-cluster-critical': 2_000_000_000,
};

/** What the resolver knows about PriorityClasses: value by name, and the globalDefault one. */
export interface PriorityClassLookup {
  value(name: string): number | undefined;
  globalDefault(): number | undefined;
}

/**
 * A pod's priority as the Priority admission plugin would have set it: the value of its
 * priorityClassName when that class exists (the API server here only defaults spec.priority to 0),
 * else spec.priority, else the globalDefault class's value, else 0. Pure.
 */
export function podPriority(pod: Pod, classes: PriorityClassLookup): number {
  const name = pod.spec?.priorityClassName;
  if (name) {
    const v = SYSTEM_CLASSES[name] ?? classes.value(name);
    if (v !== undefined) return v;
  }
  if (pod.spec?.priority !== undefined && (pod.spec.priority !== 0 || name)) return pod.spec.priority;
  return classes.globalDefault() ?? pod.spec?.priority ?? 0;
}
