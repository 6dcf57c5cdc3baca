import type { Namespace, Secret, Service } from 'kubernetes-types/core/v1.js';
import { labelSelectorFromObject } from '../selectors/label-selector.js';
import { GATEWAY_GROUP } from './crds.js';
import type {
  BackendRef,
  Gateway,
  GatewayClass,
  GRPCRoute,
  HTTPRoute,
  Listener,
  ParentReference,
  ReferenceGrant,
  RouteGroupKind,
  SecretObjectReference,
} from './types.js';

/**
 * Which routes attach to which listeners of the Gateways a controller serves, and the status
 * conditions that follow, as the Gateway API specifies them (listener validity, allowedRoutes,
 * hostname intersection, ReferenceGrants, backend resolution). Shared by the status controller
 * (writes the conditions) and the node's proxy (serves the attachments). Pure.
 */

/** A condition without its time and generation (the writer adds those). */
export interface CondSpec {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
}

export type RouteKind = 'HTTPRoute' | 'GRPCRoute';
export type AnyRoute = HTTPRoute | GRPCRoute;

export interface ResolveInputs {
  classes: GatewayClass[];
  gateways: Gateway[];
  httpRoutes: HTTPRoute[];
  grpcRoutes?: GRPCRoute[];
  grants: ReferenceGrant[];
  services: Service[];
  /** For `allowedRoutes.namespaces.from: Selector`; a route of an unknown namespace is not selected. */
  namespaces: Namespace[];
  /** TLS Secrets; undefined: not readable, certificate references are taken as resolved. */
  secrets?: Secret[];
  /** spec.controllerName of the classes to serve. */
  controller: string;
}

export interface ListenerResolution {
  listener: Listener;
  /** Served: a supported protocol, resolved references, no conflict. */
  valid: boolean;
  supportedKinds: RouteGroupKind[];
  attachedRoutes: number;
  conditions: CondSpec[];
  /** HTTPS: the certificate Secrets (namespace/name) it serves. */
  certificates: { namespace: string; name: string }[];
}

export interface GatewayResolution {
  gateway: Gateway;
  listeners: ListenerResolution[];
  conditions: CondSpec[];
}

/** One route attached to one listener, with the hostnames it serves there ([''] = any host). */
export interface Attachment {
  gateway: Gateway;
  listener: Listener;
  kind: RouteKind;
  route: AnyRoute;
  hostnames: string[];
}

export interface RouteParentResolution {
  parentRef: ParentReference;
  conditions: CondSpec[];
}

export interface Resolution {
  /** Names of the GatewayClasses the controller serves, with their Accepted condition. */
  classes: Map<string, CondSpec>;
  /** By `namespace/name`. */
  gateways: Map<string, GatewayResolution>;
  attachments: Attachment[];
  /** By `<kind>/<namespace>/<name>`: the status of each parentRef that names one of our Gateways. */
  routes: Map<string, RouteParentResolution[]>;
}

const cond = (type: string, ok: boolean, reason: string, message: string): CondSpec => ({
  type,
  status: ok ? 'True' : 'False',
  reason,
  message,
});
const nsName = (o: { metadata: { namespace?: string; name?: string } }) =>
  `${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`;
export const routeKey = (kind: RouteKind, r: AnyRoute) => `${kind}/${nsName(r)}`;

const ROUTE_KINDS: RouteKind[] = ['HTTPRoute', 'GRPCRoute'];

/**
 * Whether a ReferenceGrant in `toNamespace` lets `fromKind` objects of `fromNamespace` refer to
 * the `toGroup`/`toKind` object `toName`. Pure.
 */
export function referenceGranted(
  grants: ReferenceGrant[],
  from: { group: string; kind: string; namespace: string },
  to: { group: string; kind: string; namespace: string; name: string },
): boolean {
  return grants.some(
    (g) =>
      g.metadata.namespace === to.namespace &&
      (g.spec?.from ?? []).some(
        (f) => f.group === from.group && f.kind === from.kind && f.namespace === from.namespace,
      ) &&
      (g.spec?.to ?? []).some((t) => t.group === to.group && t.kind === to.kind && (!t.name || t.name === to.name)),
  );
}

/** Whether a Gateway API hostname pattern (`*.x` = any name ending in `.x`) matches a host. */
export function gatewayHostMatches(pattern: string, host: string): boolean {
  if (!pattern.startsWith('*.')) return pattern === host;
  return host.endsWith(pattern.slice(1)) && host.length > pattern.length - 1;
}

