import { fieldErrors, MAX_SHOWN_VALUE_CHARS, shownValue, type FieldError } from '../errors.js';

/**
 * Field-error helpers beyond `fieldErrors` in errors.ts, and small readers of untyped values.
 * Messages follow k8s.io/apimachinery/pkg/util/validation/field.
 */
export const more = {
  /** `Not found: "x"` (FieldValueNotFound). */
  notFound: (field: string, value: unknown): FieldError => ({
    field,
    reason: 'FieldValueNotFound',
    message: `Not found: ${shownValue(value)}`,
  }),
  /** Like fieldErrors.invalid, but with the value already rendered (e.g. Go's `map[string]string{...}`). */
  invalidRendered: (field: string, rendered: string, detail: string): FieldError => ({
    field,
    reason: 'FieldValueInvalid',
    message: `Invalid value: ${rendered.length > MAX_SHOWN_VALUE_CHARS ? `${rendered.slice(0, MAX_SHOWN_VALUE_CHARS)}... (truncated from ${rendered.length} characters)` : rendered}: ${detail}`,
  }),
  /** `Too long: must have at most N bytes` (annotations). */
  tooLongBytes: (field: string, max: number): FieldError => ({
    field,
    reason: 'FieldValueTooLong',
    message: `Too long: must have at most ${max} bytes`,
  }),
  /** `Too many: N: must have at most M items`. */
  tooMany: (field: string, actual: number, max: number): FieldError => ({
    field,
    reason: 'FieldValueTooMany',
    message: `Too many: ${actual}: must have at most ${max} items`,
  }),
  immutable: (field: string, value: unknown): FieldError => fieldErrors.invalid(field, value, 'field is immutable'),
};

/** One `invalid` error per message of an `is*` check (Kubernetes reports each separately). */
export function invalidEach(field: string, value: unknown, messages: string[]): FieldError[] {
  return messages.map((m) => fieldErrors.invalid(field, value, m));
}

/** Go's rendering of a map[string]string, as Kubernetes prints it in some messages. */
export function goStringMap(m: Record<string, string> | undefined): string {
  const keys = Object.keys(m ?? {}).sort();
  return `map[string]string{${keys.map((k) => `${JSON.stringify(k)}:${JSON.stringify(m?.[k])}`).join(', ')}}`;
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Deep structural equality of JSON values (key order ignored). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isRecord(a) && isRecord(b)) {
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    return ka.length === kb.length && ka.every((k) => deepEqual(a[k], b[k]));
  }
  return false;
}

/** Errors for a field that must not change on update (absent and undefined count as equal). */
export function validateImmutable(field: string, value: unknown, old: unknown): FieldError[] {
  return deepEqual(value, old) ? [] : [more.immutable(field, value ?? null)];
}

/** `must be greater than or equal to 0` check of an optional integer. */
export function validateNonNegative(field: string, value: number | undefined): FieldError[] {
  return value !== undefined && value < 0
    ? [fieldErrors.invalid(field, value, 'must be greater than or equal to 0')]
    : [];
}

/** `must be greater than 0` check of an optional integer. */
export function validatePositive(field: string, value: number | undefined): FieldError[] {
  return value !== undefined && value <= 0 ? [fieldErrors.invalid(field, value, 'must be greater than 0')] : [];
}

/** Enum check: `Unsupported value` unless value is one of allowed; `Required value` when empty and required. */
export function validateEnum(
  field: string,
  value: string | undefined,
  allowed: string[],
  required = true,
): FieldError[] {
  if (value === undefined || value === '') return required ? [fieldErrors.required(field)] : [];
  return allowed.includes(value) ? [] : [fieldErrors.notSupported(field, value, allowed)];
}

/** The object at `obj[key]`, created as {} when absent (for fields typed read-only such as `status`). */
export function mutableOrInit<T extends object>(obj: unknown, key: string): T {
  const rec = obj as Record<string, unknown>;
  if (!isRecord(rec[key])) rec[key] = {};
  return rec[key] as T;
}
