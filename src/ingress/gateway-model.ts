import type { Namespace, Secret, Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { FLOTILLA_GATEWAY_CONTROLLER } from '../api/gateway/index.js';
import { type Attachment, resolveBackendRef, resolveGateways } from '../api/gateway/resolve.js';
import type {
  BackendRef,
  Gateway,
  GatewayClass,
  GRPCRoute,
  GRPCRouteRule,
  HeaderModifier,
  HTTPRoute,
  HTTPRouteFilter,
  HTTPRouteRule,
  PathModifier,
  ReferenceGrant,
} from '../api/gateway/types.js';
import type { BackendModel, CertModel, Endpoint } from './model-types.js';

/**
 * The Gateway API part of the proxy model: the attachments of src/api/gateway/resolve.ts turned
 * into match entries per listener port (in the Gateway API's precedence order), rule actions
 * (filters, redirects, rewrites, timeouts) and weighted backends. Rendered by haproxy-config.ts.
 * Pure.
 */

export interface GatewayInputs {
  gatewayClasses: GatewayClass[];
  gateways: Gateway[];
  httpRoutes: HTTPRoute[];
  grpcRoutes: GRPCRoute[];
  grants: ReferenceGrant[];
  namespaces: Namespace[];
}

export interface StringMatchModel {
  name: string;
  type: 'Exact' | 'RegularExpression';
  value: string;
}

/** One way a request selects a rule; entries are tried in order, the first match wins. */
export interface MatchEntry {
  /** '' any host; `*.x` any name ending in `.x`; else exact (lower case). */
  host: string;
  path: { type: 'Exact' | 'PathPrefix' | 'RegularExpression'; value: string };
  method?: string;
  headers: StringMatchModel[];
  query: StringMatchModel[];
  /** The RuleModel id. */
  rule: string;
}

export type PathChange = { full: string } | { prefix: string; replace: string };

export interface RuleModel {
  /** Unique per port, route and rule; an HAProxy-safe token. */
  id: string;
  /** Filters in the order the route lists them. */
  requestHeaders: HeaderModifier[];
  responseHeaders: HeaderModifier[];
  rewrite?: { hostname?: string; path?: PathChange };
  redirect?: { scheme?: string; hostname?: string; port?: number; path?: PathChange; code: number };
  /** Backend name; undefined with a redirect or when no backend resolves (then 500). */
  backend?: string;
}

export interface GatewayFrontendModel {
  port: number;
  tls: boolean;
  entries: MatchEntry[];
  rules: RuleModel[];
  /** HTTPS: the listeners' certificates (SNI names = the listener hostname, if any). */
  certs: CertModel[];
}

export interface GatewayModel {
  frontends: GatewayFrontendModel[];
  backends: BackendModel[];
}

const safe = (s: string) => s.replace(/[^A-Za-z0-9_.:-]/g, '-');
/** Prefix values compare by path element; a trailing slash is ignored ('/' stays '/'). */
const normalizePrefix = (p: string) => p.replace(/\/+$/, '') || '/';

/** A Gateway API Duration (`1h`, `500ms`, `1m30s`) in milliseconds; undefined when malformed. */
export function parseGatewayDuration(d: string | undefined): number | undefined {
  if (!d || !/^([0-9]{1,5}(h|m|s|ms)){1,4}$/.test(d)) return undefined;
  const unit: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 };
  let ms = 0;
  for (const [, n, u] of d.matchAll(/([0-9]+)(ms|h|m|s)/g)) ms += Number(n) * unit[u];
  return ms;
}

/**
 * HAProxy server weights (0-256) for weighted backendRefs: each ref's share `weight` is spread over
 * its endpoints, scaled so the heaviest endpoint gets 256; a ref with weight > 0 keeps at least 1.
 */
export function serverWeights(refs: { weight: number; endpoints: number }[]): number[] {
  const per = refs.map((r) => (r.endpoints ? r.weight / r.endpoints : 0));
  const max = Math.max(0, ...per);
  return per.map((p, i) => (max === 0 || refs[i].weight === 0 ? 0 : Math.max(1, Math.round((p / max) * 256))));
}

/**
 * Precedence of two entries on one port, as the Gateway API orders matches: the most specific
 * hostname (exact before wildcard, longer first, any last); then Exact path, the longest
 * PathPrefix, then RegularExpression; a method; more header matches; more query matches; then the
 * oldest route, namespace/name, rule and match order (given by `tie`).
 */