/**
 * The hostnames a route serves on a listener: the intersection of the listener's hostname and the
 * route's hostnames (the more specific of two matching patterns). [''] = any host; [] = none. Pure.
 */
export function intersectHostnames(listenerHost: string | undefined, routeHosts: string[] | undefined): string[] {
  const lh = listenerHost ?? '';
  const rhs = routeHosts ?? [];
  if (!rhs.length) return [lh];
  if (!lh) return [...new Set(rhs)];
  const out = new Set<string>();
  for (const rh of rhs) {
    if (gatewayHostMatches(lh, rh) || lh === rh) out.add(rh);
    else if (gatewayHostMatches(rh, lh)) out.add(lh);
  }
  return [...out];
}

/** The Service a backendRef names, or why it does not resolve (RouteConditionReason). Pure. */
export function resolveBackendRef(
  from: { kind: RouteKind; namespace: string },
  ref: BackendRef,
  services: Map<string, Service>,
  grants: ReferenceGrant[],
):
  | { ok: true; service: Service }
  | { ok: false; reason: 'InvalidKind' | 'RefNotPermitted' | 'BackendNotFound'; message: string } {
  const group = ref.group ?? '';
  const kind = ref.kind ?? 'Service';
  const ns = ref.namespace ?? from.namespace;
  if (group !== '' || kind !== 'Service')
    return {
      ok: false,
      reason: 'InvalidKind',
      message: `backendRef ${ref.name}: kind ${kind} of group "${group}" is not supported`,
    };
  if (
    ns !== from.namespace &&
    !referenceGranted(
      grants,
      { group: GATEWAY_GROUP, kind: from.kind, namespace: from.namespace },
      { group: '', kind: 'Service', namespace: ns, name: ref.name },
    )
  )
    return {
      ok: false,
      reason: 'RefNotPermitted',
      message: `backendRef ${ns}/${ref.name}: no ReferenceGrant allows it`,
    };
  const svc = services.get(`${ns}/${ref.name}`);
  if (!svc) return { ok: false, reason: 'BackendNotFound', message: `Service ${ns}/${ref.name} not found` };
  if (ref.port !== undefined && !(svc.spec?.ports ?? []).some((p) => p.port === ref.port))
    return { ok: false, reason: 'BackendNotFound', message: `Service ${ns}/${ref.name} has no port ${ref.port}` };
  return { ok: true, service: svc };
}

const supportedKindsFor = (protocol: string): RouteKind[] =>
  protocol === 'HTTP' || protocol === 'HTTPS' ? ROUTE_KINDS : [];

function resolveListener(
  gw: Gateway,
  l: Listener,
  all: Listener[],
  inputs: ResolveInputs,
  secrets: Map<string, Secret> | undefined,
): ListenerResolution {
  const ns = gw.metadata.namespace ?? '';
  const supported = supportedKindsFor(l.protocol);
  const conds: CondSpec[] = [];
  let valid = true;
  // Kinds: the listed ones that are supported; any other listed kind is an InvalidRouteKinds.
  let kinds: RouteGroupKind[] = supported.map((kind) => ({ group: GATEWAY_GROUP, kind }));
  let refsOk: CondSpec = cond('ResolvedRefs', true, 'ResolvedRefs', 'All references resolved');
  if (l.allowedRoutes?.kinds?.length) {
    const listed = l.allowedRoutes.kinds;
    kinds = listed
      .filter((k) => (k.group ?? GATEWAY_GROUP) === GATEWAY_GROUP && supported.includes(k.kind as RouteKind))
      .map((k) => ({ group: GATEWAY_GROUP, kind: k.kind }));
    if (kinds.length !== listed.length)
      refsOk = cond('ResolvedRefs', false, 'InvalidRouteKinds', 'Some of the listed route kinds are not supported');
  }
  const certificates: { namespace: string; name: string }[] = [];
  if (l.protocol === 'HTTPS' && l.tls?.mode !== 'Passthrough') {
    for (const ref of l.tls?.certificateRefs ?? []) {
      const bad = certificateProblem(ref, ns, inputs.grants, secrets);
      if (bad) {
        refsOk = cond('ResolvedRefs', false, bad.reason, bad.message);
        continue;
      }
      certificates.push({ namespace: ref.namespace ?? ns, name: ref.name });
    }
  }
  const conflicted = all.some((o) => o !== l && o.port === l.port && o.protocol !== l.protocol);
  if (!supported.length || (l.protocol === 'HTTPS' && l.tls?.mode === 'Passthrough')) {
    valid = false;
    kinds = [];
    conds.push(cond('Accepted', false, 'UnsupportedProtocol', `Protocol ${l.protocol} is not supported`));
  } else conds.push(cond('Accepted', true, 'Accepted', 'Listener accepted'));
  conds.push(
    conflicted
      ? cond('Conflicted', true, 'ProtocolConflict', `Another listener uses port ${l.port} with another protocol`)
      : cond('Conflicted', false, 'NoConflicts', 'No conflicts'),
  );
  conds.push(refsOk);
  if (conflicted || refsOk.status === 'False') valid = false;
  conds.push(
    valid
      ? cond('Programmed', true, 'Programmed', "Listener programmed on the nodes' proxies")
      : cond('Programmed', false, 'Invalid', 'Listener is not valid'),
  );
  return { listener: l, valid, supportedKinds: kinds, attachedRoutes: 0, conditions: conds, certificates };
}

