import type { Node } from 'kubernetes-types/core/v1.js';
import type { Logger } from 'pino';
import type { Informer } from '../../machinery/client/informer.js';
import type { KubeClient } from '../../machinery/client/kube-client.js';
import type { KubeObject } from '../../api/object.js';
import type { Reconcile } from '../../machinery/controller/controller.js';
import { CidrAllocator } from '../../machinery/net/cidr-allocator.js';
import { DEFAULT_CLUSTER_CIDR, DEFAULT_NODE_CIDR_MASK_SIZE } from '../../machinery/net/cluster-network.js';
import { NODES } from '../../machinery/resources/well-known.js';
import type { ObjectOf } from '../../machinery/resources/resource.js';

export interface NodeIpamOptions {
  client: KubeClient;
  nodes: Informer<ObjectOf<Node>>;
  log: Logger;
  /** Cluster pod range (default 10.42.0.0/16). */
  clusterCidr?: string;
  /** Prefix length of each node's range (default 24). */
  nodeMaskSize?: number;
  /** Retry delay when the range is exhausted (default 30 s). */
  exhaustedRetryMs?: number;
}

type NodeSpec = { podCIDR?: string; podCIDRs?: string[] };

/**
 * Node IPAM: gives every Node a spec.podCIDR / podCIDRs from the cluster range, once (the API
 * server refuses to change it later), never two nodes the same one; a deleted node's range is
 * freed. The allocator is rebuilt from the cache before the first allocation, so ranges survive
 * controller restarts. Idempotent per key.
 */
export function nodeIpamReconciler(opts: NodeIpamOptions): Reconcile {
  const alloc = new CidrAllocator(
    opts.clusterCidr ?? DEFAULT_CLUSTER_CIDR,
    opts.nodeMaskSize ?? DEFAULT_NODE_CIDR_MASK_SIZE,
  );
  const owned = new Map<string, string>(); // node name -> its range
  let primed = false;
  const note = (name: string, cidr: string): void => {
    if (owned.get(name) === cidr) return;
    for (const [other, c] of owned) {
      if (c === cidr && other !== name)
        opts.log.error({ node: name, other, cidr }, 'node IPAM: two nodes claim the same pod CIDR');
    }
    alloc.occupy(cidr);
    owned.set(name, cidr);
  };
  const prime = (): void => {
    if (primed) return;
    primed = true;
    for (const n of opts.nodes.list()) {
      const cidr = specOf(n).podCIDR;
      if (cidr) note(n.metadata.name ?? '', cidr);
    }
  };

  return async ({ name }) => {
    prime();
    const node = opts.nodes.get('', name);
    if (!node || node.metadata.deletionTimestamp) {
      const cidr = owned.get(name);
      if (cidr && !node) {
        owned.delete(name);
        if (![...owned.values()].includes(cidr)) alloc.release(cidr);
        opts.log.info({ node: name, cidr }, 'node IPAM: released pod CIDR');
      }
      return;
    }
    const existing = specOf(node).podCIDR;
    if (existing) {
      note(name, existing);
      return;
    }
    let cidr = owned.get(name);
    const fresh = cidr === undefined;
    cidr ??= alloc.allocate();
    if (!cidr) {
      opts.log.warn({ node: name }, 'node IPAM: CIDRNotAvailable, the cluster pod range is exhausted');
      return { requeueAfterMs: opts.exhaustedRetryMs ?? 30_000 };
    }
    owned.set(name, cidr);
    try {
      await opts.client.patch(NODES, '', name, 'merge', { spec: { podCIDR: cidr, podCIDRs: [cidr] } });
      opts.log.info({ node: name, cidr }, 'node IPAM: assigned pod CIDR');
    } catch (err) {
      if (fresh) {
        owned.delete(name);
        alloc.release(cidr);
      }
      throw err;
    }
  };
}

function specOf(n: KubeObject): NodeSpec {
  return (n.spec ?? {}) as NodeSpec;
}
