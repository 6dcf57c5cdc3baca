import type { Node } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../api/object.js';

/**
 * What the scheduler keeps of a pod (informer transform): everything but managedFields and
 * annotations, which it never reads and which are most of a pod's size. Pure.
 */
export function slimPod<T extends KubeObject>(obj: T): T {
  const { managedFields: _m, annotations: _a, ...metadata } = obj.metadata;
  return { ...obj, metadata };
}

/**
 * Whether a node update can make an unschedulable pod fit (kube's nodeSchedulingPropertiesChange):
 * allocatable, labels, taints or spec.unschedulable changed. Heartbeats change none of these. Pure.
 */
export function nodeChangeMayHelp(old: Node, next: Node): boolean {
  if (old.spec?.unschedulable !== next.spec?.unschedulable) return true;
  if (JSON.stringify(old.status?.allocatable) !== JSON.stringify(next.status?.allocatable)) return true;
  if (JSON.stringify(old.metadata?.labels) !== JSON.stringify(next.metadata?.labels)) return true;
  return JSON.stringify(old.spec?.taints) !== JSON.stringify(next.spec?.taints);
}
