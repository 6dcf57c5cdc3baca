/**
 * LimitRange checks as Kubernetes' ValidateLimitRange words them: per item, min <= defaultRequest
 * <= default <= max, maxLimitRequestRatio >= 1 and within max/min, no defaults for Pod items, a
 * storage min or max for PersistentVolumeClaim items, one item per type. Pure.
 */
import type { LimitRange } from 'kubernetes-types/core/v1.js';
import { fieldErrors, type FieldError } from '../errors.js';
import { cmpQuantity, countQuantity, formatQuantity, milliValue, parseExact, type Quantity } from './quantity.js';

export function validateLimitRangeSpec(lr: LimitRange): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  (lr.spec?.limits ?? []).forEach((item, i) => {
    const at = `spec.limits[${i}]`;
    if (seen.has(item.type)) errs.push(fieldErrors.duplicate(`${at}.type`, item.type));
    seen.add(item.type);
    const lists: Record<string, Record<string, Quantity>> = {};
    for (const field of ['max', 'min', 'default', 'defaultRequest', 'maxLimitRequestRatio'] as const) {
      const parsed: Record<string, Quantity> = {};
      for (const [k, v] of Object.entries(item[field] ?? {})) {
        const q = parseExact(v);
        if (q) parsed[k] = q;
        else errs.push(fieldErrors.invalid(`${at}.${field}[${k}]`, v, 'must be a quantity'));
      }
      lists[field] = parsed;
    }
    if (item.type === 'Pod') {
      if (Object.keys(item.default ?? {}).length > 0)
        errs.push(fieldErrors.forbidden(`${at}.default`, "may not be specified when `type` is 'Pod'"));
      if (Object.keys(item.defaultRequest ?? {}).length > 0)
        errs.push(fieldErrors.forbidden(`${at}.defaultRequest`, "may not be specified when `type` is 'Pod'"));
    }
    if (item.type === 'PersistentVolumeClaim' && !item.min?.storage && !item.max?.storage)
      errs.push(
        fieldErrors.required(
          `${at}.limits`,
          'either minimum or maximum storage value is required, but neither was provided',
        ),
      );
    const { max, min, default: def, defaultRequest: defReq, maxLimitRequestRatio: ratio } = lists;
    const keys = new Set(Object.values(lists).flatMap((l) => Object.keys(l)));
    const s = formatQuantity;
    for (const k of [...keys].sort()) {
      if (min[k] && max[k] && cmpQuantity(min[k], max[k]) > 0)
        errs.push(
          fieldErrors.invalid(
            `${at}.min[${k}]`,
            s(min[k]),
            `min value ${s(min[k])} is greater than max value ${s(max[k])}`,
          ),
        );
      if (defReq[k] && min[k] && cmpQuantity(min[k], defReq[k]) > 0)
        errs.push(
          fieldErrors.invalid(
            `${at}.defaultRequest[${k}]`,
            s(defReq[k]),
            `min value ${s(min[k])} is greater than default request value ${s(defReq[k])}`,
          ),
        );
      if (defReq[k] && max[k] && cmpQuantity(defReq[k], max[k]) > 0)
        errs.push(
          fieldErrors.invalid(
            `${at}.defaultRequest[${k}]`,
            s(defReq[k]),
            `default request value ${s(defReq[k])} is greater than max value ${s(max[k])}`,
          ),
        );
      if (defReq[k] && def[k] && cmpQuantity(defReq[k], def[k]) > 0)
        errs.push(
          fieldErrors.invalid(
            `${at}.defaultRequest[${k}]`,
            s(defReq[k]),
            `default request value ${s(defReq[k])} is greater than default limit value ${s(def[k])}`,
          ),
        );
      if (def[k] && min[k] && cmpQuantity(min[k], def[k]) > 0)
        errs.push(
          fieldErrors.invalid(
            `${at}.default[${k}]`,
            s(min[k]),
            `min value ${s(min[k])} is greater than default value ${s(def[k])}`,
          ),
        );
      if (def[k] && max[k] && cmpQuantity(def[k], max[k]) > 0)
        errs.push(
          fieldErrors.invalid(
            `${at}.default[${k}]`,
            s(max[k]),
            `default value ${s(def[k])} is greater than max value ${s(max[k])}`,
          ),
        );
      if (ratio[k] && cmpQuantity(ratio[k], countQuantity(1)) < 0)
        errs.push(
          fieldErrors.invalid(`${at}.maxLimitRequestRatio[${k}]`, s(ratio[k]), `ratio ${s(ratio[k])} is less than 1`),
        );
      if (ratio[k] && min[k] && max[k] && milliValue(min[k]) > 0) {
        const limit = milliValue(max[k]) / milliValue(min[k]);
        if (milliValue(ratio[k]) / 1000 > limit)
          errs.push(
            fieldErrors.invalid(
              `${at}.maxLimitRequestRatio[${k}]`,
              s(ratio[k]),
              `ratio ${s(ratio[k])} is greater than max/min = ${limit.toFixed(6)}`,
            ),
          );
      }
    }
  });
  return errs;
}
