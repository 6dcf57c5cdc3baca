import type { ResourceRequirements } from 'kubernetes-types/core/v1.js';
import { fieldErrors, type FieldError } from '../errors.js';
import { isQualifiedName } from './names.js';
import { parseQuantity, QUANTITY_ERROR } from './quantity.js';

const STANDARD_CONTAINER_RESOURCES = ['cpu', 'memory', 'ephemeral-storage'];

function validateResourceName(name: string, field: string): FieldError[] {
  const errs = isQualifiedName(name).map((m) => fieldErrors.invalid(field, name, m));
  if (errs.length) return errs;
  if (!name.includes('/') && !STANDARD_CONTAINER_RESOURCES.includes(name) && !name.startsWith('hugepages-')) {
    return [fieldErrors.invalid(field, name, 'must be a standard resource type or fully qualified')];
  }
  return [];
}

/** Container resources (ValidateResourceRequirements): names, quantities >= 0, requests <= limits. */
export function validateResourceRequirements(res: ResourceRequirements | undefined, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const limits = res?.limits ?? {};
  const requests = res?.requests ?? {};
  const check = (list: Record<string, string>, kind: 'limits' | 'requests'): void => {
    for (const [name, q] of Object.entries(list)) {
      const p = `${field}.${kind}[${name}]`;
      errs.push(...validateResourceName(name, p));
      const v = parseQuantity(q);
      if (v === undefined) errs.push(fieldErrors.invalid(p, q, QUANTITY_ERROR));
      else if (v < 0) errs.push(fieldErrors.invalid(p, q, 'must be greater than or equal to 0'));
    }
  };
  check(limits, 'limits');
  check(requests, 'requests');
  for (const [name, q] of Object.entries(requests)) {
    const lim = limits[name];
    if (lim === undefined) continue;
    const rv = parseQuantity(q);
    const lv = parseQuantity(lim);
    if (rv !== undefined && lv !== undefined && rv > lv) {
      errs.push(
        fieldErrors.invalid(`${field}.requests[${name}]`, q, `must be less than or equal to ${name} limit of ${lim}`),
      );
    }
    if (name.startsWith('hugepages-') && rv !== lv) {
      errs.push(fieldErrors.invalid(`${field}.requests[${name}]`, q, `must be equal to ${name} limit of ${lim}`));
    }
  }
  return errs;
}
