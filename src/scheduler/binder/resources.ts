import type { ResourceType } from '../../api/resource-type.js';
import { findResourceType } from '../../api/resource-types.js';
import type { ResourceRef } from '../../machinery/client/resource-path.js';

function must(group: string, version: string, plural: string): ResourceType {
  const rt = findResourceType(group, version, plural);
  if (!rt) throw new Error(`resource ${group}/${version}/${plural} is not served`);
  return rt;
}

export const PODS = must('', 'v1', 'pods');
export const NODES = must('', 'v1', 'nodes');
export const PRIORITY_CLASSES = must('scheduling.k8s.io', 'v1', 'priorityclasses');

/**
 * The path of one pod as a collection, so that `create(..., {subresource: 'binding'})` posts to
 * `pods/<name>/binding` (the client's create has no name argument). Pure.
 */
export function onePod(name: string): ResourceRef {
  return { group: '', version: 'v1', plural: `pods/${encodeURIComponent(name)}`, namespaced: true };
}
