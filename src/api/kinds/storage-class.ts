import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import { fieldErrors, type FieldError } from '../errors.js';
import { validateEnum, validateImmutable } from '../validation/field.js';
import { ageColumn, col, nameColumn } from './columns.js';
import { ageOf, defineKind, nameOf } from './define-kind.js';

const isDefault = (sc: StorageClass): boolean =>
  sc.metadata?.annotations?.['storageclass.kubernetes.io/is-default-class'] === 'true' ||
  sc.metadata?.annotations?.['storageclass.beta.kubernetes.io/is-default-class'] === 'true';

/** storage.k8s.io/v1 StorageClass: reclaimPolicy Delete, volumeBindingMode Immediate; provisioner, parameters, reclaimPolicy immutable. */
export const storageClassStrategy = defineKind<StorageClass>({
  namespaced: false,
  defaults(sc) {
    sc.reclaimPolicy ||= 'Delete';
    sc.volumeBindingMode ||= 'Immediate';
  },
  validate(sc) {
    const errs: FieldError[] = [];
    if (!sc.provisioner) errs.push(fieldErrors.required('provisioner'));
    errs.push(...validateEnum('reclaimPolicy', sc.reclaimPolicy, ['Delete', 'Retain'], false));
    errs.push(...validateEnum('volumeBindingMode', sc.volumeBindingMode, ['Immediate', 'WaitForFirstConsumer'], false));
    return errs;
  },
  validateUpdate: (sc, old) => [
    ...validateImmutable('provisioner', sc.provisioner, old.provisioner),
    ...validateImmutable('parameters', sc.parameters ?? {}, old.parameters ?? {}),
    ...validateImmutable('reclaimPolicy', sc.reclaimPolicy, old.reclaimPolicy),
    ...validateImmutable('volumeBindingMode', sc.volumeBindingMode, old.volumeBindingMode),
  ],
  columns: [
    nameColumn(),
    col('Provisioner', 'string', 'Indicates the type of the provisioner.'),
    col(
      'ReclaimPolicy',
      'string',
      'Dynamically provisioned PersistentVolumes of this storage class are created with this reclaimPolicy.',
    ),
    col(
      'VolumeBindingMode',
      'string',
      'VolumeBindingMode indicates how PersistentVolumeClaims should be provisioned and bound.',
    ),
    col('AllowVolumeExpansion', 'string', 'AllowVolumeExpansion shows whether the storage class allow volume expand.'),
    ageColumn(),
  ],
  row: (sc, now) => [
    isDefault(sc) ? `${nameOf(sc)} (default)` : nameOf(sc),
    sc.provisioner ?? '',
    sc.reclaimPolicy ?? 'Delete',
    sc.volumeBindingMode ?? 'Immediate',
    sc.allowVolumeExpansion ?? false,
    ageOf(sc, now),
  ],
});