export function entryOrder(a: MatchEntry & { tie: string }, b: MatchEntry & { tie: string }): number {
  const hostRank = (h: string) => (h === '' ? 2 : h.startsWith('*.') ? 1 : 0);
  const pathRank = (p: MatchEntry['path']) => (p.type === 'Exact' ? 0 : p.type === 'PathPrefix' ? 1 : 2);
  return (
    hostRank(a.host) - hostRank(b.host) ||
    b.host.length - a.host.length ||
    pathRank(a.path) - pathRank(b.path) ||
    b.path.value.length - a.path.value.length ||
    Number(!!b.method) - Number(!!a.method) ||
    b.headers.length - a.headers.length ||
    b.query.length - a.query.length ||
    a.tie.localeCompare(b.tie)
  );
}

interface Ctx {
  services: Map<string, Service>;
  slicesBySvc: Map<string, EndpointSlice[]>;
  grants: ReferenceGrant[];
  backends: Map<string, BackendModel>;
  sliceEndpoints: (slices: EndpointSlice[], portName: string) => Endpoint[];
}

/** The weighted backend of one route rule (named after route and rule), or undefined when no ref resolves or all weigh 0. */
function ruleBackend(
  ctx: Ctx,
  kind: 'HTTPRoute' | 'GRPCRoute',
  route: HTTPRoute | GRPCRoute,
  index: number,
  refs: BackendRef[],
  timeoutMs: number | undefined,
): string | undefined {
  const ns = route.metadata.namespace ?? '';
  const name = safe(`gw_${ns}_${route.metadata.name}_r${index}`);
  if (ctx.backends.has(name)) return name;
  const parts: { weight: number; endpoints: Endpoint[] }[] = [];
  for (const ref of refs) {
    const r = resolveBackendRef({ kind, namespace: ns }, ref, ctx.services, ctx.grants);
    if (!r.ok) continue;
    const svcNs = ref.namespace ?? ns;
    const sp = (r.service.spec?.ports ?? []).find((p) => p.port === ref.port);
    const endpoints =
      sp && (sp.protocol ?? 'TCP') === 'TCP' && r.service.spec?.type !== 'ExternalName'
        ? ctx.sliceEndpoints(ctx.slicesBySvc.get(`${svcNs}/${ref.name}`) ?? [], sp.name ?? '')
        : [];
    parts.push({ weight: ref.weight ?? 1, endpoints });
  }
  if (!parts.length || parts.every((p) => p.weight === 0)) return undefined;
  const weights = serverWeights(parts.map((p) => ({ weight: p.weight, endpoints: p.endpoints.length })));
  const byAddr = new Map<string, Endpoint>();
  parts.forEach((p, i) => {
    for (const e of p.endpoints) {
      const k = `${e.ip}:${e.port}`;
      const had = byAddr.get(k);
      byAddr.set(k, { ip: e.ip, port: e.port, weight: Math.min(256, (had?.weight ?? 0) + weights[i]) });
    }
  });
  ctx.backends.set(name, {
    name,
    namespace: ns,
    ingress: route.metadata.name ?? '',
    service: refs.map((r) => r.name).join('+'),
    port: refs[0]?.port ?? 0,
    endpoints: [...byAddr.values()].sort(
      (a, b) => a.ip.localeCompare(b.ip, 'en', { numeric: true }) || a.port - b.port,
    ),
    ...(kind === 'GRPCRoute' ? { proto: 'h2' as const } : {}),
    ...(timeoutMs ? { timeoutMs } : {}),
  });
  return name;
}

/** Path changes HAProxy can express without escaping: RFC 3986 unreserved characters and '/'. */
const PLAIN_PATH = /^\/[A-Za-z0-9/._~-]*$/;

function pathChange(m: PathModifier | undefined, prefix: string | undefined): PathChange | undefined | null {
  if (!m) return undefined;
  if (m.type === 'ReplaceFullPath')
    return PLAIN_PATH.test(m.replaceFullPath ?? '') ? { full: m.replaceFullPath ?? '/' } : null;
  if (prefix === undefined || !PLAIN_PATH.test(prefix)) return null;
  const replace = m.replacePrefixMatch ?? '/';
  return PLAIN_PATH.test(replace) ? { prefix, replace } : null;
}