function certificateProblem(
  ref: SecretObjectReference,
  gwNamespace: string,
  grants: ReferenceGrant[],
  secrets: Map<string, Secret> | undefined,
): { reason: string; message: string } | undefined {
  const ns = ref.namespace ?? gwNamespace;
  if ((ref.group ?? '') !== '' || (ref.kind ?? 'Secret') !== 'Secret')
    return { reason: 'InvalidCertificateRef', message: `certificateRef ${ref.name}: only core Secrets are supported` };
  if (
    ns !== gwNamespace &&
    !referenceGranted(
      grants,
      { group: GATEWAY_GROUP, kind: 'Gateway', namespace: gwNamespace },
      { group: '', kind: 'Secret', namespace: ns, name: ref.name },
    )
  )
    return { reason: 'RefNotPermitted', message: `certificateRef ${ns}/${ref.name}: no ReferenceGrant allows it` };
  if (!secrets) return undefined;
  const s = secrets.get(`${ns}/${ref.name}`);
  if (!s?.data?.['tls.crt'] || !s.data['tls.key'])
    return {
      reason: 'InvalidCertificateRef',
      message: `Secret ${ns}/${ref.name} not found or without tls.crt and tls.key`,
    };
  return undefined;
}

function namespaceAllowed(l: Listener, gwNs: string, routeNs: string, namespaces: Map<string, Namespace>): boolean {
  const from = l.allowedRoutes?.namespaces?.from ?? 'Same';
  if (from === 'All') return true;
  if (from === 'Same') return routeNs === gwNs;
  const ns = namespaces.get(routeNs);
  if (!ns) return false;
  try {
    return labelSelectorFromObject(l.allowedRoutes?.namespaces?.selector).matches(ns.metadata?.labels ?? {});
  } catch {
    return false;
  }
}

