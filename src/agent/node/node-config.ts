import { arch, hostname, platform, release } from 'node:os';

/** Resources a node offers (Kubernetes quantity strings, e.g. cpu '8', memory '32Gi'). */
export interface NodeResources {
  cpu: string;
  memory: string;
  pods: string;
  ephemeralStorage: string;
}

/** Versions and platform a node reports in status.nodeInfo. */
export interface NodeInfoConfig {
  kubeletVersion: string;
  containerRuntimeVersion: string;
  osImage: string;
  kernelVersion: string;
  architecture: string;
  operatingSystem: string;
}

/**
 * What an agent (real or hollow) says about its node. Everything but `name` and `internalIP` has
 * a default (see resolveNodeConfig); the result is immutable once the agent starts.
 */
export interface NodeConfig {
  name: string;
  internalIP: string;
  /** Hostname address and kubernetes.io/hostname label; default the node name. */
  hostname: string;
  capacity: NodeResources;
  /** Default: the capacity. */
  allocatable: NodeResources;
  /** Extra labels (kubernetes.io/hostname, os and arch are added). */
  labels: Record<string, string>;
  /** Adds label node-role.kubernetes.io/<role>: '' (e.g. 'control-plane', 'hollow'). */
  role?: string;
  nodeInfo: NodeInfoConfig;
  /** Port of the agent's HTTPS server (status.daemonEndpoints.kubeletEndpoint.Port); default 10250. */
  kubeletPort?: number;
}

export const KUBELET_VERSION = 'v1.31.0-flotilla';

/** This machine's nodeInfo (the real agent's default). Reads only `os` facts; no I/O. */
export function hostNodeInfo(runtimeVersion = 'runc://flotilla'): NodeInfoConfig {
  return {
    kubeletVersion: KUBELET_VERSION,
    containerRuntimeVersion: runtimeVersion,
    osImage: 'Linux',
    kernelVersion: release(),
    architecture: goArch(arch()),
    operatingSystem: platform(),
  };
}

/** Node's os.arch() in Kubernetes (Go) terms: x64 -> amd64, ia32 -> 386; others unchanged. Pure. */
export function goArch(nodeArch: string): string {
  return nodeArch === 'x64' ? 'amd64' : nodeArch === 'ia32' ? '386' : nodeArch;
}

export const DEFAULT_CAPACITY: NodeResources = { cpu: '8', memory: '32Gi', pods: '110', ephemeralStorage: '100Gi' };

/** What resolveNodeConfig needs: a name and an IP; the rest optional (nested parts may be partial). */
export type NodeConfigInput = Partial<Omit<NodeConfig, 'capacity' | 'allocatable' | 'nodeInfo'>> & {
  name: string;
  internalIP: string;
  capacity?: Partial<NodeResources>;
  allocatable?: Partial<NodeResources>;
  nodeInfo?: Partial<NodeInfoConfig>;
};

/** Fills a partial config with defaults (hostname = name, allocatable = capacity, host nodeInfo). Pure apart from os facts. */
export function resolveNodeConfig(c: NodeConfigInput): NodeConfig {
  const capacity = { ...DEFAULT_CAPACITY, ...c.capacity };
  return {
    name: c.name,
    internalIP: c.internalIP,
    hostname: c.hostname ?? c.name,
    capacity,
    allocatable: { ...capacity, ...c.allocatable },
    labels: { ...c.labels },
    ...(c.role ? { role: c.role } : {}),
    ...(c.kubeletPort !== undefined ? { kubeletPort: c.kubeletPort } : {}),
    nodeInfo: { ...hostNodeInfo(), ...c.nodeInfo },
  };
}

/** The machine's host name (the real agent's default node name). */
export function defaultNodeName(): string {
  return hostname().toLowerCase();
}
