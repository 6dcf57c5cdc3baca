export { CniNetwork, type CniOptions, type PodNetworkResult } from './cni-network.js';
export { ensureBlackholeRoutes, removeBlackholeRoutes } from './blackhole-routes.js';
export { readNetworkState, recordNetworkState, type NetworkState } from './network-state.js';
