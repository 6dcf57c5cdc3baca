import type { ControllerRevision } from 'kubernetes-types/apps/v1.js';
import { fieldErrors } from '../errors.js';
import { validateImmutable, validateNonNegative } from '../validation/field.js';
import { parseApiVersion } from '../object.js';
import { ageColumn, col, nameColumn } from './columns.js';
import { ageOf, defineKind, nameOf } from './define-kind.js';

/** apps/v1 ControllerRevision: data is immutable; CONTROLLER shows `kind.group/name` of the controller owner. */
export const controllerRevisionStrategy = defineKind<ControllerRevision>({
  namespaced: true,
  validate: (cr) => [
    ...validateNonNegative('revision', cr.revision),
    ...(cr.revision === undefined ? [fieldErrors.required('revision')] : []),
  ],
  validateUpdate: (cr, old) => validateImmutable('data', cr.data, old.data),
  columns: [
    nameColumn(),
    col('Controller', 'string', 'Controller of the object'),
    col('Revision', 'integer', 'Revision indicates the revision of the state represented by Data.'),
    ageColumn(),
  ],
  row(cr, now) {
    const ref = (cr.metadata?.ownerReferences ?? []).find((r) => r.controller);
    let controller = '<none>';
    if (ref) {
      const { group } = parseApiVersion(ref.apiVersion);
      controller = `${(group ? `${ref.kind}.${group}` : ref.kind).toLowerCase()}/${ref.name}`;
    }
    return [nameOf(cr), controller, cr.revision ?? 0, ageOf(cr, now)];
  },
});
