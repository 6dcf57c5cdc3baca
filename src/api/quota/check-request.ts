/**
 * The ResourceQuota admission decision as a pure function (Kubernetes' CheckRequest in
 * apiserver/pkg/admission/plugin/resourcequota/controller.go): given a namespace's quotas and an
 * object about to be created or updated, either the new status.used of each quota the object
 * is charged to, or the 403 Kubernetes gives. The caller writes the new usage (with optimistic
 * concurrency) before the object is stored.
 */
import type { ResourceQuota } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../object.js';
import { errors, type ApiError } from '../errors.js';
import { quotaMatches, type QuotaEvaluator, type QuotaOperation } from './evaluators.js';
import {
  add,
  exceeded,
  mask,
  negativeNames,
  parseResourceList,
  prettyPrint,
  removeZeros,
  subtractNonNegative,
  type ResourceList,
} from './resource-list.js';

export interface QuotaRequest {
  operation: QuotaOperation;
  evaluator: QuotaEvaluator;
  obj: KubeObject;
  /** The stored object on update. */
  old?: KubeObject;
  /** `pods "web"` as the 403's message names the object: `<resource>[.<group>] "<name or generateName>"`. */
  subject: string;
  now: number;
}

/** The quotas whose status.used changes, by index into the input, with their new usage. */
export type QuotaCharges = Map<number, ResourceList>;

/** Kubernetes' admission.NewForbidden text: `<resource> "<name>" is forbidden: <reason>`. */
export function admissionForbidden(subject: string, reason: string): ApiError {
  return errors.forbidden(`${subject} is forbidden: ${reason}`);
}

/**
 * Checks one request against the quotas: returns the quotas' new usage (empty when none changes),
 * or throws the 403 (`exceeded quota: q, requested: configmaps=1, used: configmaps=1, limited:
 * configmaps=1`, `failed quota: q: must specify ...`, `status unknown for quota: q, resources: ...`).
 */
export function checkQuotaRequest(quotas: readonly ResourceQuota[], req: QuotaRequest): QuotaCharges {
  const { evaluator, obj, old } = req;
  const charges: QuotaCharges = new Map();
  if (!evaluator.handles(req.operation)) return charges;
  const interesting: number[] = [];
  quotas.forEach((q, i) => {
    if (!quotaMatches(q, evaluator, obj)) return;
    const hard = Object.keys(q.status?.hard ?? {});
    const restricted = evaluator.matchingResources(hard);
    const reason = evaluator.constraints?.(restricted, obj);
    if (reason) throw admissionForbidden(req.subject, `failed quota: ${q.metadata?.name}: ${reason}`);
    const used = q.status?.used ?? {};
    const unknown = restricted.filter((r) => !(r in used));
    if (unknown.length > 0)
      throw admissionForbidden(
        req.subject,
        `status unknown for quota: ${q.metadata?.name}, resources: ${[...restricted].sort().join(',')}`,
      );
    interesting.push(i);
  });
  if (interesting.length === 0) return charges;

  const usage = evaluator.usage(obj, req.now);
  const negative = negativeNames(usage);
  if (negative.length > 0)
    throw admissionForbidden(req.subject, `quota usage is negative for resource(s): ${negative.join(',')}`);

  const deltas = new Map<number, ResourceList>(interesting.map((i) => [i, usage]));
  if (req.operation === 'update' && old) {
    // Charge an update by what it adds, to the quotas that already counted the old object.
    const delta = subtractNonNegative(usage, evaluator.usage(old, req.now));
    for (const i of interesting) if (quotaMatches(quotas[i], evaluator, old)) deltas.set(i, delta);
  }

  for (const i of interesting) {
    const delta = removeZeros(deltas.get(i) ?? {});
    if (Object.keys(delta).length === 0) continue;
    const q = quotas[i];
    const hard = parseResourceList(q.status?.hard);
    const used = parseResourceList(q.status?.used);
    const requested = mask(delta, Object.keys(hard));
    if (Object.keys(requested).length === 0) continue;
    const newUsed = add(used, requested);
    const over = exceeded(mask(newUsed, Object.keys(requested)), hard);
    if (over.length > 0) {
      throw admissionForbidden(
        req.subject,
        `exceeded quota: ${q.metadata?.name}, requested: ${prettyPrint(mask(requested, over))}, used: ${prettyPrint(mask(used, over))}, limited: ${prettyPrint(mask(hard, over))}`,
      );
    }
    charges.set(i, newUsed);
  }
  return charges;
}
