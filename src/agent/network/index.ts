export { CniNetwork, type CniOptions, type PodNetworkResult } from './cni-network.js';
export { ensureBlackholeRoutes, removeBlackholeRoutes } from './blackhole-routes.js';
