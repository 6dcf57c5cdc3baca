import type { PersistentVolume, PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import type { KubeObject } from '../../api/object.js';

export type PV = KubeObject & PersistentVolume;
export type PVC = KubeObject & PersistentVolumeClaim;
export type Class = KubeObject & StorageClass;
export type PodObj = KubeObject & Pod;

/** Annotations of Kubernetes' PV controller (pkg/controller/volume/persistentvolume/util). */
export const ANN_BIND_COMPLETED = 'pv.kubernetes.io/bind-completed';
export const ANN_BOUND_BY_CONTROLLER = 'pv.kubernetes.io/bound-by-controller';
export const ANN_PROVISIONED_BY = 'pv.kubernetes.io/provisioned-by';
export const ANN_STORAGE_PROVISIONER = 'volume.kubernetes.io/storage-provisioner';
export const ANN_BETA_STORAGE_PROVISIONER = 'volume.beta.kubernetes.io/storage-provisioner';
export const ANN_SELECTED_NODE = 'volume.kubernetes.io/selected-node';
export const ANN_BETA_STORAGE_CLASS = 'volume.beta.kubernetes.io/storage-class';
export const ANN_DEFAULT_CLASS = 'storageclass.kubernetes.io/is-default-class';
export const ANN_BETA_DEFAULT_CLASS = 'storageclass.beta.kubernetes.io/is-default-class';

/** The provisioner name of the built-in local-path class. */
export const LOCAL_PATH_PROVISIONER = 'flotilla.dev/local-path';

/** A claim's class: the beta annotation wins over spec.storageClassName (as Kubernetes' GetPersistentVolumeClaimClass). undefined = unset (nil). Pure. */
export function claimClassOf(claim: PVC): string | undefined {
  return claim.metadata.annotations?.[ANN_BETA_STORAGE_CLASS] ?? claim.spec?.storageClassName ?? undefined;
}

/** A volume's class ('' = no class). Pure. */
export function volumeClassOf(pv: PV): string {
  return pv.metadata.annotations?.[ANN_BETA_STORAGE_CLASS] ?? pv.spec?.storageClassName ?? '';
}

/** Whether a StorageClass is marked default (GA or beta annotation). Pure. */
export function isDefaultClass(sc: Class): boolean {
  const a = sc.metadata.annotations ?? {};
  return a[ANN_DEFAULT_CLASS] === 'true' || a[ANN_BETA_DEFAULT_CLASS] === 'true';
}

/**
 * The default class among `classes`: of several defaults, the newest (then the name first in
 * order), as Kubernetes since 1.26. undefined when none is marked default. Pure.
 */
export function defaultClassOf(classes: readonly Class[]): Class | undefined {
  const defaults = classes.filter(isDefaultClass);
  defaults.sort(
    (a, b) =>
      (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? '') ||
      (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''),
  );
  return defaults[0];
}

/** The names of the claims a pod uses (spec.volumes[].persistentVolumeClaim.claimName). Pure. */
export function claimNamesOf(pod: PodObj): string[] {
  return (pod.spec?.volumes ?? []).flatMap((v) =>
    v.persistentVolumeClaim?.claimName ? [v.persistentVolumeClaim.claimName] : [],
  );
}
