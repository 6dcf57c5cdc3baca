import type { ResourceType } from '../../api/resource-type.js';

/** What the client needs to know about a resource: where it lives in the URL space. */
export type ResourceRef = Pick<ResourceType, 'group' | 'version' | 'plural' | 'namespaced'>;

/**
 * The REST path of a collection (name undefined) or one object, optionally a subresource:
 * `/api/v1/namespaces/ns/pods/p/status`, `/apis/apps/v1/deployments` (all namespaces).
 * A cluster-scoped resource ignores `namespace`. Names are URL-encoded. Pure.
 */
export function resourcePath(
  rt: ResourceRef,
  namespace: string | undefined,
  name?: string,
  subresource?: string,
): string {
  let p = rt.group === '' ? `/api/${rt.version}` : `/apis/${rt.group}/${rt.version}`;
  if (rt.namespaced && namespace) p += `/namespaces/${encodeURIComponent(namespace)}`;
  p += `/${rt.plural}`;
  if (name !== undefined) p += `/${encodeURIComponent(name)}`;
  if (subresource) p += `/${subresource}`;
  return p;
}

/** `?a=1&b=2` from the defined entries (empty string when none). Pure. */
export function queryString(params: Record<string, string | number | boolean | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}
