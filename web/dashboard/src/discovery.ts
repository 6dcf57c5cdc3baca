/** The resource kinds the server serves, from aggregated discovery (custom resources included). */
import { getJson } from './api';

export interface ResourceKind {
  group: string;
  version: string;
  resource: string;
  kind: string;
  namespaced: boolean;
  verbs: string[];
}

interface DiscoveryList {
  items?: {
    metadata?: { name?: string };
    versions?: {
      version: string;
      resources?: {
        resource: string;
        responseKind?: { kind?: string };
        scope?: string;
        verbs?: string[];
      }[];
    }[];
  }[];
}

const AGGREGATED = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json';

/** Every listable resource at its group's preferred (first) version, sorted by group then name. */
export async function discoverResources(): Promise<ResourceKind[]> {
  const [core, groups] = await Promise.all([
    getJson<DiscoveryList>('/api', AGGREGATED),
    getJson<DiscoveryList>('/apis', AGGREGATED),
  ]);
  const out: ResourceKind[] = [];
  for (const g of [...(core.items ?? []), ...(groups.items ?? [])]) {
    const v = g.versions?.[0];
    if (!v) continue;
    for (const r of v.resources ?? []) {
      const verbs = r.verbs ?? [];
      if (!verbs.includes('list')) continue;
      out.push({
        group: g.metadata?.name ?? '',
        version: v.version,
        resource: r.resource,
        kind: r.responseKind?.kind ?? r.resource,
        namespaced: r.scope === 'Namespaced',
        verbs,
      });
    }
  }
  return out.sort((a, b) => a.group.localeCompare(b.group) || a.resource.localeCompare(b.resource));
}

/** The API path of a resource (optionally in a namespace, optionally one object). */
export function resourcePath(
  k: Pick<ResourceKind, 'group' | 'version' | 'resource'>,
  ns?: string,
  name?: string,
): string {
  const base = k.group === '' ? `/api/${k.version}` : `/apis/${k.group}/${k.version}`;
  const nsPart = ns ? `/namespaces/${encodeURIComponent(ns)}` : '';
  return `${base}${nsPart}/${k.resource}${name ? `/${encodeURIComponent(name)}` : ''}`;
}
