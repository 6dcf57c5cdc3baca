import type { StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { PersistentVolumeClaim, Pod, PodTemplateSpec, Volume } from 'kubernetes-types/core/v1.js';
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import type { KubeObject } from '../../api/object.js';
import { CONTROLLER_REVISION_HASH } from '../history/controller-revision.js';
import { controllerRefTo } from '../replicaset/controller-ref.js';
import type { ObjectOf } from '../../machinery/resources/resource.js';

/** The pod's stable name as a label (selects one pod of the set, e.g. for a per-pod Service). */
export const POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';
/** The pod's ordinal as a label (1.28+). */
export const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index';

export type StatefulSetObject = KubeObject & StatefulSet;
export type PodObject = KubeObject & Pod;

/** `<set>-<ordinal>` (getPodName). Pure. */
export function statefulPodName(setName: string, ordinal: number): string {
  return `${setName}-${ordinal}`;
}

/** The ordinal of a pod named `<set>-<n>`, or undefined when the name is not of that form (getParentNameAndOrdinal). Pure. */
export function ordinalOf(setName: string, podName: string | undefined): number | undefined {
  const m = /^(.*)-(\d+)$/.exec(podName ?? '');
  if (!m || m[1] !== setName) return undefined;
  const n = Number(m[2]);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** `<template>-<set>-<ordinal>` (getPersistentVolumeClaimName). Pure. */
export function claimName(templateName: string, setName: string, ordinal: number): string {
  return `${templateName}-${setName}-${ordinal}`;
}

/** spec.ordinals.start (default 0). Pure. */
export function startOrdinal(set: StatefulSet): number {
  return set.spec?.ordinals?.start ?? 0;
}

/**
 * The pod for one ordinal from a template (newVersionedStatefulSetPod): the template's labels,
 * annotations and spec, name `<set>-<ordinal>`, identity labels, hostname = pod name, subdomain =
 * serviceName, each volumeClaimTemplate mounted as a volume of the same name backed by its claim,
 * the controller reference, and the controller-revision-hash label naming `revisionName`. Pure.
 */
export function newStatefulPod(
  set: StatefulSetObject,
  template: PodTemplateSpec | undefined,
  ordinal: number,
  revisionName: string,
): ObjectOf<Pod> {
  const setName = set.metadata.name ?? '';
  const name = statefulPodName(setName, ordinal);
  const meta = template?.metadata ?? {};
  const spec = structuredClone(template?.spec ?? { containers: [] });
  spec.hostname = name;
  if (set.spec?.serviceName) spec.subdomain = set.spec.serviceName;
  const volumes: Volume[] = (spec.volumes ?? []).filter(
    (v) => !(set.spec?.volumeClaimTemplates ?? []).some((t) => t.metadata?.name === v.name),
  );
  for (const t of set.spec?.volumeClaimTemplates ?? []) {
    const tn = t.metadata?.name ?? '';
    volumes.push({ name: tn, persistentVolumeClaim: { claimName: claimName(tn, setName, ordinal) } });
  }
  if (volumes.length > 0) spec.volumes = volumes;
  const pod: ObjectOf<Pod> = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: set.metadata.namespace,
      labels: {
        ...(meta.labels ?? {}),
        [POD_NAME_LABEL]: name,
        [POD_INDEX_LABEL]: String(ordinal),
        [CONTROLLER_REVISION_HASH]: revisionName,
      },
      ownerReferences: [controllerRefTo(set)],
    },
    spec,
  };
  if (meta.annotations) (pod.metadata ??= {}).annotations = { ...meta.annotations };
  if (meta.finalizers?.length) (pod.metadata ??= {}).finalizers = [...meta.finalizers];
  return pod;
}

/** A non-controller owner reference (used on claims by the PVC retention policy). Pure. */
export function ownerRefTo(owner: KubeObject): OwnerReference {
  return { ...controllerRefTo(owner), controller: false, blockOwnerDeletion: true };
}

/**
 * The claims one ordinal needs (getPersistentVolumeClaims): a copy of each volumeClaimTemplate
 * named `<template>-<set>-<ordinal>`, in the set's namespace, with the selector's matchLabels
 * added, no status. With whenDeleted=Delete the claim is owned by the set, so deleting the set
 * (through the garbage collector) deletes it. Pure.
 */
export function claimsFor(set: StatefulSetObject, ordinal: number): (KubeObject & PersistentVolumeClaim)[] {
  const setName = set.metadata.name ?? '';
  const deleteWithSet = set.spec?.persistentVolumeClaimRetentionPolicy?.whenDeleted === 'Delete';
  return (set.spec?.volumeClaimTemplates ?? []).map((t) => {
    const tn = t.metadata?.name ?? '';
    const labels = { ...(t.metadata?.labels ?? {}), ...(set.spec?.selector?.matchLabels ?? {}) };
    const claim: KubeObject & PersistentVolumeClaim = {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: claimName(tn, setName, ordinal), namespace: set.metadata.namespace, labels },
      spec: structuredClone(t.spec ?? {}),
    };
    if (t.metadata?.annotations) claim.metadata.annotations = { ...t.metadata.annotations };
    if (deleteWithSet) claim.metadata.ownerReferences = [ownerRefTo(set)];
    return claim;
  });
}
