import type { Container, PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import { fieldErrors, type FieldError } from '../errors.js';
import { goStringMap, more, validateImmutable } from '../validation/field.js';
import {
  formatLabelSelector,
  selectorIsEmpty,
  selectorMatches,
  validateLabelSelector,
} from '../validation/label-selector.js';
import { isPercent, PERCENT_ERROR } from '../validation/names.js';
import { validatePodTemplateSpec } from './pod-validation.js';

/** CONTAINERS and IMAGES cells (kubectl's layoutContainerCells): names and images joined by ','. */
export function containerCells(containers: Container[] | undefined): [string, string] {
  const list = containers ?? [];
  return [list.map((c) => c.name).join(','), list.map((c) => c.image ?? '').join(',')];
}

/** SELECTOR cell: the selector's string form, '' when it selects everything. */
export function selectorCell(sel: LabelSelector | undefined): string {
  const s = formatLabelSelector(sel);
  return s === '<none>' ? '' : s;
}

/** labels.FormatLabels: `a=b,c=d` sorted, `<none>` when empty. */
export function formatLabels(labels: Record<string, string> | undefined): string {
  const keys = Object.keys(labels ?? {}).sort();
  return keys.length === 0 ? '<none>' : keys.map((k) => `${k}=${labels?.[k]}`).join(',');
}

/**
 * Selector + template checks shared by Deployment, ReplicaSet, StatefulSet and DaemonSet:
 * selector required and non-empty, valid, matching the template's labels; template valid with
 * restartPolicy Always. `path` is `spec`.
 */
export function validateSelectorAndTemplate(
  kindLower: string,
  selector: LabelSelector | undefined,
  template: PodTemplateSpec | undefined,
  path: string,
  allowedRestart = ['Always'],
): FieldError[] {
  const errs: FieldError[] = [];
  if (!selector) errs.push(fieldErrors.required(`${path}.selector`));
  else {
    errs.push(...validateLabelSelector(selector, `${path}.selector`));
    if (selectorIsEmpty(selector))
      errs.push(fieldErrors.invalid(`${path}.selector`, selector, `empty selector is invalid for ${kindLower}`));
  }
  if (!template) {
    errs.push(fieldErrors.required(`${path}.template`));
    return errs;
  }
  if (selector && !selectorIsEmpty(selector) && !selectorMatches(selector, template.metadata?.labels)) {
    errs.push(
      more.invalidRendered(
        `${path}.template.metadata.labels`,
        goStringMap(template.metadata?.labels),
        '`selector` does not match template `labels`',
      ),
    );
  }
  errs.push(...validatePodTemplateSpec(template, `${path}.template`));
  const rp = template.spec?.restartPolicy;
  if (rp && !allowedRestart.includes(rp))
    errs.push(fieldErrors.notSupported(`${path}.template.spec.restartPolicy`, rp, allowedRestart));
  if (template.spec?.activeDeadlineSeconds !== undefined && allowedRestart.includes('Always')) {
    const owner = kindLower === 'statefulset' ? 'StatefulSet' : kindLower === 'daemonset' ? 'DaemonSet' : 'ReplicaSet';
    errs.push(
      fieldErrors.forbidden(
        `${path}.template.spec.activeDeadlineSeconds`,
        `activeDeadlineSeconds in ${owner} is not Supported`,
      ),
    );
  }
  return errs;
}

/** `spec.selector` must not change on update (apps/v1). */
export function validateSelectorImmutable(
  selector: LabelSelector | undefined,
  old: LabelSelector | undefined,
  path: string,
): FieldError[] {
  return validateImmutable(`${path}.selector`, selector, old);
}

/** IntOrString percent/absolute checks (ValidatePositiveIntOrPercent, IsNotMoreThan100Percent). */
export function validateIntOrPercent(value: number | string | undefined, field: string): FieldError[] {
  if (value === undefined) return [];
  if (typeof value === 'string') {
    if (!isPercent(value)) return [fieldErrors.invalid(field, value, PERCENT_ERROR)];
    if (Number(value.slice(0, -1)) > 100) return [fieldErrors.invalid(field, value, 'must not be greater than 100%')];
    return [];
  }
  return value < 0 ? [fieldErrors.invalid(field, value, 'must be greater than or equal to 0')] : [];
}

/** The numeric part of an int-or-percent (0 when absent). */
export const intOrPercentValue = (v: number | string | undefined): number =>
  typeof v === 'string' ? Number(v.replace('%', '')) || 0 : (v ?? 0);
