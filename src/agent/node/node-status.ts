import type { Node, NodeCondition, NodeStatus } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../api/object.js';
import type { NodeConfig, NodeResources } from './node-config.js';

/** A Node as the client returns it. */
export type NodeObject = KubeObject & Node;

/** What the agent knows about its own health; every flag false/undefined means healthy. */
export interface NodeHealth {
  /** When set, Ready is False with this message (reason KubeletNotReady). */
  notReadyMessage?: string;
  memoryPressure?: boolean;
  diskPressure?: boolean;
  pidPressure?: boolean;
}

export const CONDITION_TYPES = ['MemoryPressure', 'DiskPressure', 'PIDPressure', 'Ready'] as const;

function resources(r: NodeResources): Record<string, string> {
  return { cpu: r.cpu, memory: r.memory, pods: r.pods, 'ephemeral-storage': r.ephemeralStorage };
}

/** The four kubelet conditions for a health report, without times. Pure. */
export function desiredConditions(h: NodeHealth): Omit<NodeCondition, 'lastHeartbeatTime' | 'lastTransitionTime'>[] {
  const pressure = (
    type: string,
    on: boolean | undefined,
    okReason: string,
    okMsg: string,
    badReason: string,
    badMsg: string,
  ) =>
    on
      ? { type, status: 'True', reason: badReason, message: badMsg }
      : { type, status: 'False', reason: okReason, message: okMsg };
  return [
    pressure(
      'MemoryPressure',
      h.memoryPressure,
      'KubeletHasSufficientMemory',
      'kubelet has sufficient memory available',
      'KubeletHasInsufficientMemory',
      'kubelet has insufficient memory available',
    ),
    pressure(
      'DiskPressure',
      h.diskPressure,
      'KubeletHasNoDiskPressure',
      'kubelet has no disk pressure',
      'KubeletHasDiskPressure',
      'kubelet has disk pressure',
    ),
    pressure(
      'PIDPressure',
      h.pidPressure,
      'KubeletHasSufficientPID',
      'kubelet has sufficient PID available',
      'KubeletHasInsufficientPID',
      'kubelet has insufficient PID available',
    ),
    h.notReadyMessage
      ? { type: 'Ready', status: 'False', reason: 'KubeletNotReady', message: h.notReadyMessage }
      : { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' },
  ];
}

/**
 * The status an agent posts: capacity, allocatable, addresses, nodeInfo and conditions stamped
 * with `now` as heartbeat; a condition keeps its previous lastTransitionTime unless its status
 * changed. `previous` is the node's current status (undefined at registration). Pure.
 */
export function buildNodeStatus(
  cfg: NodeConfig,
  health: NodeHealth,
  previous: NodeStatus | undefined,
  now: Date,
): NodeStatus {
  const at = rfc3339(now);
  const conditions = desiredConditions(health).map((c): NodeCondition => {
    const prev = previous?.conditions?.find((p) => p.type === c.type);
    const lastTransitionTime =
      prev && prev.status === c.status && prev.lastTransitionTime ? prev.lastTransitionTime : at;
    return { ...c, lastHeartbeatTime: at, lastTransitionTime };
  });
  return {
    capacity: resources(cfg.capacity),
    allocatable: resources(cfg.allocatable),
    addresses: [
      { type: 'InternalIP', address: cfg.internalIP },
      { type: 'Hostname', address: cfg.hostname },
    ],
    nodeInfo: {
      ...cfg.nodeInfo,
      kubeProxyVersion: '',
      machineID: '',
      systemUUID: '',
      bootID: '',
    },
    daemonEndpoints: { kubeletEndpoint: { Port: cfg.kubeletPort ?? 10250 } },
    conditions,
  };
}

/** The labels an agent sets on its node: the configured ones plus hostname, os, arch and role. Pure. */
export function nodeLabels(cfg: NodeConfig): Record<string, string> {
  return {
    ...cfg.labels,
    'kubernetes.io/hostname': cfg.hostname,
    'kubernetes.io/os': cfg.nodeInfo.operatingSystem,
    'kubernetes.io/arch': cfg.nodeInfo.architecture,
    'beta.kubernetes.io/os': cfg.nodeInfo.operatingSystem,
    'beta.kubernetes.io/arch': cfg.nodeInfo.architecture,
    ...(cfg.role ? { [`node-role.kubernetes.io/${cfg.role}`]: '' } : {}),
  };
}

/** The Node object an agent registers (labels, empty spec, full status). Pure. */
export function buildNode(cfg: NodeConfig, health: NodeHealth, now: Date): NodeObject {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: cfg.name, labels: nodeLabels(cfg) },
    spec: {},
    status: buildNodeStatus(cfg, health, undefined, now),
  };
}

/**
 * Whether a status post is needed: some condition's status, reason or message differs, or a
 * reported field (capacity, allocatable, addresses, nodeInfo) changed, or the Ready heartbeat is
 * older than `reportIntervalMs`. Pure.
 */
export function statusNeedsUpdate(
  current: NodeStatus | undefined,
  desired: NodeStatus,
  now: Date,
  reportIntervalMs: number,
): boolean {
  if (!current) return true;
  for (const d of desired.conditions ?? []) {
    const c = current.conditions?.find((x) => x.type === d.type);
    if (!c || c.status !== d.status || c.reason !== d.reason || c.message !== d.message) return true;
  }
  for (const k of ['capacity', 'allocatable', 'addresses', 'nodeInfo', 'daemonEndpoints'] as const) {
    if (JSON.stringify(current[k]) !== JSON.stringify(desired[k])) return true;
  }
  const beat = current.conditions?.find((x) => x.type === 'Ready')?.lastHeartbeatTime;
  return !beat || now.getTime() - Date.parse(beat) >= reportIntervalMs;
}

/** RFC 3339 with seconds precision, as Kubernetes writes metav1.Time. Pure. */
export function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** MicroTime (RFC 3339 with microseconds), as Lease renewTime/acquireTime. Pure. */
export function microTime(d: Date): string {
  return d.toISOString().replace(/Z$/, '000Z');
}
