import type { Secret, Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { Ingress, IngressBackend, IngressClass } from 'kubernetes-types/networking/v1.js';
import { ingressServedBy } from '../api/kinds/ingress-class.js';
import { buildGatewayModel, type GatewayInputs, type GatewayModel } from './gateway-model.js';
import type { BackendModel, CertModel, Endpoint } from './model-types.js';

export type { BackendModel, CertModel, Endpoint } from './model-types.js';

/**
 * What the node's L7 proxy serves, computed from the API objects. Pure: the HAProxy config and
 * the runtime server updates are rendered from it (haproxy-config.ts, server-slots.ts).
 */

export type MatchType = 'Exact' | 'Prefix';

/** One path rule under a host (or under no host). */
export interface PathRoute {
  /** Exact: the path equals; Prefix: element-wise prefix (`/foo` matches `/foo` and `/foo/x`, not `/foobar`). */
  match: MatchType;
  /** Normalised: Prefix paths without a trailing slash ('/' stays '/'). */
  path: string;
  backend: string;
}

/** The routes of one host: exact (`a.example`), wildcard (`*.example`, one label) or any (''). */
export interface HostRoutes {
  host: string;
  /** In match order: longest path first, Exact before Prefix on equal paths. */
  paths: PathRoute[];
}

export interface ProxyModel {
  /** Exact hosts, then wildcards (longest first), then the host-less rules. */
  hosts: HostRoutes[];
  /** The backend of requests no rule matches (the oldest Ingress's spec.defaultBackend); undefined: 404. */
  defaultBackend?: string;
  /** By name. */
  backends: Map<string, BackendModel>;
  certs: CertModel[];
  /** Gateway API listeners, routes and their backends (also in `backends`); empty without Gateways. */
  gateway?: GatewayModel;
}

export interface ModelInputs {
  ingresses: Ingress[];
  classes: IngressClass[];
  services: Service[];
  slices: EndpointSlice[];
  secrets: Secret[];
  /** The Gateway API objects; undefined: not served (no Gateway API CRDs, or not readable). */
  gateway?: GatewayInputs;
}

const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
const key = (ns: string | undefined, name: string | undefined) => `${ns ?? ''}/${name ?? ''}`;
const older = (a: Ingress, b: Ingress) =>
  (a.metadata?.creationTimestamp ?? '').localeCompare(b.metadata?.creationTimestamp ?? '') ||
  key(a.metadata?.namespace, a.metadata?.name).localeCompare(key(b.metadata?.namespace, b.metadata?.name));

/** `/foo/` and `/foo` are the same Prefix (Kubernetes matches path elements); '' is '/'. */
export function normalizePrefix(path: string): string {
  const p = path.replace(/\/+$/, '');
  return p === '' ? '/' : p;
}

/**
 * Whether a request path matches a rule, as Kubernetes defines it: Exact compares the whole path;
 * Prefix compares path elements split by '/', so `/foo` matches `/foo`, `/foo/` and `/foo/bar` but
 * not `/foobar`. The reference the HAProxy ACLs are tested against. Pure.
 */
export function pathMatches(rule: { match: MatchType; path: string }, requestPath: string): boolean {
  if (rule.match === 'Exact') return requestPath === rule.path;
  if (rule.path === '/') return true;
  return requestPath === rule.path || requestPath.startsWith(`${rule.path}/`);
}

/** Whether a request host (lower case, no port) matches a rule host ('' any, `*.x` one label then x). */
export function hostMatches(ruleHost: string, host: string): boolean {
  if (ruleHost === '') return true;
  if (!ruleHost.startsWith('*.')) return ruleHost === host;
  const suffix = ruleHost.slice(1);
  return host.endsWith(suffix) && host.length > suffix.length && !host.slice(0, -suffix.length).includes('.');
}

/**
 * Ready endpoints of a Service port: the slices' port whose name is the Service port's name;
 * serving-terminating ones when none is ready (a rollout's last pods keep answering). Sorted.
 */
export function sliceEndpoints(slices: EndpointSlice[], portName: string): Endpoint[] {
  const ready: Endpoint[] = [];
  const terminating: Endpoint[] = [];
  for (const s of slices) {
    if (s.addressType !== 'IPv4') continue;
    const port = (s.ports ?? []).find((p) => (p.name ?? '') === portName && (p.protocol ?? 'TCP') === 'TCP')?.port;
    if (port === undefined) continue;
    for (const e of s.endpoints ?? []) {
      const c = e.conditions ?? {};
      const list = c.ready !== false ? ready : c.serving && c.terminating ? terminating : undefined;
      for (const ip of e.addresses ?? []) list?.push({ ip, port });
    }
  }
  const out = ready.length ? ready : terminating;
  const seen = new Set<string>();
  return out
    .filter((e) => !seen.has(`${e.ip}:${e.port}`) && seen.add(`${e.ip}:${e.port}`))
    .sort((a, b) => a.ip.localeCompare(b.ip, 'en', { numeric: true }) || a.port - b.port);
}

/** HAProxy names allow letters, digits and `_ . : -`; Kubernetes names are within that but for `/`. */
const safe = (s: string) => s.replace(/[^A-Za-z0-9_.:-]/g, '-');

/**
 * The proxy model of the Ingresses served by `controller` (ingressServedBy). Rules of several
 * Ingresses merge; for the same host, path and match the oldest Ingress wins, as does its default
 * backend. A backend referencing a missing Service or port has no endpoints (503); resource
 * backends are not served (404). TLS entries need a Secret in the Ingress's namespace with
 * tls.crt and tls.key; others are skipped (the default certificate answers). Pure.
 */
export function buildModel(inputs: ModelInputs, controller?: string): ProxyModel {
  const ingresses = inputs.ingresses.filter((i) => ingressServedBy(i, inputs.classes, controller)).sort(older);
  const services = new Map(inputs.services.map((s) => [key(s.metadata?.namespace, s.metadata?.name), s]));
  const slicesBySvc = new Map<string, EndpointSlice[]>();
  for (const s of inputs.slices) {
    const svc = s.metadata?.labels?.[SERVICE_NAME_LABEL];
    if (!svc) continue;
    const k = key(s.metadata?.namespace, svc);
    slicesBySvc.set(k, [...(slicesBySvc.get(k) ?? []), s]);
  }
  const secrets = new Map(inputs.secrets.map((s) => [key(s.metadata?.namespace, s.metadata?.name), s]));
  const backends = new Map<string, BackendModel>();

  const backendFor = (ing: Ingress, b: IngressBackend | undefined): string | undefined => {
    const svcRef = b?.service;
    if (!svcRef?.name) return undefined;
    const port = svcRef.port?.number ?? svcRef.port?.name;
    if (port === undefined || port === '') return undefined;
    const ns = ing.metadata?.namespace ?? 'default';
    const name = safe(`${ns}_${ing.metadata?.name ?? ''}_${svcRef.name}_${port}`);
    if (backends.has(name)) return name;
    const svc = services.get(key(ns, svcRef.name));
    const sp = (svc?.spec?.ports ?? []).find((p) =>
      typeof port === 'number' ? p.port === port : (p.name ?? '') === port,
    );
    const endpoints =
      svc && sp && svc.spec?.type !== 'ExternalName' && (sp.protocol ?? 'TCP') === 'TCP'
        ? sliceEndpoints(slicesBySvc.get(key(ns, svcRef.name)) ?? [], sp.name ?? '')
        : [];
    backends.set(name, {
      name,
      namespace: ns,
      ingress: ing.metadata?.name ?? '',
      service: svcRef.name,
      port,
      endpoints,
    });
    return name;
  };

  const byHost = new Map<string, Map<string, PathRoute>>();
  let defaultBackend: string | undefined;
  for (const ing of ingresses) {
    if (defaultBackend === undefined && ing.spec?.defaultBackend)
      defaultBackend = backendFor(ing, ing.spec.defaultBackend);
    for (const rule of ing.spec?.rules ?? []) {
      const host = (rule.host ?? '').toLowerCase();
      const paths = byHost.get(host) ?? new Map<string, PathRoute>();
      byHost.set(host, paths);
      for (const p of rule.http?.paths ?? []) {
        const match: MatchType = p.pathType === 'Exact' ? 'Exact' : 'Prefix';
        const raw = p.path ?? '/';
        const path = match === 'Prefix' ? normalizePrefix(raw) : raw;
        const k = `${match} ${path}`;
        if (paths.has(k)) continue; // an older Ingress has it
        const backend = backendFor(ing, p.backend);
        // A resource backend (or none) still takes the path: it answers 404 rather than falling through.
        paths.set(k, { match, path, backend: backend ?? '' });
      }
    }
  }

  const hostRank = (h: string) => (h === '' ? 2 : h.startsWith('*.') ? 1 : 0);
  const hosts = [...byHost]
    .map(([host, paths]) => ({
      host,
      paths: [...paths.values()].sort(
        (a, b) =>
          b.path.length - a.path.length ||
          (a.match === b.match ? 0 : a.match === 'Exact' ? -1 : 1) ||
          a.path.localeCompare(b.path),
      ),
    }))
    .sort(
      (a, b) => hostRank(a.host) - hostRank(b.host) || b.host.length - a.host.length || a.host.localeCompare(b.host),
    );

  const certs: CertModel[] = [];
  const seenCert = new Map<string, CertModel>();
  for (const ing of ingresses) {
    for (const t of ing.spec?.tls ?? []) {
      if (!t.secretName) continue;
      const ns = ing.metadata?.namespace ?? 'default';
      const s = secrets.get(key(ns, t.secretName));
      const crt = s?.data?.['tls.crt'];
      const tlsKey = s?.data?.['tls.key'];
      if (!crt || !tlsKey) continue;
      const name = safe(`${ns}_${t.secretName}`);
      const hostsOf = (t.hosts ?? []).map((h) => h.toLowerCase());
      const had = seenCert.get(name);
      if (had) {
        for (const h of hostsOf) if (!had.hosts.includes(h)) had.hosts.push(h);
        continue;
      }
      const pem = `${Buffer.from(crt, 'base64').toString('utf8').trim()}\n${Buffer.from(tlsKey, 'base64').toString('utf8').trim()}\n`;
      const c: CertModel = { name, pem, hosts: hostsOf };
      seenCert.set(name, c);
      certs.push(c);
    }
  }
  const gateway: GatewayModel = inputs.gateway
    ? buildGatewayModel(inputs.gateway, inputs.services, slicesBySvc, inputs.secrets, sliceEndpoints)
    : { frontends: [], backends: [] };
  for (const b of gateway.backends) backends.set(b.name, b);
  return { hosts, defaultBackend, backends, certs, gateway };
}

/**
 * Which backend a request goes to under `model`, as the rendered HAProxy rules decide it: the first
 * host group that matches, then its first matching path; a host group without a match answers with
 * the default backend ('' = 404). The reference for tests. Pure.
 */
export function routeRequest(model: ProxyModel, host: string, path: string): string {
  const h = host.toLowerCase().replace(/:\d+$/, '');
  for (const g of model.hosts) {
    if (!hostMatches(g.host, h)) continue;
    const p = g.paths.find((r) => pathMatches(r, path));
    if (p) return p.backend;
    return model.defaultBackend ?? '';
  }
  return model.defaultBackend ?? '';
}
