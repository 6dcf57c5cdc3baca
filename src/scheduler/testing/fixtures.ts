import type { Node, Pod, Taint } from 'kubernetes-types/core/v1.js';
import { SchedulerCache } from '../cache/scheduler-cache.js';
import { podInfoOf, type PodInfo } from '../framework/pod-info.js';

/** A Ready node with capacity = allocatable (test fixture). */
export function makeNode(
  name: string,
  o: {
    cpu?: string;
    memory?: string;
    pods?: string;
    labels?: Record<string, string>;
    taints?: Taint[];
    unschedulable?: boolean;
    extra?: Record<string, string>;
  } = {},
): Node {
  const alloc = { cpu: o.cpu ?? '4', memory: o.memory ?? '8Gi', pods: o.pods ?? '110', ...o.extra };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...o.labels } },
    spec: { ...(o.taints ? { taints: o.taints } : {}), ...(o.unschedulable ? { unschedulable: true } : {}) },
    status: { capacity: alloc, allocatable: alloc, conditions: [{ type: 'Ready', status: 'True' }] },
  };
}

/** A pending pod with one container (test fixture); `spec` is merged over the default. */
export function makePod(
  name: string,
  o: {
    cpu?: string;
    memory?: string;
    labels?: Record<string, string>;
    namespace?: string;
    spec?: Partial<NonNullable<Pod['spec']>>;
    priority?: number;
  } = {},
): Pod {
  const requests: Record<string, string> = {};
  if (o.cpu) requests.cpu = o.cpu;
  if (o.memory) requests.memory = o.memory;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: o.namespace ?? 'default', uid: `uid-${name}`, labels: o.labels },
    spec: {
      containers: [{ name: 'c', image: 'busybox', resources: { requests } }],
      ...(o.priority !== undefined ? { priority: o.priority } : {}),
      ...o.spec,
    },
    status: { phase: 'Pending' },
  };
}

export function info(pod: Pod): PodInfo {
  return podInfoOf(pod, pod.spec?.priority ?? 0);
}

/** A cache holding the nodes, and the pods bound where `placed` says. */
export function cacheWith(nodes: Node[], placed: [Pod, string][] = []): SchedulerCache {
  const c = new SchedulerCache();
  for (const n of nodes) c.setNode(n);
  for (const [p, node] of placed) c.addOrUpdatePod(info(p), node);
  return c;
}
