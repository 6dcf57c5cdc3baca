import { fieldErrors, type FieldError } from '../errors.js';
import { isQualifiedName, isValidLabelValue } from './names.js';
import { invalidEach, more } from './field.js';

/** Total size limit of metadata.annotations (keys plus values), 256 KiB. */
export const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

/** Label keys must be qualified names, values valid label values (ValidateLabels). */
export function validateLabels(labels: Record<string, string> | undefined, field: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(labels ?? {})) {
    errs.push(...invalidEach(field, k, isQualifiedName(k)));
    errs.push(...invalidEach(field, v, isValidLabelValue(String(v))));
  }
  return errs;
}

/** Annotation keys must be qualified names (case-insensitively); total size at most 256 KiB. */
export function validateAnnotations(annotations: Record<string, string> | undefined, field: string): FieldError[] {
  const errs: FieldError[] = [];
  let total = 0;
  for (const [k, v] of Object.entries(annotations ?? {})) {
    errs.push(...invalidEach(field, k, isQualifiedName(k.toLowerCase())));
    total += Buffer.byteLength(k) + Buffer.byteLength(String(v));
  }
  if (total > TOTAL_ANNOTATION_SIZE_LIMIT) errs.push(more.tooLongBytes(field, TOTAL_ANNOTATION_SIZE_LIMIT));
  return errs;
}

/** Whether every key/value of `selector` is in `labels` (an empty selector matches everything). */
export function labelsMatch(
  selector: Record<string, string> | undefined,
  labels: Record<string, string> | undefined,
): boolean {
  return Object.entries(selector ?? {}).every(([k, v]) => labels?.[k] === v);
}

export { fieldErrors };
