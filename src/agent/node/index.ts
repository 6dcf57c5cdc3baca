/**
 * Node registration, status and Lease renewal, shared by the real agent and hollow nodes.
 *
 *   NodeConfig --> buildNode / buildNodeStatus (pure) --> NodeHeartbeat: register, renew Lease, post status
 */
export {
  resolveNodeConfig,
  hostNodeInfo,
  defaultNodeName,
  goArch,
  KUBELET_VERSION,
  DEFAULT_CAPACITY,
  type NodeConfig,
  type NodeConfigInput,
  type NodeResources,
  type NodeInfoConfig,
} from './node-config.js';
export {
  buildNode,
  buildNodeStatus,
  desiredConditions,
  nodeLabels,
  statusNeedsUpdate,
  rfc3339,
  microTime,
  type NodeHealth,
  type NodeObject,
} from './node-status.js';
export { NodeLeaseRenewer, buildNodeLease, NODE_LEASE_NAMESPACE, type LeaseObject } from './node-lease.js';
export { NodeHeartbeat, type NodeHeartbeatOptions } from './node-heartbeat.js';
