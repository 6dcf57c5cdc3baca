import type { Container, Pod, ResourceFieldSelector } from 'kubernetes-types/core/v1.js';
import { mustParseQuantity } from '../../api/validation/quantity.js';

/** The node's allocatable cpu and memory: the default of a limit a container does not set. */
export interface NodeAllocatable {
  cpu?: string;
  memory?: string;
}

/** Pod IPs known at container start (env only; volumes do not offer them). */
export interface PodAddresses {
  podIP?: string;
  hostIP?: string;
}

/** Labels or annotations as the downward API writes them: `key="value"` lines, keys sorted. Pure. */
export function formatMap(m: Record<string, string> | undefined): string {
  return Object.keys(m ?? {})
    .sort()
    .map((k) => `${k}=${JSON.stringify(m?.[k] ?? '')}`)
    .join('\n');
}

/**
 * The value of a downward API fieldRef, as the kubelet resolves it: metadata.name/namespace/uid,
 * metadata.labels and metadata.annotations (all, formatted) or one key (`metadata.labels['k']`),
 * spec.nodeName, spec.serviceAccountName, status.podIP(s), status.hostIP(s). Throws for an
 * unsupported path. Pure.
 */
export function podFieldValue(pod: Pod, fieldPath: string, addr: PodAddresses = {}): string {
  const m = pod.metadata ?? {};
  const one = /^metadata\.(labels|annotations)\['(.*)'\]$/.exec(fieldPath);
  if (one) return (one[1] === 'labels' ? m.labels : m.annotations)?.[one[2] ?? ''] ?? '';
  switch (fieldPath) {
    case 'metadata.name':
      return m.name ?? '';
    case 'metadata.namespace':
      return m.namespace ?? '';
    case 'metadata.uid':
      return m.uid ?? '';
    case 'metadata.labels':
      return formatMap(m.labels);
    case 'metadata.annotations':
      return formatMap(m.annotations);
    case 'spec.nodeName':
      return pod.spec?.nodeName ?? '';
    case 'spec.serviceAccountName':
      return pod.spec?.serviceAccountName ?? '';
    case 'status.podIP':
    case 'status.podIPs':
      return addr.podIP ?? '';
    case 'status.hostIP':
    case 'status.hostIPs':
      return addr.hostIP ?? '';
    default:
      throw new Error(`unsupported fieldPath: ${fieldPath}`);
  }
}

/**
 * The value of a resourceFieldRef, as the kubelet computes it: the container's limit (the node's
 * allocatable when it sets none) or request (the limit when only that is set, else 0), divided
 * by the divisor (default 1) and rounded up — cpu in millicores first, memory in bytes. `container`
 * is the container the reference is resolved for (env: the current one when containerName is
 * empty). Throws for an unknown container or resource. Pure.
 */
export function resourceFieldValue(
  pod: Pod,
  ref: ResourceFieldSelector,
  current: Container | undefined,
  node: NodeAllocatable,
): string {
  const c = ref.containerName
    ? [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].find((x) => x.name === ref.containerName)
    : current;
  if (!c)
    throw new Error(
      `cannot find container ${JSON.stringify(ref.containerName ?? '')} in pod ${pod.metadata?.namespace}/${pod.metadata?.name}`,
    );
  const m = /^(limits|requests)\.(cpu|memory|ephemeral-storage)$/.exec(ref.resource);
  if (!m) throw new Error(`unsupported container resource : ${ref.resource}`);
  const [, kind = '', res = ''] = m;
  const limits = c.resources?.limits ?? {};
  const requests = c.resources?.requests ?? {};
  const nodeValue = res === 'cpu' ? node.cpu : res === 'memory' ? node.memory : undefined;
  const raw = kind === 'limits' ? (limits[res] ?? nodeValue ?? 0) : (requests[res] ?? limits[res] ?? 0);
  const divisor =
    ref.divisor !== undefined && mustParseQuantity(ref.divisor) !== 0 ? mustParseQuantity(ref.divisor) : 1;
  if (res === 'cpu') {
    const milli = (q: number): number => Math.ceil(Math.round(q * 1e9) / 1e6); // Quantity.MilliValue rounds up
    return String(Math.ceil(milli(mustParseQuantity(raw)) / milli(divisor)));
  }
  return String(Math.ceil(Math.ceil(mustParseQuantity(raw)) / Math.ceil(divisor)));
}
