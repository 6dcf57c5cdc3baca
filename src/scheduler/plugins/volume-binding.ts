import type { FilterPlugin } from '../framework/plugin.js';
import type { NodeInfo } from '../framework/node-info.js';
import { SUCCESS, unresolvable, unschedulable, type Status } from '../framework/status.js';
import { findBestMatch, volumeFitsNode } from '../../machinery/storage/pv-matching.js';
import {
  claimClassOf,
  defaultClassOf,
  type Class,
  type PV,
  type PVC,
} from '../../machinery/storage/volume-resources.js';

/**
 * VolumeBinding for the pod's PersistentVolumeClaims (kube's volumebinding plugin, local volumes):
 *   missing or deleting claim                        --> unschedulable everywhere
 *   bound claim                                      --> only nodes its volume's nodeAffinity admits
 *   unbound, Immediate class                         --> wait for the PV controller to bind it
 *   unbound, WaitForFirstConsumer, a provisioner     --> any node (provisioned where the pod goes)
 *   unbound, WaitForFirstConsumer, no provisioner    --> nodes with an available matching volume
 * The claims that need the chosen node are annotated before the pod is bound (volume-prebind.ts).
 */
export const VOLUME_BINDING = 'VolumeBinding';
export const REASON_NODE_CONFLICT = 'node(s) had volume node affinity conflict';
export const REASON_NO_VOLUME = "node(s) didn't find available persistent volumes to bind";
export const REASON_BOUND_TO_MISSING = 'node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)';
export const REASON_UNBOUND_IMMEDIATE = 'pod has unbound immediate PersistentVolumeClaims';
const NO_PROVISIONER = 'kubernetes.io/no-provisioner';

/** What the plugin reads of the storage objects (the scheduler's informers). */
export interface VolumeLister {
  claim(namespace: string, name: string): PVC | undefined;
  volume(name: string): PV | undefined;
  volumes(): readonly PV[];
  storageClass(name: string): Class | undefined;
  storageClasses(): readonly Class[];
}

/** The pod's claims that wait for a node (WaitForFirstConsumer, unbound). Pure over the lister. */
export function claimsWaitingForNode(namespace: string, claimNames: readonly string[], lister: VolumeLister): PVC[] {
  const out: PVC[] = [];
  for (const name of claimNames) {
    const claim = lister.claim(namespace, name);
    if (!claim || claim.spec?.volumeName) continue;
    if (classOf(claim, lister)?.volumeBindingMode === 'WaitForFirstConsumer') out.push(claim);
  }
  return out;
}

function classOf(claim: PVC, lister: VolumeLister): Class | undefined {
  const name = claimClassOf(claim);
  return name === undefined
    ? defaultClassOf(lister.storageClasses())
    : name === ''
      ? undefined
      : lister.storageClass(name);
}

export function claimNames(pod: {
  spec?: { volumes?: { persistentVolumeClaim?: { claimName?: string } }[] };
}): string[] {
  return (pod.spec?.volumes ?? []).flatMap((v) =>
    v.persistentVolumeClaim?.claimName ? [v.persistentVolumeClaim.claimName] : [],
  );
}

export function volumeBinding(lister: VolumeLister): FilterPlugin {
  return {
    name: VOLUME_BINDING,
    prepareFilter(pod) {
      const names = claimNames(pod.pod);
      if (names.length === 0) return undefined;
      const checks: ((node: NodeInfo) => Status | undefined)[] = [];
      for (const name of names) {
        const claim = lister.claim(pod.namespace, name);
        if (!claim) return unresolvable(`persistentvolumeclaim "${name}" not found`);
        if (claim.metadata.deletionTimestamp) return unresolvable(`persistentvolumeclaim "${name}" is being deleted`);
        const bound = claim.spec?.volumeName;
        if (bound) {
          const pv = lister.volume(bound);
          if (!pv) return unresolvable(REASON_BOUND_TO_MISSING);
          const conflict = unresolvable(REASON_NODE_CONFLICT);
          checks.push((node) => (node.node && !volumeFitsNode(pv, node.node) ? conflict : undefined));
          continue;
        }
        const cls = classOf(claim, lister);
        if (cls?.volumeBindingMode !== 'WaitForFirstConsumer') return unresolvable(REASON_UNBOUND_IMMEDIATE);
        if (cls.provisioner !== NO_PROVISIONER) continue;
        const none = unschedulable(REASON_NO_VOLUME);
        const className = cls.metadata.name ?? '';
        checks.push((node) =>
          node.node && !findBestMatch(claim, lister.volumes(), className, node.node) ? none : undefined,
        );
      }
      if (checks.length === 0) return undefined;
      return (node) => {
        for (const check of checks) {
          const failed = check(node);
          if (failed) return failed;
        }
        return SUCCESS;
      };
    },
  };
}
