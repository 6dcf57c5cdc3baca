import type { ResourceQuota } from 'kubernetes-types/core/v1.js';
import { fieldErrors, type FieldError } from '../errors.js';
import { parseQuantity, QUANTITY_ERROR } from '../validation/quantity.js';
import { canonicalQuantity } from '../quota/quantity.js';
import { validateResourceQuotaSpec } from '../quota/quota-validation.js';
import { ageColumn, col, nameColumn } from './columns.js';
import { ageOf, defineKind, nameOf } from './define-kind.js';

function validateQuantities(list: Record<string, string> | undefined, field: string): FieldError[] {
  return Object.entries(list ?? {}).flatMap(([k, q]) => {
    const v = parseQuantity(q);
    if (v === undefined) return [fieldErrors.invalid(`${field}[${k}]`, q, QUANTITY_ERROR)];
    return v < 0 ? [fieldErrors.invalid(`${field}[${k}]`, q, 'must be greater than or equal to 0')] : [];
  });
}

/** core/v1 ResourceQuota: NAME AGE REQUEST LIMIT (`resource: used/hard`). */
export const resourceQuotaStrategy = defineKind<ResourceQuota>({
  namespaced: true,
  validate: (rq) => [...validateQuantities(rq.spec?.hard, 'spec.hard'), ...validateResourceQuotaSpec(rq)],
  validateStatus: (rq) => [
    ...validateQuantities(rq.status?.hard, 'status.hard'),
    ...validateQuantities(rq.status?.used, 'status.used'),
  ],
  columns: [
    nameColumn(),
    ageColumn(),
    col('Request', 'string', 'Request represents a minimum amount of cpu/memory that a container may consume.'),
    col(
      'Limit',
      'string',
      'Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.',
    ),
  ],
  row(rq, now) {
    // Kubernetes' printer walks status.hard (empty until the quota controller fills it) in name
    // order; limits.* names go to LIMIT, the others to REQUEST; a missing used value prints 0.
    const hard = rq.status?.hard ?? {};
    const used = rq.status?.used ?? {};
    const req: string[] = [];
    const lim: string[] = [];
    for (const name of Object.keys(hard).sort()) {
      const cell = `${name}: ${canonicalQuantity(used[name] ?? '0')}/${canonicalQuantity(hard[name])}`;
      (name.split('.')[0] === 'limits' && name.includes('.') ? lim : req).push(cell);
    }
    return [nameOf(rq), ageOf(rq, now), req.join(', '), lim.join(', ')];
  },
});
