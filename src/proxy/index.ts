/**
 * The service proxy: Services and EndpointSlices -> one nftables table per node.
 *
 *   informers --> RulesetBuilder (pure, per-Service fragments cached by object identity)
 *     --> renderScript (diff vs last applied) --> one transaction in a kept `nft -i` (NftSession)
 *     --> conntrack -D (stale UDP flows)
 */
export {
  startProxy,
  applyNft,
  deleteTable,
  bridgedTrafficHooked,
  type StartProxyOptions,
  type RunningProxy,
} from './start-proxy.js';
export {
  buildRuleset,
  RulesetBuilder,
  renderScript,
  allChains,
  portEndpoints,
  type Ruleset,
  type RulesetOptions,
  type ServiceInput,
  type StaticDnat,
} from './ruleset.js';
export { staleUdpFlows } from './conntrack-cleanup.js';
