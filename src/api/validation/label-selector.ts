import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import { fieldErrors, type FieldError } from '../errors.js';
import { isQualifiedName, isValidLabelValue } from './names.js';
import { invalidEach } from './field.js';
import { validateLabels } from './labels.js';

const OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist'];

/** metav1 LabelSelector validation (ValidateLabelSelector) at `field`, e.g. `spec.selector`. */
export function validateLabelSelector(sel: LabelSelector | undefined, field: string): FieldError[] {
  if (!sel) return [];
  const errs = validateLabels(sel.matchLabels, `${field}.matchLabels`);
  (sel.matchExpressions ?? []).forEach((req, i) => {
    const p = `${field}.matchExpressions[${i}]`;
    const values = req.values ?? [];
    switch (req.operator) {
      case 'In':
      case 'NotIn':
        if (values.length === 0)
          errs.push(fieldErrors.required(`${p}.values`, "must be specified when `operator` is 'In' or 'NotIn'"));
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (values.length > 0)
          errs.push(
            fieldErrors.forbidden(`${p}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"),
          );
        break;
      default:
        errs.push(fieldErrors.invalid(`${p}.operator`, req.operator, 'not a valid selector operator'));
    }
    errs.push(...invalidEach(`${p}.key`, req.key, isQualifiedName(req.key ?? '')));
    for (const [j, v] of values.entries()) errs.push(...invalidEach(`${p}.values[${j}]`, v, isValidLabelValue(v)));
  });
  return errs;
}

/** Whether `labels` satisfy the selector; an empty (non-nil) selector matches everything. */
export function selectorMatches(sel: LabelSelector, labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {};
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (l[k] !== v) return false;
  for (const req of sel.matchExpressions ?? []) {
    const has = Object.hasOwn(l, req.key);
    const vals = req.values ?? [];
    if (req.operator === 'In' && !(has && vals.includes(l[req.key]))) return false;
    if (req.operator === 'NotIn' && has && vals.includes(l[req.key])) return false;
    if (req.operator === 'Exists' && !has) return false;
    if (req.operator === 'DoesNotExist' && has) return false;
    if (!OPERATORS.includes(req.operator)) return false;
  }
  return true;
}

/** Whether the selector selects nothing in particular (no matchLabels and no matchExpressions). */
export function selectorIsEmpty(sel: LabelSelector): boolean {
  return Object.keys(sel.matchLabels ?? {}).length === 0 && (sel.matchExpressions ?? []).length === 0;
}

/** kubectl's string form (metav1.FormatLabelSelector): `app=web,tier in (a,b)`, `<none>` when empty. */
export function formatLabelSelector(sel: LabelSelector | undefined): string {
  if (!sel) return '<none>';
  const parts: Array<[string, string]> = [];
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) parts.push([k, `${k}=${v}`]);
  for (const req of sel.matchExpressions ?? []) {
    const vals = [...(req.values ?? [])].sort().join(',');
    if (req.operator === 'In') parts.push([req.key, `${req.key} in (${vals})`]);
    else if (req.operator === 'NotIn') parts.push([req.key, `${req.key} notin (${vals})`]);
    else if (req.operator === 'Exists') parts.push([req.key, req.key]);
    else if (req.operator === 'DoesNotExist') parts.push([req.key, `!${req.key}`]);
  }
  const s = parts
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map((p) => p[1])
    .join(',');
  return s === '' ? '<none>' : s;
}
