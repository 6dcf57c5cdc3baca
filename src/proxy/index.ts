/**
 * The service proxy: Services and EndpointSlices -> one nftables table per node.
 *
 *   informers --> buildRuleset (pure) --> renderScript (diff vs last applied) --> nft -f -
 */
export { startProxy, applyNft, deleteTable, type StartProxyOptions, type RunningProxy } from './start-proxy.js';
export { buildRuleset, renderScript, portEndpoints, type Ruleset, type ServiceInput, type StaticDnat } from './ruleset.js';