function ruleModel(
  id: string,
  filters: HTTPRouteFilter[],
  backend: string | undefined,
  prefix: string | undefined,
): RuleModel {
  const r: RuleModel = { id, requestHeaders: [], responseHeaders: [], backend };
  for (const f of filters) {
    if (f.type === 'RequestHeaderModifier' && f.requestHeaderModifier) r.requestHeaders.push(f.requestHeaderModifier);
    if (f.type === 'ResponseHeaderModifier' && f.responseHeaderModifier)
      r.responseHeaders.push(f.responseHeaderModifier);
    if (f.type === 'URLRewrite' && f.urlRewrite) {
      const path = pathChange(f.urlRewrite.path, prefix);
      r.rewrite = { hostname: f.urlRewrite.hostname, ...(path ? { path } : {}) };
    }
    if (f.type === 'RequestRedirect' && f.requestRedirect) {
      const rr = f.requestRedirect;
      const path = pathChange(rr.path, prefix);
      r.redirect = {
        scheme: rr.scheme,
        hostname: rr.hostname,
        port: rr.port,
        ...(path ? { path } : {}),
        code: rr.statusCode ?? 302,
      };
      r.backend = undefined;
    }
  }
  return r;
}

const str = (m: { type?: string; name: string; value: string }): StringMatchModel => ({
  name: m.name,
  type: m.type === 'RegularExpression' ? 'RegularExpression' : 'Exact',
  value: m.value,
});

/** Entries and rule actions of one attachment (a route on one listener). */
function attachmentEntries(
  a: Attachment,
  ctx: Ctx,
  creation: string,
): { entries: (MatchEntry & { tie: string })[]; rules: RuleModel[] } {
  const port = a.listener.port;
  const ns = a.route.metadata.namespace ?? '';
  const rname = a.route.metadata.name ?? '';
  const entries: (MatchEntry & { tie: string })[] = [];
  const rules: RuleModel[] = [];
  const rulesOf = (a.route.spec?.rules ?? []) as (HTTPRouteRule | GRPCRouteRule)[];
  rulesOf.forEach((rule, ri) => {
    const id = safe(`${port}_${ns}_${rname}_r${ri}`);
    // HAProxy's server timeout bounds both: the shorter of the request and backendRequest timeouts ('0s' = none).
    const t = 'timeouts' in rule ? rule.timeouts : undefined;
    const limits = [parseGatewayDuration(t?.request), parseGatewayDuration(t?.backendRequest)].filter(
      (x): x is number => !!x,
    );
    const backend = ruleBackend(
      ctx,
      a.kind,
      a.route,
      ri,
      rule.backendRefs ?? [],
      limits.length ? Math.min(...limits) : undefined,
    );
    const matches: MatchEntry[] = [];
    if (a.kind === 'GRPCRoute') {
      for (const m of (rule as GRPCRouteRule).matches?.length ? ((rule as GRPCRouteRule).matches ?? []) : [{}]) {
        const svc = m.method?.service;
        const meth = m.method?.method;
        const regex = m.method?.type === 'RegularExpression';
        const path: MatchEntry['path'] =
          svc && meth && !regex
            ? { type: 'Exact', value: `/${svc}/${meth}` }
            : svc || meth
              ? {
                  type: 'RegularExpression',
                  value: `/${svc ? (regex ? svc : escapeRegex(svc)) : '[^/]+'}/${meth ? (regex ? meth : escapeRegex(meth)) : '[^/]+'}`,
                }
              : { type: 'PathPrefix', value: '/' };
        matches.push({ host: '', path, headers: (m.headers ?? []).map(str), query: [], rule: id });
      }
    } else {
      const ms = (rule as HTTPRouteRule).matches?.length ? ((rule as HTTPRouteRule).matches ?? []) : [{}];
      for (const m of ms) {
        const type = m.path?.type ?? 'PathPrefix';
        const value = m.path?.value ?? '/';
        matches.push({
          host: '',
          path: { type, value: type === 'PathPrefix' ? normalizePrefix(value) : value },
          method: m.method,
          headers: (m.headers ?? []).map(str),
          query: (m.queryParams ?? []).map(str),
          rule: id,
        });
      }
    }
    const onlyPrefix =
      matches.length === 1 && matches[0].path.type === 'PathPrefix' ? matches[0].path.value : undefined;
    rules.push(ruleModel(id, (rule.filters ?? []) as HTTPRouteFilter[], backend, onlyPrefix));
    matches.forEach((m, mi) => {
      for (const host of a.hostnames)
        entries.push({
          ...m,
          host,
          tie: `${creation}|${ns}/${rname}|${String(ri).padStart(3, '0')}|${String(mi).padStart(3, '0')}`,
        });
    });
  });
  return { entries, rules };
}

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The Gateway API model for the proxy: frontends by listener port (HTTP or HTTPS; a port whose
 * listeners disagree is left out, as the status reports ProtocolConflict), their entries in
 * precedence order, rule actions, weighted backends and certificates. `secrets` undefined: no
 * certificate can be served (the listener still routes, with the default certificate). Pure.
 */