/** The resolution of everything the controller serves. Pure. */
export function resolveGateways(inputs: ResolveInputs): Resolution {
  const classes = new Map<string, CondSpec>();
  for (const c of inputs.classes)
    if (c.spec?.controllerName === inputs.controller)
      classes.set(c.metadata.name ?? '', cond('Accepted', true, 'Accepted', "Handled by the nodes' proxies"));
  const services = new Map(inputs.services.map((s) => [`${s.metadata?.namespace}/${s.metadata?.name}`, s]));
  const namespaces = new Map(inputs.namespaces.map((n) => [n.metadata?.name ?? '', n]));
  const secrets =
    inputs.secrets && new Map(inputs.secrets.map((s) => [`${s.metadata?.namespace}/${s.metadata?.name}`, s]));

  const gateways = new Map<string, GatewayResolution>();
  for (const gw of inputs.gateways) {
    if (!classes.has(gw.spec?.gatewayClassName ?? '')) continue;
    const ls = gw.spec?.listeners ?? [];
    const listeners = ls.map((l) => resolveListener(gw, l, ls, inputs, secrets));
    const validCount = listeners.filter((l) => l.valid).length;
    const conditions: CondSpec[] = [];
    if (gw.spec?.addresses?.length)
      conditions.push(
        cond(
          'Accepted',
          false,
          'UnsupportedAddress',
          "spec.addresses is not supported: the Gateway is served on the nodes' addresses",
        ),
      );
    else if (validCount < listeners.length)
      conditions.push(cond('Accepted', validCount > 0, 'ListenersNotValid', 'Some listeners are not valid'));
    else conditions.push(cond('Accepted', true, 'Accepted', 'Gateway accepted'));
    gateways.set(nsName(gw), { gateway: gw, listeners, conditions });
  }

  const attachments: Attachment[] = [];
  const routes = new Map<string, RouteParentResolution[]>();
  const all: [RouteKind, AnyRoute][] = [
    ...inputs.httpRoutes.map((r): [RouteKind, AnyRoute] => ['HTTPRoute', r]),
    ...(inputs.grpcRoutes ?? []).map((r): [RouteKind, AnyRoute] => ['GRPCRoute', r]),
  ];
  for (const [kind, route] of all) {
    const routeNs = route.metadata.namespace ?? '';
    const refs = backendProblem(kind, route, services, inputs.grants);
    const parents: RouteParentResolution[] = [];
    for (const p of route.spec?.parentRefs ?? []) {
      if ((p.group ?? GATEWAY_GROUP) !== GATEWAY_GROUP || (p.kind ?? 'Gateway') !== 'Gateway') continue;
      const g = gateways.get(`${p.namespace ?? routeNs}/${p.name}`);
      if (!g) continue; // not one of ours: another controller writes its status
      const accepted = attach(kind, route, p, g, namespaces, attachments);
      parents.push({ parentRef: p, conditions: [accepted, refs] });
    }
    if (parents.length) routes.set(routeKey(kind, route), parents);
  }
  for (const g of gateways.values()) {
    const anyValid = g.listeners.some((l) => l.valid);
    g.conditions.push(
      anyValid && !gatewayRejected(g)
        ? cond('Programmed', true, 'Programmed', "Programmed on the nodes' proxies")
        : cond('Programmed', false, 'Invalid', 'No valid listener'),
    );
  }
  return { classes, gateways, attachments, routes };
}

const gatewayRejected = (g: GatewayResolution) =>
  g.conditions.some((c) => c.type === 'Accepted' && c.status === 'False');

function attach(
  kind: RouteKind,
  route: AnyRoute,
  p: ParentReference,
  g: GatewayResolution,
  namespaces: Map<string, Namespace>,
  out: Attachment[],
): CondSpec {
  if (gatewayRejected(g)) return cond('Accepted', false, 'NoMatchingParent', 'The Gateway is not accepted');
  const candidates = g.listeners.filter(
    (l) =>
      (!p.sectionName || l.listener.name === p.sectionName) && (p.port === undefined || l.listener.port === p.port),
  );
  if (!candidates.length)
    return cond('Accepted', false, 'NoMatchingParent', 'No listener matches the sectionName and port');
  const gwNs = g.gateway.metadata.namespace ?? '';
  const routeNs = route.metadata.namespace ?? '';
  const allowed = candidates.filter(
    (l) =>
      l.valid &&
      l.supportedKinds.some((k) => k.kind === kind) &&
      namespaceAllowed(l.listener, gwNs, routeNs, namespaces),
  );
  if (!allowed.length)
    return cond('Accepted', false, 'NotAllowedByListeners', 'No listener allows this route (kind or namespace)');
  let attached = 0;
  for (const l of allowed) {
    const hostnames = intersectHostnames(l.listener.hostname, route.spec?.hostnames);
    if (!hostnames.length) continue;
    l.attachedRoutes++;
    attached++;
    out.push({ gateway: g.gateway, listener: l.listener, kind, route, hostnames });
  }
  if (!attached)
    return cond('Accepted', false, 'NoMatchingListenerHostname', "No listener hostname matches the route's hostnames");
  return cond('Accepted', true, 'Accepted', 'Route accepted');
}

function backendProblem(
  kind: RouteKind,
  route: AnyRoute,
  services: Map<string, Service>,
  grants: ReferenceGrant[],
): CondSpec {
  const from = { kind, namespace: route.metadata.namespace ?? '' };
  for (const rule of route.spec?.rules ?? []) {
    const refs: BackendRef[] = [...(rule.backendRefs ?? [])];
    for (const f of rule.filters ?? []) if (f.requestMirror?.backendRef) refs.push(f.requestMirror.backendRef);
    for (const ref of refs) {
      const r = resolveBackendRef(from, ref, services, grants);
      if (!r.ok) return cond('ResolvedRefs', false, r.reason, r.message);
    }
  }
  return cond('ResolvedRefs', true, 'ResolvedRefs', 'All references resolved');
}
