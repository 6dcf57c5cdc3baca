import type { ReplicaSet } from 'kubernetes-types/apps/v1.js';
import { fieldErrors } from '../errors.js';
import { validateNonNegative } from '../validation/field.js';
import { ageColumn, col, containersColumn, imagesColumn, nameColumn, selectorColumn } from './columns.js';
import { ageOf, defineKind, nameOf } from './define-kind.js';
import { defaultPodTemplateSpec } from './pod-defaults.js';
import {
  containerCells,
  selectorCell,
  validateSelectorAndTemplate,
  validateSelectorImmutable,
} from './workload-helpers.js';

/** apps/v1 ReplicaSet: replicas 1, template pod defaults; selector immutable. */
export const replicaSetStrategy = defineKind<ReplicaSet>({
  namespaced: true,
  defaults(rs) {
    rs.spec ??= { selector: {} };
    rs.spec.replicas ??= 1;
    defaultPodTemplateSpec(rs.spec.template);
  },
  validate(rs) {
    if (!rs.spec) return [fieldErrors.required('spec')];
    return [
      ...validateNonNegative('spec.replicas', rs.spec.replicas),
      ...validateNonNegative('spec.minReadySeconds', rs.spec.minReadySeconds),
      ...validateSelectorAndTemplate('replicaset', rs.spec.selector, rs.spec.template, 'spec'),
    ];
  },
  validateUpdate: (rs, old) => validateSelectorImmutable(rs.spec?.selector, old.spec?.selector, 'spec'),
  validateStatus: (rs) => {
    const s = rs.status ?? { replicas: 0 };
    const errs = (
      ['replicas', 'fullyLabeledReplicas', 'readyReplicas', 'availableReplicas', 'observedGeneration'] as const
    ).flatMap((k) => validateNonNegative(`status.${k}`, s[k]));
    if ((s.readyReplicas ?? 0) > s.replicas)
      errs.push(fieldErrors.invalid('status.readyReplicas', s.readyReplicas, 'cannot be greater than status.replicas'));
    if ((s.availableReplicas ?? 0) > (s.readyReplicas ?? 0))
      errs.push(
        fieldErrors.invalid('status.availableReplicas', s.availableReplicas, 'cannot be greater than readyReplicas'),
      );
    return errs;
  },
  columns: [
    nameColumn(),
    col('Desired', 'integer', 'Replicas is the number of desired pods.'),
    col('Current', 'integer', 'Replicas is the most recently observed number of replicas.'),
    col('Ready', 'integer', 'readyReplicas is the number of pods targeted by this ReplicaSet with a Ready Condition.'),
    ageColumn(),
    containersColumn(),
    imagesColumn(),
    selectorColumn('Selector is a label query over pods that should match the replica count.'),
  ],
  row(rs, now) {
    const [names, images] = containerCells(rs.spec?.template?.spec?.containers);
    return [
      nameOf(rs),
      rs.spec?.replicas ?? 0,
      rs.status?.replicas ?? 0,
      rs.status?.readyReplicas ?? 0,
      ageOf(rs, now),
      names,
      images,
      selectorCell(rs.spec?.selector),
    ];
  },
  selectableFields: (rs) => ({ 'status.replicas': String(rs.status?.replicas ?? 0) }),
});
