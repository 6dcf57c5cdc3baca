import type { PersistentVolume } from 'kubernetes-types/core/v1.js';
import { fieldErrors, type FieldError } from '../errors.js';
import { mutableOrInit, validateEnum } from '../validation/field.js';
import { parseQuantity, QUANTITY_ERROR } from '../validation/quantity.js';
import { ageColumn, col, nameColumn } from './columns.js';
import { ageOf, defineKind, nameOf } from './define-kind.js';
import { ACCESS_MODES, accessModesString } from './storage-helpers.js';

const PV_SOURCES = [
  'gcePersistentDisk',
  'awsElasticBlockStore',
  'hostPath',
  'glusterfs',
  'nfs',
  'rbd',
  'iscsi',
  'cinder',
  'cephfs',
  'fc',
  'flocker',
  'flexVolume',
  'azureFile',
  'vsphereVolume',
  'quobyte',
  'azureDisk',
  'photonPersistentDisk',
  'portworxVolume',
  'scaleIO',
  'local',
  'storageos',
  'csi',
];

function validatePV(pv: PersistentVolume): FieldError[] {
  const spec = pv.spec;
  if (!spec) return [fieldErrors.required('spec')];
  const errs: FieldError[] = [];
  if ((spec.accessModes ?? []).length === 0) errs.push(fieldErrors.required('spec.accessModes'));
  (spec.accessModes ?? []).forEach((m) => {
    if (!ACCESS_MODES.includes(m)) errs.push(fieldErrors.notSupported('spec.accessModes', m, ACCESS_MODES));
  });
  const storage = spec.capacity?.storage;
  if (!spec.capacity || Object.keys(spec.capacity).length === 0) errs.push(fieldErrors.required('spec.capacity'));
  else if (storage === undefined)
    errs.push(fieldErrors.notSupported('spec.capacity', Object.keys(spec.capacity), ['storage']));
  else if (parseQuantity(storage) === undefined)
    errs.push(fieldErrors.invalid('spec.capacity[storage]', storage, QUANTITY_ERROR));
  const rec = spec as unknown as Record<string, unknown>;
  const sources = PV_SOURCES.filter((s) => rec[s] !== undefined && rec[s] !== null);
  if (sources.length === 0) errs.push(fieldErrors.required('spec', 'must specify a volume type'));
  for (const extra of sources.slice(1))
    errs.push(fieldErrors.forbidden(`spec.${extra}`, 'may not specify more than 1 volume type'));
  errs.push(
    ...validateEnum(
      'spec.persistentVolumeReclaimPolicy',
      spec.persistentVolumeReclaimPolicy,
      ['Delete', 'Recycle', 'Retain'],
      false,
    ),
  );
  errs.push(...validateEnum('spec.volumeMode', spec.volumeMode, ['Block', 'Filesystem'], false));
  return errs;
}

/** core/v1 PersistentVolume: Retain, Filesystem, status Pending; printer as `kubectl get pv`. */
export const persistentVolumeStrategy = defineKind<PersistentVolume>({
  namespaced: false,
  defaults(pv) {
    pv.spec ??= {};
    pv.spec.persistentVolumeReclaimPolicy ||= 'Retain';
    pv.spec.volumeMode ||= 'Filesystem';
    if (pv.spec.hostPath) pv.spec.hostPath.type ??= '';
    const st = mutableOrInit<{ phase?: string }>(pv, 'status');
    st.phase ||= 'Pending';
  },
  validate: validatePV,
  columns: [
    nameColumn(),
    col('Capacity', 'string', "capacity is the description of the persistent volume's resources and capacity."),
    col('Access Modes', 'string', 'accessModes contains all ways the volume can be mounted.'),
    col(
      'Reclaim Policy',
      'string',
      'persistentVolumeReclaimPolicy defines what happens to a persistent volume when released from its claim.',
    ),
    col('Status', 'string', 'phase indicates if a volume is available, bound to a claim, or released by a claim.'),
    col(
      'Claim',
      'string',
      'claimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim.',
    ),
    col(
      'StorageClass',
      'string',
      'storageClassName is the name of StorageClass to which this persistent volume belongs.',
    ),
    col('VolumeAttributesClass', 'string', 'Name of VolumeAttributesClass to which this persistent volume belongs.'),
    col(
      'Reason',
      'string',
      'reason is a brief CamelCase string that describes any failure and is meant for machine parsing and tidy display in the CLI.',
    ),
    ageColumn(),
    col(
      'VolumeMode',
      'string',
      'volumeMode defines if a volume is intended to be used with a formatted filesystem or to remain in raw block state.',
      true,
    ),
  ],
  row(pv, now) {
    const claim = pv.spec?.claimRef ? `${pv.spec.claimRef.namespace ?? ''}/${pv.spec.claimRef.name ?? ''}` : '';
    const phase = pv.metadata?.deletionTimestamp ? 'Terminating' : (pv.status?.phase ?? '');
    const cls =
      pv.metadata?.annotations?.['volume.beta.kubernetes.io/storage-class'] ?? pv.spec?.storageClassName ?? '';
    const vac = (pv.spec as { volumeAttributesClassName?: string } | undefined)?.volumeAttributesClassName ?? '<unset>';
    return [
      nameOf(pv),
      pv.spec?.capacity?.storage ?? '0',
      accessModesString(pv.spec?.accessModes),
      pv.spec?.persistentVolumeReclaimPolicy ?? '',
      phase,
      claim,
      cls,
      vac,
      pv.status?.reason ?? '',
      ageOf(pv, now),
      pv.spec?.volumeMode ?? '<unset>',
    ];
  },
});
