import type { Pod, Service, ServicePort } from 'kubernetes-types/core/v1.js';
import type { Endpoint, EndpointPort } from 'kubernetes-types/discovery/v1.js';
import { compareIPv4 } from '../../machinery/net/ipv4.js';

/** Node label whose value becomes an endpoint's zone. */
export const ZONE_LABEL = 'topology.kubernetes.io/zone';

/** Whether the Service's (map) selector selects the labels; a Service without selector selects nothing. Pure. */
export function serviceSelects(svc: Service, labels: Record<string, string> | undefined): boolean {
  const sel = svc.spec?.selector;
  if (!sel) return false;
  for (const [k, v] of Object.entries(sel)) if (labels?.[k] !== v) return false;
  return true;
}

/** True when the Service has clusterIP None (headless). Pure. */
export function isHeadless(svc: Service): boolean {
  return svc.spec?.clusterIP === 'None';
}

/** podutil.IsPodReady: the Ready condition is True. Pure. */
export function isPodReady(pod: Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/**
 * endpointutil.ShouldPodBeInEndpoints: a pod with an IP that has not finished (phase Succeeded or
 * Failed); a terminating pod only when `includeTerminating`. Pure.
 */
export function shouldPodBeInEndpoints(pod: Pod, includeTerminating: boolean): boolean {
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return false;
  if (!pod.status?.podIP) return false;
  if (!includeTerminating && pod.metadata?.deletionTimestamp) return false;
  return true;
}

/**
 * podutil.FindPort: the container port a service port's targetPort means on this pod. A number
 * (or a numeric string) is used as is; a name is looked up among the pod's container ports with the
 * same protocol; no targetPort means the service port. Undefined when a name is not found. Pure.
 */
export function findPort(pod: Pod, sp: ServicePort): number | undefined {
  const target = sp.targetPort ?? sp.port;
  if (typeof target === 'number') return target === 0 ? sp.port : target;
  if (/^\d+$/.test(target)) return Number(target);
  const protocol = sp.protocol ?? 'TCP';
  for (const c of pod.spec?.containers ?? []) {
    for (const p of c.ports ?? []) if (p.name === target && (p.protocol ?? 'TCP') === protocol) return p.containerPort;
  }
  return undefined;
}

/** The slice ports of one pod: each service port whose targetPort resolves on it, in service order. Pure. */
export function endpointPorts(svc: Service, pod: Pod): EndpointPort[] {
  const out: EndpointPort[] = [];
  for (const sp of svc.spec?.ports ?? []) {
    const port = findPort(pod, sp);
    if (port === undefined) continue;
    out.push({
      name: sp.name ?? '',
      port,
      protocol: sp.protocol ?? 'TCP',
      ...(sp.appProtocol ? { appProtocol: sp.appProtocol } : {}),
    });
  }
  return out;
}

/** A stable key of a port list (the grouping of endpoints into slices). Pure. */
export function portsKey(ports: EndpointPort[]): string {
  return ports
    .map((p) => `${p.name ?? ''}/${p.protocol ?? 'TCP'}/${p.port ?? ''}/${p.appProtocol ?? ''}`)
    .sort()
    .join(',');
}

/** The endpoint hostname: spec.hostname when the pod's subdomain is the Service's name. Pure. */
export function podHostname(svc: Service, pod: Pod): string | undefined {
  const h = pod.spec?.hostname;
  return h && pod.spec?.subdomain === svc.metadata?.name ? h : undefined;
}

/**
 * The EndpointSlice endpoint of a pod (podToEndpoint): serving = pod Ready, terminating =
 * deletionTimestamp set, ready = serving and not terminating (or publishNotReadyAddresses);
 * nodeName, zone (from the node's label, when known), hostname, targetRef. Pure.
 */
export function podToEndpoint(svc: Service, pod: Pod, zoneOfNode: (node: string) => string | undefined): Endpoint {
  const serving = isPodReady(pod);
  const terminating = pod.metadata?.deletionTimestamp !== undefined;
  const ready = (svc.spec?.publishNotReadyAddresses ?? false) || (serving && !terminating);
  const node = pod.spec?.nodeName;
  const zone = node ? zoneOfNode(node) : undefined;
  const hostname = podHostname(svc, pod);
  return {
    addresses: [pod.status?.podIP ?? ''],
    conditions: { ready, serving, terminating },
    ...(hostname ? { hostname } : {}),
    ...(node ? { nodeName: node } : {}),
    ...(zone ? { zone } : {}),
    targetRef: {
      kind: 'Pod',
      namespace: pod.metadata?.namespace ?? '',
      name: pod.metadata?.name ?? '',
      uid: pod.metadata?.uid ?? '',
    },
  };
}

/** Endpoints grouped by their port list, as the slices will hold them. */
export interface EndpointGroup {
  ports: EndpointPort[];
  endpoints: Endpoint[];
}

/**
 * The desired endpoints of a Service, grouped by port list (pods resolving a named port differently
 * land in different groups), keyed by portsKey. Pods in `pods` must be the Service's namespace;
 * those not selected or not eligible are skipped. Endpoints sorted by address. Pure.
 */
export function desiredEndpointGroups(
  svc: Service,
  pods: Pod[],
  zoneOfNode: (node: string) => string | undefined,
): Map<string, EndpointGroup> {
  const groups = new Map<string, EndpointGroup>();
  for (const pod of pods) {
    if (!serviceSelects(svc, pod.metadata?.labels) || !shouldPodBeInEndpoints(pod, true)) continue;
    const ports = endpointPorts(svc, pod);
    const key = portsKey(ports);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { ports, endpoints: [] }));
    g.endpoints.push(podToEndpoint(svc, pod, zoneOfNode));
  }
  for (const g of groups.values()) g.endpoints.sort((a, b) => compareIPv4(a.addresses[0] ?? '', b.addresses[0] ?? ''));
  return groups;
}
