import type { Namespace } from 'kubernetes-types/core/v1.js';
import { fieldErrors, type FieldError } from '../errors.js';
import { invalidEach, mutableOrInit, validateEnum } from '../validation/field.js';
import { isQualifiedName, nameIsDNSLabel } from '../validation/names.js';
import { ageColumn, col, nameColumn } from './columns.js';
import { ageOf, defineKind, nameOf } from './define-kind.js';

const STANDARD_FINALIZERS = ['kubernetes', 'orphan', 'foregroundDeletion'];

function validateSpecFinalizers(ns: Namespace): FieldError[] {
  return (ns.spec?.finalizers ?? []).flatMap((f, i) => {
    const field = `spec.finalizers[${i}]`;
    const errs = invalidEach(field, f, isQualifiedName(f));
    if (errs.length === 0 && !f.includes('/') && !STANDARD_FINALIZERS.includes(f)) {
      errs.push(fieldErrors.invalid(field, f, 'name is neither a standard finalizer name nor is it fully qualified'));
    }
    return errs;
  });
}

/** core/v1 Namespace: DNS-1123 label names; finalizer `kubernetes`, phase Active, label kubernetes.io/metadata.name. */
export const namespaceStrategy = defineKind<Namespace>({
  namespaced: false,
  nameValidator: nameIsDNSLabel,
  defaults(ns) {
    ns.spec ??= {};
    ns.spec.finalizers ??= ['kubernetes'];
    const status = mutableOrInit<{ phase?: string }>(ns, 'status');
    status.phase ||= 'Active';
    if (ns.metadata?.name)
      ns.metadata.labels = { ...(ns.metadata.labels ?? {}), 'kubernetes.io/metadata.name': ns.metadata.name };
  },
  validate: validateSpecFinalizers,
  validateStatus: (ns) => validateEnum('status.phase', ns.status?.phase, ['Active', 'Terminating'], false),
  columns: [nameColumn(), col('Status', 'string', 'The status of the namespace'), ageColumn()],
  row: (ns, now) => [nameOf(ns), ns.status?.phase ?? '', ageOf(ns, now)],
  selectableFields: (ns) => ({ 'status.phase': ns.status?.phase ?? '' }),
});
