/**
 * Extra nodes on this machine for `flotilla up --nodes N`: a network namespace per node,
 * a veth to a host bridge, an agent process inside. See node-layout.ts for the names and addresses.
 */
export {
  nodeLayout,
  DEFAULT_CLUSTER_NAME,
  DEFAULT_NODE_SUBNET,
  type NodeLayout,
  type ExtraNode,
} from './node-layout.js';
export {
  startClusterNodes,
  removeClusterNodes,
  selfCommand,
  type ClusterNodes,
  type RunningExtraNode,
  type StartClusterNodesOptions,
} from './start-cluster-nodes.js';
export { ensureNodeBridge, deleteNodeBridge, setNodeLink, netnsPath } from './node-netns.js';
export { readClusterNodesState, type ClusterNodesState } from './cluster-nodes-state.js';
export {
  serverLayout,
  startClusterServers,
  removeClusterServers,
  type ExtraServer,
  type ClusterServers,
  type RunningExtraServer,
} from './start-cluster-servers.js';
