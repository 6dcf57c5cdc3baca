import { fieldErrors, type FieldError } from '../errors.js';
import { invalidEach, deepEqual } from '../validation/field.js';
import { isConfigMapKey } from '../validation/names.js';
import { more } from '../validation/field.js';

/** Max total size of a ConfigMap's or Secret's data, 1 MiB. */
export const MAX_CONFIG_SIZE = 1024 * 1024;

/** Key checks for `data`-like maps (ConfigMap data/binaryData, Secret data). */
export function validateDataKeys(data: Record<string, string> | undefined, field: string): FieldError[] {
  return Object.keys(data ?? {}).flatMap((k) => invalidEach(`${field}[${k}]`, k, isConfigMapKey(k)));
}

/** The `immutable: true` rule: data and the flag itself may not change afterwards. */
export function validateImmutableData(
  obj: { immutable?: boolean; data?: unknown; binaryData?: unknown },
  old: { immutable?: boolean; data?: unknown; binaryData?: unknown },
): FieldError[] {
  if (!old.immutable) return [];
  const errs: FieldError[] = [];
  if (!obj.immutable) errs.push(fieldErrors.forbidden('immutable', 'field is immutable when `immutable` is set'));
  if (!deepEqual(obj.data ?? {}, old.data ?? {}))
    errs.push(fieldErrors.forbidden('data', 'field is immutable when `immutable` is set'));
  if (!deepEqual(obj.binaryData ?? {}, old.binaryData ?? {}))
    errs.push(fieldErrors.forbidden('binaryData', 'field is immutable when `immutable` is set'));
  return errs;
}

export { more };
