import type { PersistentVolumeClaim, PersistentVolumeClaimSpec } from 'kubernetes-types/core/v1.js';
import { fieldErrors, type FieldError } from '../errors.js';
import { deepEqual, mutableOrInit, validateEnum } from '../validation/field.js';
import { parseQuantity, QUANTITY_ERROR } from '../validation/quantity.js';
import { ageColumn, col, nameColumn } from './columns.js';
import { ageOf, defineKind, nameOf } from './define-kind.js';
import { ACCESS_MODES, accessModesString } from './storage-helpers.js';

/** PVC spec checks (shared with StatefulSet volumeClaimTemplates if wanted). */
export function validatePVCSpec(spec: PersistentVolumeClaimSpec | undefined, path: string): FieldError[] {
  if (!spec) return [fieldErrors.required(path)];
  const errs: FieldError[] = [];
  if ((spec.accessModes ?? []).length === 0)
    errs.push(fieldErrors.required(`${path}.accessModes`, 'at least 1 access mode is required'));
  (spec.accessModes ?? []).forEach((m) => {
    if (!ACCESS_MODES.includes(m)) errs.push(fieldErrors.notSupported(`${path}.accessModes`, m, ACCESS_MODES));
  });
  const storage = spec.resources?.requests?.storage;
  if (storage === undefined) errs.push(fieldErrors.required(`${path}.resources[storage]`));
  else {
    const v = parseQuantity(storage);
    if (v === undefined) errs.push(fieldErrors.invalid(`${path}.resources.requests[storage]`, storage, QUANTITY_ERROR));
    else if (v <= 0) errs.push(fieldErrors.invalid(`${path}.resources[storage]`, storage, 'must be greater than zero'));
  }
  errs.push(...validateEnum(`${path}.volumeMode`, spec.volumeMode, ['Block', 'Filesystem'], false));
  return errs;
}

/** core/v1 PersistentVolumeClaim: Filesystem, status Pending; spec immutable except requests, and volumeName once. */
export const persistentVolumeClaimStrategy = defineKind<PersistentVolumeClaim>({
  namespaced: true,
  defaults(pvc) {
    pvc.spec ??= {};
    pvc.spec.volumeMode ||= 'Filesystem';
    const st = mutableOrInit<{ phase?: string }>(pvc, 'status');
    st.phase ||= 'Pending';
  },
  validate: (pvc) => validatePVCSpec(pvc.spec, 'spec'),
  validateUpdate(pvc, old) {
    // Kubernetes (1.28+) lets a claim without a class get one later (the retroactive default
    // StorageClass assignment); once set, the class is immutable like the rest of the spec.
    const classSettable = old.spec?.storageClassName === undefined || old.spec?.storageClassName === null;
    const strip = (s: PersistentVolumeClaimSpec | undefined, keepVolumeName: boolean): unknown => {
      const copy = structuredClone(s ?? {});
      if (copy.resources) delete copy.resources.requests;
      if (!keepVolumeName) delete copy.volumeName;
      if (classSettable) delete copy.storageClassName;
      delete (copy as { volumeAttributesClassName?: string }).volumeAttributesClassName;
      return copy;
    };
    const volumeNameSettable = !old.spec?.volumeName;
    if (deepEqual(strip(pvc.spec, !volumeNameSettable), strip(old.spec, !volumeNameSettable))) return [];
    return [
      fieldErrors.forbidden(
        'spec',
        'spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims',
      ),
    ];
  },
  columns: [
    nameColumn(),
    col('Status', 'string', 'phase represents the current phase of PersistentVolumeClaim.'),
    col('Volume', 'string', 'volumeName is the binding reference to the PersistentVolume backing this claim.'),
    col('Capacity', 'string', 'capacity represents the actual resources of the underlying volume.'),
    col('Access Modes', 'string', 'accessModes contains the actual access modes the volume backing the PVC has.'),
    col('StorageClass', 'string', 'storageClassName is the name of the StorageClass required by the claim.'),
    col(
      'VolumeAttributesClass',
      'string',
      'volumeAttributesClassName may be used to set the VolumeAttributesClass used by this claim.',
    ),
    ageColumn(),
    col('VolumeMode', 'string', 'volumeMode defines what type of volume is required by the claim.', true),
  ],
  row(pvc, now) {
    const phase = pvc.metadata?.deletionTimestamp ? 'Terminating' : (pvc.status?.phase ?? '');
    const bound = !!pvc.spec?.volumeName;
    const cls =
      pvc.metadata?.annotations?.['volume.beta.kubernetes.io/storage-class'] ?? pvc.spec?.storageClassName ?? '';
    const vac =
      (pvc.spec as { volumeAttributesClassName?: string } | undefined)?.volumeAttributesClassName ?? '<unset>';
    return [
      nameOf(pvc),
      phase,
      pvc.spec?.volumeName ?? '',
      bound ? (pvc.status?.capacity?.storage ?? '0') : '',
      bound ? accessModesString(pvc.status?.accessModes) : '',
      cls,
      vac,
      ageOf(pvc, now),
      pvc.spec?.volumeMode ?? '<unset>',
    ];
  },
});
