import type { ObjectMeta } from 'kubernetes-types/meta/v1.js';

/** ObjectMeta as the server handles it: the server writes uid, resourceVersion, timestamps. */
export type MutableObjectMeta = { -readonly [K in keyof ObjectMeta]: ObjectMeta[K] };

/** Any Kubernetes object as stored and served: typed metadata, the rest kind-specific. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: MutableObjectMeta;
  [field: string]: unknown;
}

/** Group, version and kind, e.g. {group: 'apps', version: 'v1', kind: 'Deployment'}; group '' is core. */
export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

export function apiVersionOf(group: string, version: string): string {
  return group === '' ? version : `${group}/${version}`;
}

export function parseApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf('/');
  return slash < 0
    ? { group: '', version: apiVersion }
    : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}