export function buildGatewayModel(
  inputs: GatewayInputs,
  services: Service[],
  slicesBySvc: Map<string, EndpointSlice[]>,
  secrets: Secret[] | undefined,
  sliceEndpoints: Ctx['sliceEndpoints'],
  controller = FLOTILLA_GATEWAY_CONTROLLER,
): GatewayModel {
  const resolution = resolveGateways({
    classes: inputs.gatewayClasses,
    gateways: inputs.gateways,
    httpRoutes: inputs.httpRoutes,
    grpcRoutes: inputs.grpcRoutes,
    grants: inputs.grants,
    services,
    namespaces: inputs.namespaces,
    secrets,
    controller,
  });
  const ctx: Ctx = {
    services: new Map(services.map((s) => [`${s.metadata?.namespace}/${s.metadata?.name}`, s])),
    slicesBySvc,
    grants: inputs.grants,
    backends: new Map(),
    sliceEndpoints,
  };
  const secretMap = new Map((secrets ?? []).map((s) => [`${s.metadata?.namespace}/${s.metadata?.name}`, s]));
  const frontends = new Map<number, GatewayFrontendModel & { allEntries: (MatchEntry & { tie: string })[] }>();
  const frontend = (port: number, tls: boolean) => {
    let f = frontends.get(port);
    if (!f) {
      f = { port, tls, entries: [], rules: [], certs: [], allEntries: [] };
      frontends.set(port, f);
    }
    return f;
  };
  // Certificates of the valid HTTPS listeners.
  for (const g of resolution.gateways.values())
    for (const l of g.listeners) {
      if (!l.valid) continue;
      const f = frontend(l.listener.port, l.listener.protocol === 'HTTPS');
      for (const c of l.certificates) {
        const s = secretMap.get(`${c.namespace}/${c.name}`);
        const crt = s?.data?.['tls.crt'];
        const key = s?.data?.['tls.key'];
        if (!crt || !key) continue;
        const name = safe(`gw_${c.namespace}_${c.name}`);
        const hosts = l.listener.hostname ? [l.listener.hostname.toLowerCase()] : [];
        const had = f.certs.find((x) => x.name === name);
        if (had) {
          if (!hosts.length) had.hosts = [];
          else if (had.hosts.length) for (const h of hosts) if (!had.hosts.includes(h)) had.hosts.push(h);
          continue;
        }
        const pem = `${Buffer.from(crt, 'base64').toString('utf8').trim()}\n${Buffer.from(key, 'base64').toString('utf8').trim()}\n`;
        f.certs.push({ name, pem, hosts });
      }
    }
  const creation = (a: Attachment) => a.route.metadata.creationTimestamp ?? '';
  for (const a of resolution.attachments) {
    const f = frontend(a.listener.port, a.listener.protocol === 'HTTPS');
    const { entries, rules } = attachmentEntries(a, ctx, creation(a));
    f.allEntries.push(...entries);
    for (const r of rules) if (!f.rules.some((x) => x.id === r.id)) f.rules.push(r);
  }
  const out: GatewayFrontendModel[] = [];
  for (const f of [...frontends.values()].sort((a, b) => a.port - b.port)) {
    const entries = f.allEntries
      .sort(entryOrder)
      .map(({ tie: _tie, ...e }) => e)
      .map((e) => ({ ...e, host: e.host.toLowerCase() }));
    out.push({ port: f.port, tls: f.tls, entries, rules: f.rules, certs: f.certs });
  }
  return { frontends: out, backends: [...ctx.backends.values()] };
}
