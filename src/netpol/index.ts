/**
 * NetworkPolicy enforcement: policies, pods and namespaces -> one nftables table per node.
 *
 *   informers --> compilePolicies (pure) --> renderUpdate (pure, diff vs last applied) --> nft -f -
 */
export { startNetworkPolicy, deleteNetworkPolicyTable, type StartNetworkPolicyOptions, type RunningNetworkPolicy } from './start-network-policy.js';
export { compilePolicies, policySelects, policyTypes, policyPodIP, normalizeCidr, type PolicyTable, type CompileInput } from './compile.js';
export { renderTable, renderUpdate } from './render.js';
export { networkPolicyTableName } from './table-name.js';
