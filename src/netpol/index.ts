/**
 * NetworkPolicy enforcement: policies, pods and namespaces -> one nftables table per node.
 *
 *   informers --(changed keys)--> IncrementalCompiler (recomputes what a change affects) --> table()
 *     --> renderUpdate (pure, diff vs last applied) --> one transaction in a kept `nft -i` (NftSession)
 *
 * compilePolicies compiles from scratch: the reference the incremental compiler is tested against.
 */
export {
  startNetworkPolicy,
  deleteNetworkPolicyTable,
  type StartNetworkPolicyOptions,
  type RunningNetworkPolicy,
  type SyncTiming,
} from './start-network-policy.js';
export {
  compilePolicies,
  policySelects,
  policyTypes,
  policyPodIP,
  normalizeCidr,
  type PolicyTable,
  type CompileInput,
} from './compile.js';
export { IncrementalCompiler } from './incremental-compiler.js';
export { renderTable, renderUpdate } from './render.js';
export { networkPolicyTableName } from '../machinery/nftables/node-tables.js';
