import type { EndpointAddress, EndpointPort, EndpointSubset, Pod, Service } from 'kubernetes-types/core/v1.js';
import { compareIPv4 } from '../../machinery/net/ipv4.js';
import { findPort, isPodReady, podHostname, serviceSelects, shouldPodBeInEndpoints } from './pod-endpoints.js';

/**
 * The legacy Endpoints subsets of a Service (the endpoints controller plus RepackSubsets): every
 * selected pod with an IP, ready ones under `addresses` and the others under `notReadyAddresses`
 * (all under addresses with publishNotReadyAddresses; terminating pods only then), grouped into one
 * subset per distinct port list. A headless Service without ports gets subsets without ports.
 * Addresses sorted by IP, ports by name, subsets by their first address. Pure.
 */
export function endpointSubsets(svc: Service, pods: Pod[]): EndpointSubset[] {
  const publishNotReady = svc.spec?.publishNotReadyAddresses ?? false;
  const groups = new Map<string, { ports: EndpointPort[]; ready: EndpointAddress[]; notReady: EndpointAddress[] }>();
  for (const pod of pods) {
    if (!serviceSelects(svc, pod.metadata?.labels) || !shouldPodBeInEndpoints(pod, publishNotReady)) continue;
    const ports: EndpointPort[] = [];
    for (const sp of svc.spec?.ports ?? []) {
      const port = findPort(pod, sp);
      if (port === undefined) continue;
      ports.push({
        ...(sp.name ? { name: sp.name } : {}),
        port,
        protocol: sp.protocol ?? 'TCP',
        ...(sp.appProtocol ? { appProtocol: sp.appProtocol } : {}),
      });
    }
    // A pod whose every port failed to resolve is left out; without ports only a headless Service lists pods.
    if (ports.length === 0 && ((svc.spec?.ports ?? []).length > 0 || svc.spec?.clusterIP !== 'None')) continue;
    ports.sort((a, b) => (a.name ?? '').localeCompare(b.name ?? '') || a.port - b.port);
    const key = ports.map((p) => `${p.name ?? ''}/${p.protocol ?? ''}/${p.port}`).join(',');
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { ports, ready: [], notReady: [] }));
    const hostname = podHostname(svc, pod);
    const addr: EndpointAddress = {
      ip: pod.status?.podIP ?? '',
      ...(hostname ? { hostname } : {}),
      ...(pod.spec?.nodeName ? { nodeName: pod.spec.nodeName } : {}),
      targetRef: {
        kind: 'Pod',
        namespace: pod.metadata?.namespace ?? '',
        name: pod.metadata?.name ?? '',
        uid: pod.metadata?.uid ?? '',
      },
    };
    if (publishNotReady || isPodReady(pod)) g.ready.push(addr);
    else g.notReady.push(addr);
  }
  const byIp = (a: EndpointAddress, b: EndpointAddress) => compareIPv4(a.ip, b.ip);
  const subsets = [...groups.values()].map(
    (g): EndpointSubset => ({
      ...(g.ready.length ? { addresses: g.ready.sort(byIp) } : {}),
      ...(g.notReady.length ? { notReadyAddresses: g.notReady.sort(byIp) } : {}),
      ...(g.ports.length ? { ports: g.ports } : {}),
    }),
  );
  const first = (s: EndpointSubset) => (s.addresses ?? s.notReadyAddresses ?? [])[0]?.ip ?? '';
  return subsets.sort((a, b) => compareIPv4(first(a), first(b)));
}
