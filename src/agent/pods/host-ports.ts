import type { Pod } from 'kubernetes-types/core/v1.js';
import type { PortMapping } from '../runtime/container-runtime.js';

/** The pod's hostPorts as CNI portmap mappings (none for hostNetwork pods: their ports are the host's). Pure. */
export function hostPortMappings(pod: Pod): PortMapping[] {
  if (pod.spec?.hostNetwork) return [];
  return [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].flatMap((c) =>
    (c.ports ?? [])
      .filter((p) => (p.hostPort ?? 0) > 0)
      .map((p) => ({
        hostPort: p.hostPort ?? 0,
        containerPort: p.containerPort,
        protocol: (p.protocol ?? 'TCP').toLowerCase() as PortMapping['protocol'],
        ...(p.hostIP ? { hostIP: p.hostIP } : {}),
      })),
  );
}
