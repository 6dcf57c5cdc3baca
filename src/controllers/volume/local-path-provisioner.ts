import type { Node } from 'kubernetes-types/core/v1.js';
import { ANN_NODE_DATA_DIR } from '../../api/kinds/node.js';
import {
  ANN_BOUND_BY_CONTROLLER,
  ANN_PROVISIONED_BY,
  LOCAL_PATH_PROVISIONER,
  type Class,
  type PV,
  type PVC,
} from '../../machinery/storage/volume-resources.js';

/** The data dir of `flotilla up` (its default), used when a node does not announce its own. */
export const DEFAULT_NODE_DATA_DIR = '/var/lib/flotilla';

/** The PV name a provisioned claim gets: `pvc-<claim uid>`, as Kubernetes' provisioners. Pure. */
export function provisionedVolumeName(claim: PVC): string {
  return `pvc-${claim.metadata.uid ?? ''}`;
}

/** The directory of a claim's volume on a node: `<node data dir>/storage/<pvc uid>`. Pure. */
export function localPathOf(claim: PVC, node: Node, fallbackDataDir: string = DEFAULT_NODE_DATA_DIR): string {
  const dataDir = (node.metadata?.annotations?.[ANN_NODE_DATA_DIR] ?? fallbackDataDir).replace(/\/+$/, '');
  return `${dataDir}/storage/${claim.metadata.uid ?? ''}`;
}

/**
 * The PersistentVolume the `flotilla.dev/local-path` provisioner creates for a claim on a node:
 * named `pvc-<uid>`, pre-bound to the claim (claimRef with uid), the class's reclaim policy, the
 * claim's request, access modes and volumeMode, a hostPath directory (DirectoryOrCreate: the node
 * agent creates it when mounting) pinned by required nodeAffinity on the node's
 * `kubernetes.io/hostname` label (the node name when unlabelled). Pure.
 */
export function localPathVolume(claim: PVC, sc: Class, node: Node, fallbackDataDir?: string): PV {
  const hostname = node.metadata?.labels?.['kubernetes.io/hostname'] ?? node.metadata?.name ?? '';
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: {
      name: provisionedVolumeName(claim),
      annotations: { [ANN_PROVISIONED_BY]: LOCAL_PATH_PROVISIONER, [ANN_BOUND_BY_CONTROLLER]: 'yes' },
    },
    spec: {
      capacity: { storage: claim.spec?.resources?.requests?.storage ?? '0' },
      accessModes: [...(claim.spec?.accessModes ?? [])],
      persistentVolumeReclaimPolicy: sc.reclaimPolicy ?? 'Delete',
      storageClassName: sc.metadata.name,
      volumeMode: claim.spec?.volumeMode ?? 'Filesystem',
      hostPath: { path: localPathOf(claim, node, fallbackDataDir), type: 'DirectoryOrCreate' },
      nodeAffinity: {
        required: {
          nodeSelectorTerms: [
            { matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [hostname] }] },
          ],
        },
      },
      claimRef: {
        kind: 'PersistentVolumeClaim',
        namespace: claim.metadata.namespace,
        name: claim.metadata.name,
        uid: claim.metadata.uid,
        apiVersion: 'v1',
        resourceVersion: claim.metadata.resourceVersion,
      },
      ...(sc.mountOptions ? { mountOptions: [...sc.mountOptions] } : {}),
    },
  };
}
