/**
 * A ResourceQuota's status as the quota controller computes it (syncResourceQuota and
 * quota.CalculateUsage): status.hard is spec.hard, status.used the usage of every object in the
 * namespace that the quota counts, for exactly the hard names. Pure: the objects come from the caller.
 */
import type { ResourceQuota, ResourceQuotaStatus } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../object.js';
import { evaluatorFor, resourcesLimitedBy, scopeSelectorsOf } from './evaluators.js';
import { ZERO } from './quantity.js';
import { add, formatResourceList, mask, parseResourceList, type ResourceList } from './resource-list.js';

/** The objects of a resource in the quota's namespace, or undefined when that resource is not known (its usage is left as it was). */
export type ListObjects = (group: string, resource: string) => readonly KubeObject[] | undefined;

/** The usage of the namespace's objects for a quota's hard names and scopes (quota.CalculateUsage). */
export function calculateUsage(quota: ResourceQuota, list: ListObjects, now: number): ResourceList {
  const hardNames = Object.keys(quota.spec?.hard ?? {});
  const scopes = scopeSelectorsOf(quota);
  let used: ResourceList = {};
  for (const { group, resource } of resourcesLimitedBy(hardNames)) {
    const evaluator = evaluatorFor(group, resource);
    const matched = evaluator.matchingResources(hardNames);
    const objects = list(group, resource);
    if (matched.length === 0 || !objects) continue;
    let sum: ResourceList = Object.fromEntries(matched.map((n) => [n, ZERO]));
    for (const obj of objects) {
      if (!scopes.every((s) => evaluator.matchesScope(s, obj))) continue;
      sum = add(sum, evaluator.usage(obj, now));
    }
    used = add(used, mask(sum, matched));
  }
  return used;
}

/**
 * The status a quota should have: hard = spec.hard (canonical text), used = the previous used
 * overwritten by the calculated usage, masked to the hard names. Pure.
 */
export function quotaStatus(quota: ResourceQuota, list: ListObjects, now: number): ResourceQuotaStatus {
  const hard = parseResourceList(quota.spec?.hard);
  const previous = parseResourceList(quota.status?.used);
  const used = mask({ ...previous, ...calculateUsage(quota, list, now) }, Object.keys(hard));
  return { hard: formatResourceList(hard), used: formatResourceList(used) };
}
