import type { StatefulSet, StatefulSetSpec } from 'kubernetes-types/apps/v1.js';
import type { PersistentVolumeClaim, PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import { fieldErrors, type FieldError } from '../errors.js';
import { deepEqual, validateEnum, validateNonNegative } from '../validation/field.js';
import { isDNS1123Label } from '../validation/names.js';
import { ageColumn, col, containersColumn, imagesColumn, nameColumn } from './columns.js';
import { ageOf, defineKind, nameOf } from './define-kind.js';
import { defaultPodTemplateSpec } from './pod-defaults.js';
import { containerCells, validateIntOrPercent, validateSelectorAndTemplate } from './workload-helpers.js';

/** SetDefaults_StatefulSet plus template pod defaults and volumeClaimTemplates' PVC defaults. */
export function defaultStatefulSet(s: StatefulSet): void {
  s.spec ??= { selector: {}, template: {}, serviceName: '' };
  const spec = s.spec;
  spec.podManagementPolicy ||= 'OrderedReady';
  spec.updateStrategy ??= {};
  if (!spec.updateStrategy.type) {
    spec.updateStrategy.type = 'RollingUpdate';
    spec.updateStrategy.rollingUpdate ??= {};
  }
  if (spec.updateStrategy.type === 'RollingUpdate' && spec.updateStrategy.rollingUpdate)
    spec.updateStrategy.rollingUpdate.partition ??= 0;
  spec.persistentVolumeClaimRetentionPolicy ??= {};
  spec.persistentVolumeClaimRetentionPolicy.whenDeleted ||= 'Retain';
  spec.persistentVolumeClaimRetentionPolicy.whenScaled ||= 'Retain';
  spec.replicas ??= 1;
  spec.revisionHistoryLimit ??= 10;
  defaultPodTemplateSpec(spec.template);
  for (const pvc of spec.volumeClaimTemplates ?? []) {
    pvc.spec ??= {};
    pvc.spec.volumeMode ??= 'Filesystem';
    const rec = pvc as unknown as { status?: PersistentVolumeClaim['status'] };
    rec.status ??= {};
    const st = rec.status as { phase?: string };
    st.phase ??= 'Pending';
  }
}

const MUTABLE = [
  'replicas',
  'ordinals',
  'template',
  'updateStrategy',
  'persistentVolumeClaimRetentionPolicy',
  'minReadySeconds',
];

function validateSpec(s: StatefulSet): FieldError[] {
  const spec = s.spec;
  if (!spec) return [fieldErrors.required('spec')];
  const errs = validateEnum('spec.podManagementPolicy', spec.podManagementPolicy, ['OrderedReady', 'Parallel']);
  errs.push(...validateEnum('spec.updateStrategy.type', spec.updateStrategy?.type, ['RollingUpdate', 'OnDelete']));
  if (spec.updateStrategy?.type === 'OnDelete' && spec.updateStrategy.rollingUpdate) {
    errs.push(
      fieldErrors.invalid(
        'spec.updateStrategy.rollingUpdate',
        spec.updateStrategy.rollingUpdate,
        "only allowed for updateStrategy 'RollingUpdate'",
      ),
    );
  }
  errs.push(
    ...validateNonNegative(
      'spec.updateStrategy.rollingUpdate.partition',
      spec.updateStrategy?.rollingUpdate?.partition,
    ),
  );
  errs.push(
    ...validateIntOrPercent(
      spec.updateStrategy?.rollingUpdate?.maxUnavailable,
      'spec.updateStrategy.rollingUpdate.maxUnavailable',
    ),
  );
  errs.push(
    ...validateEnum(
      'spec.persistentVolumeClaimRetentionPolicy.whenDeleted',
      spec.persistentVolumeClaimRetentionPolicy?.whenDeleted,
      ['Retain', 'Delete'],
      false,
    ),
  );
  errs.push(
    ...validateEnum(
      'spec.persistentVolumeClaimRetentionPolicy.whenScaled',
      spec.persistentVolumeClaimRetentionPolicy?.whenScaled,
      ['Retain', 'Delete'],
      false,
    ),
  );
  errs.push(...validateNonNegative('spec.replicas', spec.replicas));
  errs.push(...validateNonNegative('spec.minReadySeconds', spec.minReadySeconds));
  errs.push(...validateNonNegative('spec.ordinals.start', spec.ordinals?.start));
  if (spec.serviceName)
    errs.push(
      ...isDNS1123Label(spec.serviceName).map((m) => fieldErrors.invalid('spec.serviceName', spec.serviceName, m)),
    );
  // Mounts may name a volumeClaimTemplate: the controller adds those volumes to each pod, so the
  // template is validated as the pods will be (Kubernetes does the same).
  errs.push(...validateSelectorAndTemplate('statefulset', spec.selector, withClaimVolumes(spec), 'spec'));
  return errs;
}

/** The pod template with a volume for each volumeClaimTemplate it does not already name. */
function withClaimVolumes(spec: StatefulSetSpec): PodTemplateSpec | undefined {
  const template = spec.template;
  const podSpec = template?.spec;
  if (!template || !podSpec) return template;
  const volumes = podSpec.volumes ?? [];
  const claimVolumes = (spec.volumeClaimTemplates ?? [])
    .map((c) => c.metadata?.name)
    .filter((name): name is string => !!name && !volumes.some((v) => v.name === name))
    .map((name) => ({ name, persistentVolumeClaim: { claimName: name } }));
  return claimVolumes.length === 0
    ? template
    : { ...template, spec: { ...podSpec, volumes: [...volumes, ...claimVolumes] } };
}

/** apps/v1 StatefulSet; on update only replicas, ordinals, template, updateStrategy, PVC retention and minReadySeconds may change. */
export const statefulSetStrategy = defineKind<StatefulSet>({
  namespaced: true,
  defaults: defaultStatefulSet,
  validate: validateSpec,
  validateUpdate(s, old) {
    const strip = (x: StatefulSet): Record<string, unknown> => {
      const copy: Record<string, unknown> = { ...(x.spec ?? {}) };
      for (const k of MUTABLE) delete copy[k];
      return copy;
    };
    if (deepEqual(strip(s), strip(old))) return [];
    return [
      fieldErrors.forbidden(
        'spec',
        "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
      ),
    ];
  },
  columns: [
    nameColumn(),
    col('Ready', 'string', 'Number of the pod with ready state'),
    ageColumn(),
    containersColumn(),
    imagesColumn(),
  ],
  row(s, now) {
    const [names, images] = containerCells(s.spec?.template?.spec?.containers);
    return [nameOf(s), `${s.status?.readyReplicas ?? 0}/${s.spec?.replicas ?? 0}`, ageOf(s, now), names, images];
  },
});
