import type { Logger } from 'pino';
import type { KubeClient } from '../../machinery/client/kube-client.js';
import type { SharedInformers } from '../../machinery/client/shared-informers.js';
import { runController, type RunningController } from '../../machinery/controller/controller.js';
import { nodeIpamReconciler } from '../node-ipam/node-ipam-controller.js';
import { nodeKeyOfLease, nodeKeyOfPod, nodeLifecycleReconciler } from './node-lifecycle-controller.js';
import { LEASES, NODES, PODS } from '../../machinery/resources/well-known.js';

/** Settings of the node controllers (defaults in brackets; the server passes FLOTILLA_NODE_* and FLOTILLA_CLUSTER_CIDR). */
export interface NodeControllerSettings {
  /** Silence after which a node is Unknown [8000 ms]. */
  gracePeriodMs?: number;
  /** Cluster pod range [10.42.0.0/16]. */
  clusterCidr?: string;
  /** Per-node prefix length [24]. */
  nodeMaskSize?: number;
}

/**
 * Starts node lifecycle and node IPAM over the shared informers (nodes, pods: full; leases).
 * The informers are started by the caller (SharedInformers.startAll). Resolves once synced.
 */
export async function startNodeControllers(opts: {
  client: KubeClient;
  informers: SharedInformers;
  log: Logger;
  settings?: NodeControllerSettings;
}): Promise<RunningController[]> {
  const settings = opts.settings ?? {};
  const nodes = opts.informers.informerFor(NODES, 'full');
  const pods = opts.informers.informerFor(PODS, 'full');
  const leases = opts.informers.informerFor(LEASES, 'full');
  const lifecycle = nodeLifecycleReconciler({
    client: opts.client,
    nodes,
    leases,
    pods,
    log: opts.log,
    gracePeriodMs: settings.gracePeriodMs,
  });
  return await Promise.all([
    runController({
      name: 'node-lifecycle',
      log: opts.log,
      workers: 2,
      sources: [
        { informer: nodes },
        { informer: leases, keysFor: nodeKeyOfLease },
        { informer: pods, keysFor: nodeKeyOfPod(nodes) },
      ],
      reconcile: lifecycle,
    }),
    runController({
      name: 'node-ipam',
      log: opts.log,
      workers: 1,
      sources: [{ informer: nodes }],
      reconcile: nodeIpamReconciler({
        client: opts.client,
        nodes,
        log: opts.log,
        clusterCidr: settings.clusterCidr,
        nodeMaskSize: settings.nodeMaskSize,
      }),
    }),
  ]);
}
