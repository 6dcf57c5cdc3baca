/**
 * ResourceQuota scope checks as Kubernetes' ValidateResourceQuota words them: known scopes, scopes
 * that fit the limited resources (BestEffort only counts pods; the other pod scopes pods and
 * compute), no conflicting pairs, scopeSelector operators and values. Pure.
 */
import type { ResourceQuota } from 'kubernetes-types/core/v1.js';
import { fieldErrors, type FieldError } from '../errors.js';

const SCOPES = [
  'Terminating',
  'NotTerminating',
  'BestEffort',
  'NotBestEffort',
  'PriorityClass',
  'CrossNamespacePodAffinity',
];
const EXISTS_ONLY = ['BestEffort', 'NotBestEffort', 'Terminating', 'NotTerminating', 'CrossNamespacePodAffinity'];
const POD_COMPUTE = ['cpu', 'memory', 'limits.cpu', 'limits.memory', 'requests.cpu', 'requests.memory'];
/** helper.IsStandardQuotaResourceName: only these are checked against scopes. */
const STANDARD = new Set([
  ...POD_COMPUTE,
  'ephemeral-storage',
  'requests.storage',
  'requests.ephemeral-storage',
  'limits.ephemeral-storage',
  'pods',
  'resourcequotas',
  'services',
  'replicationcontrollers',
  'secrets',
  'persistentvolumeclaims',
  'configmaps',
  'services.nodeports',
  'services.loadbalancers',
]);
const CONFLICTS = [
  ['BestEffort', 'NotBestEffort'],
  ['Terminating', 'NotTerminating'],
];

function scopeFits(scope: string, resource: string): boolean {
  if (!STANDARD.has(resource) && !resource.startsWith('hugepages-') && !resource.startsWith('requests.hugepages-'))
    return true;
  if (scope === 'BestEffort') return resource === 'pods';
  if (SCOPES.includes(scope)) return resource === 'pods' || POD_COMPUTE.includes(resource);
  return true;
}

export function validateResourceQuotaSpec(rq: ResourceQuota): FieldError[] {
  const errs: FieldError[] = [];
  const hard = Object.keys(rq.spec?.hard ?? {}).sort();
  const scopes = rq.spec?.scopes ?? [];
  for (const scope of scopes) {
    if (!SCOPES.includes(scope)) errs.push(fieldErrors.invalid('spec.scopes', scopes, 'unsupported scope'));
    if (hard.some((r) => !scopeFits(scope, r)))
      errs.push(fieldErrors.invalid('spec.scopes', scopes, 'unsupported scope applied to resource'));
  }
  for (const pair of CONFLICTS)
    if (pair.every((s) => scopes.includes(s)))
      errs.push(fieldErrors.invalid('spec.scopes', scopes, 'conflicting scopes'));

  const selector = rq.spec?.scopeSelector;
  const at = 'spec.scopeSelector.matchExpressions';
  const names: string[] = [];
  for (const req of selector?.matchExpressions ?? []) {
    names.push(req.scopeName);
    if (!SCOPES.includes(req.scopeName))
      errs.push(fieldErrors.invalid(`${at}.scopeName`, req.scopeName, 'unsupported scope'));
    if (hard.some((r) => !scopeFits(req.scopeName, r)))
      errs.push(fieldErrors.invalid(at, selector, 'unsupported scope applied to resource'));
    if (EXISTS_ONLY.includes(req.scopeName) && req.operator !== 'Exists')
      errs.push(
        fieldErrors.invalid(
          `${at}.operator`,
          req.operator,
          "must be 'Exist' when scope is any of ResourceQuotaScopeTerminating, ResourceQuotaScopeNotTerminating, ResourceQuotaScopeBestEffort, ResourceQuotaScopeNotBestEffort or ResourceQuotaScopeCrossNamespacePodAffinity",
        ),
      );
    const values = req.values ?? [];
    if (req.operator === 'In' || req.operator === 'NotIn') {
      if (values.length === 0)
        errs.push(
          fieldErrors.required(
            `${at}.values`,
            "must be at least one value when `operator` is 'In' or 'NotIn' for scope selector",
          ),
        );
    } else if (req.operator === 'Exists' || req.operator === 'DoesNotExist') {
      if (values.length > 0)
        errs.push(
          fieldErrors.invalid(
            `${at}.values`,
            values,
            "must be no value when `operator` is 'Exist' or 'DoesNotExist' for scope selector",
          ),
        );
    } else errs.push(fieldErrors.invalid(`${at}.operator`, req.operator, 'not a valid selector operator'));
  }
  for (const pair of CONFLICTS)
    if (pair.every((s) => names.includes(s))) errs.push(fieldErrors.invalid(at, selector, 'conflicting scopes'));
  return errs;
}
