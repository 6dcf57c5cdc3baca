import type { PersistentVolume, Pod } from 'kubernetes-types/core/v1.js';
import { podReferences } from '../../../api/kinds/pod-references.js';

/** The kinds a node reaches through the pods bound to it (Kubernetes' graph vertex types). */
export type NodeReferenceKind =
  | 'secrets'
  | 'configmaps'
  | 'persistentvolumeclaims'
  | 'serviceaccounts'
  | 'resourceclaims';

/** What the Node authorizer asks: does a path lead from this object to this node? */
export interface NodeGraph {
  /** True when a pod bound to `node` refers to `kind` `namespace/name`. */
  hasReference(node: string, kind: NodeReferenceKind, namespace: string, name: string): boolean;
  /** True when PersistentVolume `name` is bound to a claim a pod on `node` uses. */
  hasPersistentVolume(node: string, name: string): boolean;
}

interface PodRecord {
  node: string;
  keys: string[];
}

/**
 * Kubernetes' node authorizer graph, flattened: for each node the count of its pods that refer to
 * each object (`kind/namespace/name`), and for each PersistentVolume the claim it is bound to. The
 * paths Kubernetes walks are at most pod → node (secret, configmap, claim, service account, resource
 * claim) and pv → claim → pod → node, so a reference count per node answers every question with
 * one or two map reads. Kept in step by pod and PV events (`setPod`, `setPersistentVolume`); pods
 * not yet bound to a node are not in it, as in Kubernetes.
 */
export class NodeGraphIndex implements NodeGraph {
  private readonly byNode = new Map<string, Map<string, number>>();
  private readonly pods = new Map<string, PodRecord>();
  /** PV name → `namespace/name` of its claimRef. */
  private readonly volumeClaims = new Map<string, string>();
  /** `namespace/name` of a Secret → the PVs whose volume source names it (CSI and plugin credentials). */
  private readonly volumeSecrets = new Map<string, Set<string>>();
  /** PV name → the Secrets it names (to undo volumeSecrets). */
  private readonly secretsOfVolume = new Map<string, string[]>();

  hasReference(node: string, kind: NodeReferenceKind, namespace: string, name: string): boolean {
    if ((this.byNode.get(node)?.get(refKey(kind, namespace, name)) ?? 0) > 0) return true;
    // secret → pv → claim → pod → node
    if (kind !== 'secrets') return false;
    const volumes = this.volumeSecrets.get(`${namespace}/${name}`);
    if (!volumes) return false;
    for (const pv of volumes) if (this.hasPersistentVolume(node, pv)) return true;
    return false;
  }

  hasPersistentVolume(node: string, name: string): boolean {
    const claim = this.volumeClaims.get(name);
    return claim !== undefined && (this.byNode.get(node)?.get(`persistentvolumeclaims/${claim}`) ?? 0) > 0;
  }

  /** Records the pod stored at `key` (undefined: deleted). Idempotent. */
  setPod(key: string, pod: Pick<Pod, 'metadata' | 'spec' | 'status'> | undefined): void {
    const before = this.pods.get(key);
    const node = pod?.spec?.nodeName ?? '';
    const record: PodRecord | undefined = pod && node ? { node, keys: referenceKeys(pod) } : undefined;
    if (before) this.count(before, -1);
    if (record) {
      this.pods.set(key, record);
      this.count(record, 1);
    } else {
      this.pods.delete(key);
    }
  }

  /** True when the pod at `key` is recorded as bound to some node (its events must be followed). */
  tracks(key: string): boolean {
    return this.pods.has(key);
  }

  /** Records PersistentVolume `name` (undefined: deleted). */
  setPersistentVolume(name: string, pv: Pick<PersistentVolume, 'spec'> | undefined): void {
    const ref = pv?.spec?.claimRef;
    if (ref?.name) this.volumeClaims.set(name, `${ref.namespace ?? ''}/${ref.name}`);
    else this.volumeClaims.delete(name);
    for (const key of this.secretsOfVolume.get(name) ?? []) {
      const set = this.volumeSecrets.get(key);
      set?.delete(name);
      if (set?.size === 0) this.volumeSecrets.delete(key);
    }
    const secrets = pv ? persistentVolumeSecrets(pv) : [];
    if (secrets.length === 0) this.secretsOfVolume.delete(name);
    else this.secretsOfVolume.set(name, secrets);
    for (const key of secrets) {
      let set = this.volumeSecrets.get(key);
      if (!set) {
        set = new Set();
        this.volumeSecrets.set(key, set);
      }
      set.add(name);
    }
  }

  clear(): void {
    this.byNode.clear();
    this.pods.clear();
    this.volumeClaims.clear();
    this.volumeSecrets.clear();
    this.secretsOfVolume.clear();
  }

  private count(record: PodRecord, delta: 1 | -1): void {
    let refs = this.byNode.get(record.node);
    if (!refs) {
      if (delta < 0) return;
      refs = new Map();
      this.byNode.set(record.node, refs);
    }
    for (const k of record.keys) {
      const n = (refs.get(k) ?? 0) + delta;
      if (n > 0) refs.set(k, n);
      else refs.delete(k);
    }
    if (refs.size === 0) this.byNode.delete(record.node);
  }
}

function refKey(kind: NodeReferenceKind, namespace: string, name: string): string {
  return `${kind}/${namespace}/${name}`;
}

function referenceKeys(pod: Pick<Pod, 'metadata' | 'spec' | 'status'>): string[] {
  const ns = pod.metadata?.namespace ?? '';
  const refs = podReferences(pod);
  const keys: string[] = [];
  for (const n of refs.secrets) keys.push(refKey('secrets', ns, n));
  for (const n of refs.configMaps) keys.push(refKey('configmaps', ns, n));
  for (const n of refs.persistentVolumeClaims) keys.push(refKey('persistentvolumeclaims', ns, n));
  for (const n of refs.resourceClaims) keys.push(refKey('resourceclaims', ns, n));
  if (refs.serviceAccount) keys.push(refKey('serviceaccounts', ns, refs.serviceAccount));
  return keys;
}

/**
 * `namespace/name` of the Secrets a PV's source names (Kubernetes' VisitPVSecretNames): CSI
 * secrets, and the credentials of the in-tree plugins that carry a namespace. A secretRef without
 * a namespace means the claim's namespace.
 */
export function persistentVolumeSecrets(pv: Pick<PersistentVolume, 'spec'>): string[] {
  const spec = pv.spec;
  const claimNs = spec?.claimRef?.namespace ?? '';
  const out = new Set<string>();
  const add = (ref: { name?: string; namespace?: string } | undefined, fallbackNs = claimNs) => {
    if (ref?.name) out.add(`${ref.namespace || fallbackNs}/${ref.name}`);
  };
  const csi = spec?.csi;
  add(csi?.controllerPublishSecretRef);
  add(csi?.controllerExpandSecretRef);
  add(csi?.nodePublishSecretRef);
  add(csi?.nodeStageSecretRef);
  add((csi as { nodeExpandSecretRef?: { name?: string; namespace?: string } } | undefined)?.nodeExpandSecretRef);
  if (spec?.azureFile?.secretName) add({ name: spec.azureFile.secretName, namespace: spec.azureFile.secretNamespace });
  add(spec?.cephfs?.secretRef);
  add(spec?.cinder?.secretRef);
  add(spec?.flexVolume?.secretRef);
  add(spec?.iscsi?.secretRef);
  add(spec?.rbd?.secretRef);
  add(spec?.scaleIO?.secretRef);
  add(spec?.storageos?.secretRef);
  return [...out];
}
