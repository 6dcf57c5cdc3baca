import type { ResourceType } from '../api/resource-type.js';
import { RESOURCE_TYPES } from '../api/resource-types.js';
import { subresourcesOf } from './rest/subresources.js';

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

/** Extra API groups served by other parts of the server (metrics) are added with `extraGroups`. */
export interface ExtraResource extends ResourceType {
  verbs: string[];
}

/** The discovery documents, computed once: legacy (/api, /apis, /api/v1 ...) and aggregated (v2, v2beta1). */
export class Discovery {
  private readonly groups: { name: string; versions: string[] }[] = [];
  private readonly byGroupVersion = new Map<string, (ResourceType & { verbs?: string[] })[]>();
  private readonly cache = new Map<string, string>();

  constructor(types: (ResourceType & { verbs?: string[] })[] = RESOURCE_TYPES) {
    for (const rt of types) {
      let g = this.groups.find((x) => x.name === rt.group);
      if (!g) {
        g = { name: rt.group, versions: [] };
        this.groups.push(g);
      }
      if (!g.versions.includes(rt.version)) g.versions.push(rt.version);
      const gv = gvKey(rt.group, rt.version);
      if (!this.byGroupVersion.has(gv)) this.byGroupVersion.set(gv, []);
      this.byGroupVersion.get(gv)?.push(rt);
    }
  }

  /** `GET /api`: the core group's versions. */
  apiVersions(): string {
    return this.memo('api', () => ({
      kind: 'APIVersions',
      versions: ['v1'],
      serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '' }],
    }));
  }

  /** `GET /apis`: every named group. */
  apiGroupList(): string {
    return this.memo('apis', () => ({
      kind: 'APIGroupList',
      apiVersion: 'v1',
      groups: this.groups.filter((g) => g.name !== '').map((g) => groupJson(g)),
    }));
  }

  /** `GET /apis/<group>` or undefined if not served. */
  apiGroup(name: string): string | undefined {
    const g = this.groups.find((x) => x.name === name && name !== '');
    if (!g) return undefined;
    return this.memo(`group:${name}`, () => ({ kind: 'APIGroup', apiVersion: 'v1', ...groupJson(g) }));
  }

  /** `GET /api/v1` or `/apis/<group>/<version>`: APIResourceList, or undefined. */
  resourceList(group: string, version: string): string | undefined {
    const types = this.byGroupVersion.get(gvKey(group, version));
    if (!types) return undefined;
    return this.memo(`rl:${group}/${version}`, () => {
      const resources: Record<string, unknown>[] = [];
      for (const rt of types) {
        resources.push(
          withOptional(
            {
              name: rt.plural,
              singularName: rt.singular,
              namespaced: rt.namespaced,
              kind: rt.kind,
              verbs: rt.verbs ?? VERBS,
              storageVersionHash: hash(`${rt.group}/${rt.storageApiVersion}/${rt.kind}`),
            },
            { shortNames: rt.shortNames, categories: rt.categories },
          ),
        );
        for (const [sub, s] of Object.entries(subresourcesOf(rt))) {
          const k = s.kind(rt);
          resources.push({
            name: `${rt.plural}/${sub}`,
            singularName: '',
            namespaced: rt.namespaced,
            ...(k.group !== rt.group || k.version !== rt.version ? { group: k.group, version: k.version } : {}),
            kind: k.kind,
            verbs: s.verbs,
          });
        }
      }
      return {
        kind: 'APIResourceList',
        apiVersion: 'v1',
        groupVersion: group ? `${group}/${version}` : version,
        resources,
      };
    });
  }

  /** Aggregated discovery for `/api` (core) or `/apis` (named groups), as apidiscovery.k8s.io `version` (v2 or v2beta1). */
  aggregated(core: boolean, version: 'v2' | 'v2beta1'): string {
    return this.memo(`agg:${core}:${version}`, () => ({
      kind: 'APIGroupDiscoveryList',
      apiVersion: `apidiscovery.k8s.io/${version}`,
      metadata: {},
      items: this.groups
        .filter((g) => (g.name === '') === core)
        .map((g) => ({
          metadata: { name: g.name, creationTimestamp: null },
          versions: g.versions.map((v) => ({
            version: v,
            freshness: 'Current',
            resources: (this.byGroupVersion.get(gvKey(g.name, v)) ?? []).map((rt) =>
              withOptional(
                {
                  resource: rt.plural,
                  singularResource: rt.singular,
                  responseKind: { group: rt.group, version: rt.version, kind: rt.kind },
                  scope: rt.namespaced ? 'Namespaced' : 'Cluster',
                  verbs: rt.verbs ?? VERBS,
                },
                {
                  shortNames: rt.shortNames,
                  categories: rt.categories,
                  subresources: Object.entries(subresourcesOf(rt)).map(([sub, s]) => ({
                    subresource: sub,
                    responseKind: s.kind(rt),
                    verbs: s.verbs,
                  })),
                },
              ),
            ),
          })),
        })),
    }));
  }

  private memo(key: string, build: () => unknown): string {
    let v = this.cache.get(key);
    if (v === undefined) {
      v = JSON.stringify(build());
      this.cache.set(key, v);
    }
    return v;
  }
}

function groupJson(g: { name: string; versions: string[] }) {
  const versions = g.versions.map((v) => ({ groupVersion: `${g.name}/${v}`, version: v }));
  return { name: g.name, versions, preferredVersion: versions[0] };
}

function gvKey(group: string, version: string): string {
  return `${group}/${version}`;
}

function withOptional(base: Record<string, unknown>, optional: Record<string, unknown[]>): Record<string, unknown> {
  for (const [k, v] of Object.entries(optional)) if (v.length > 0) base[k] = v;
  return base;
}

function hash(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return Buffer.from(h.toString(16).padStart(8, '0')).toString('base64').slice(0, 11);
}
