/**
 * The cluster network's well-known ranges and addresses, in one place (k3s' defaults). Parts that
 * take a range as an option (the node IPAM controller, the agent, the service allocator) fall back
 * to the DEFAULT_ values here; the addresses without DEFAULT_ are fixed.
 *
 *   pods      10.42.0.0/16, one /24 per node (10.42.<n>.0/24; .1 is the node's bridge)
 *   services  10.43.0.0/16: .1 the `kubernetes` Service, .10 the cluster DNS (kube-system/kube-dns)
 */

/** The cluster's pod range, split into one range per node (Kubernetes' --cluster-cidr). */
export const DEFAULT_CLUSTER_CIDR = '10.42.0.0/16';

/** The prefix length of each node's pod range (Kubernetes' --node-cidr-mask-size). */
export const DEFAULT_NODE_CIDR_MASK_SIZE = 24;

/** A node's pod range when the agent has none from its Node (spec.podCIDR): the first of the cluster range. */
export const DEFAULT_NODE_POD_CIDR = '10.42.0.0/24';

/** The Service ClusterIP range (Kubernetes' --service-cluster-ip-range). */
export const DEFAULT_SERVICE_CIDR = '10.43.0.0/16';

/** ClusterIP of `default/kubernetes` (the API server), the first address of the Service range. */
export const KUBERNETES_SERVICE_IP = '10.43.0.1';

/** ClusterIP of the cluster DNS Service `kube-system/kube-dns`; pods' resolv.conf names it. */
export const CLUSTER_DNS_IP = '10.43.0.10';

/** The DNS domain of Services and pods (`<svc>.<ns>.svc.cluster.local`). */
export const DEFAULT_CLUSTER_DOMAIN = 'cluster.local';
