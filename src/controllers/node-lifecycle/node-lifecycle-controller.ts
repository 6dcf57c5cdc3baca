import type { Logger } from 'pino';
import type { Node, NodeCondition, Pod } from 'kubernetes-types/core/v1.js';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { KubeObject } from '../../api/object.js';
import { isNotFound } from '../../machinery/client/client-error.js';
import type { Informer } from '../../machinery/client/informer.js';
import type { KubeClient } from '../../machinery/client/kube-client.js';
import type { ObjectKey } from '../../machinery/client/object-key.js';
import type { Reconcile, ReconcileResult } from '../../machinery/controller/controller.js';
import { evictionTime } from './pod-eviction.js';
import { notReadyConditions } from './mark-pods-not-ready.js';
import { readyStatus, reconcileTaints } from './node-taints.js';
import { NODES, PODS } from '../../machinery/resources/well-known.js';
import type { ObjectOf } from '../../machinery/resources/resource.js';
import { podsOnNode as podsBoundTo } from '../../machinery/client/indexes.js';

export const NODE_LEASE_NAMESPACE = 'kube-node-lease';

type PodObject = KubeObject & Pod;

export interface NodeLifecycleOptions {
  client: KubeClient;
  nodes: Informer<ObjectOf<Node>>;
  /** Leases of all namespaces or only kube-node-lease; others are ignored. */
  leases: Informer<ObjectOf<Lease>>;
  pods: Informer<ObjectOf<Pod>>;
  log: Logger;
  /** A node whose Lease and Ready heartbeat did not move for this long becomes Unknown (default 8000 ms; Kubernetes: 40 s). */
  gracePeriodMs?: number;
  /** Milliseconds since the epoch (tests inject a clock). */
  now?: () => number;
}

/** The conditions the controller writes when a kubelet went silent: every kubelet condition Unknown. Pure. */
export function unknownConditions(current: readonly NodeCondition[] | undefined, nowIso: string): NodeCondition[] {
  const reason = current?.some((c) => c.type === 'Ready') ? 'NodeStatusUnknown' : 'NodeStatusNeverUpdated';
  const message =
    reason === 'NodeStatusUnknown' ? 'Kubelet stopped posting node status.' : 'Kubelet never posted node status.';
  const types = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'];
  const out: NodeCondition[] = (current ?? []).filter((c) => !types.includes(c.type)).map((c) => ({ ...c }));
  for (const type of types) {
    const prev = current?.find((c) => c.type === type);
    out.push({
      type,
      status: 'Unknown',
      reason,
      message,
      lastHeartbeatTime: prev?.lastHeartbeatTime ?? nowIso,
      lastTransitionTime: prev?.status === 'Unknown' && prev.lastTransitionTime ? prev.lastTransitionTime : nowIso,
    });
  }
  return out;
}

/**
 * Node lifecycle (kube-controller-manager's node lifecycle controller and taint eviction, in one
 * level-triggered reconcile per node):
 *
 *   Lease renewTime / Ready heartbeat moved? --> remember when (local clock, so skew does not matter)
 *   silent for gracePeriodMs                  --> conditions Unknown (NodeStatusUnknown)
 *   Ready Unknown / False / True              --> unreachable / not-ready NoSchedule+NoExecute taints / none
 *   Ready Unknown                             --> its pods' Ready condition False (out of Service endpoints)
 *   NoExecute taints                          --> pods not tolerating them deleted now, the others
 *                                                  after their tolerationSeconds
 *
 * Returns a requeue at the next moment something could change (grace expiry, an eviction due).
 * Node keys are `name`; pods and Leases map to their node's key (see keysFor*).
 */
export function nodeLifecycleReconciler(
  opts: NodeLifecycleOptions,
): Reconcile & { podsOnNode(name: string): PodObject[] } {
  const grace = opts.gracePeriodMs ?? 8000;
  const now = opts.now ?? Date.now;
  const probes = new Map<string, { mark: string; at: number }>();
  // Pods by spec.nodeName, from the shared pod informer's index.
  const podsOnNode = (name: string): PodObject[] => podsBoundTo(opts.pods, name);

  const reconcile = async ({ name }: ObjectKey): Promise<ReconcileResult | void> => {
    const node = opts.nodes.get('', name);
    if (!node) {
      probes.delete(name);
      return;
    }
    const t = now();
    const lease = opts.leases.get(NODE_LEASE_NAMESPACE, name);
    const heartbeat = node.status?.conditions?.find((c) => c.type === 'Ready')?.lastHeartbeatTime ?? '';
    const mark = `${lease?.spec?.renewTime ?? ''}|${heartbeat}`;
    let probe = probes.get(name);
    if (!probe || probe.mark !== mark) probes.set(name, (probe = { mark, at: t }));

    let conditions = node.status?.conditions;
    let rv = node.metadata.resourceVersion;
    const silentFor = t - probe.at;
    const nowIso = new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');
    if (silentFor >= grace && !readyUnknown(conditions)) {
      conditions = unknownConditions(conditions, nowIso);
      opts.log.info(
        { node: name, silentMs: silentFor },
        'node lifecycle: node stopped posting status; marking Unknown',
      );
      const updated = await opts.client.patch(
        NODES,
        '',
        name,
        'merge',
        { status: { conditions } },
        { subresource: 'status' },
      );
      rv = updated.metadata.resourceVersion;
    }

    const ready = readyStatus(conditions);
    let taints = node.spec?.taints ?? [];
    const nextTaints = reconcileTaints(taints, ready, nowIso);
    if (nextTaints) {
      opts.log.info(
        { node: name, ready, taints: nextTaints.map((x) => `${x.key}:${x.effect}`) },
        'node lifecycle: updating taints',
      );
      await opts.client.patch(NODES, '', name, 'merge', {
        metadata: { resourceVersion: rv },
        spec: { taints: nextTaints },
      });
      taints = nextTaints;
    }

    let next = ready === 'Unknown' ? Infinity : Math.max(100, grace - silentFor);
    for (const pod of podsOnNode(name)) {
      if (pod.metadata.deletionTimestamp) continue;
      if (ready === 'Unknown') await markNotReady(pod, nowIso);
      const d = evictionTime(pod.spec?.tolerations, taints, t);
      if (d.at === 'never') continue;
      if (d.at === 'now' || d.at <= t) {
        opts.log.info(
          { node: name, pod: `${pod.metadata.namespace}/${pod.metadata.name}` },
          'node lifecycle: evicting pod from tainted node',
        );
        try {
          await opts.client.delete(PODS, pod.metadata.namespace ?? '', pod.metadata.name ?? '', {
            preconditions: { uid: pod.metadata.uid },
          });
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
      } else {
        next = Math.min(next, d.at - t);
      }
    }
    return next === Infinity ? undefined : { requeueAfterMs: Math.ceil(next) };
  };
  /** The resourceVersion precondition keeps a status the agent wrote meanwhile (a conflict requeues the node). */
  const markNotReady = async (pod: PodObject, nowIso: string): Promise<void> => {
    const conditions = notReadyConditions(pod.status?.conditions, nowIso);
    if (!conditions) return;
    opts.log.info(
      { node: pod.spec?.nodeName, pod: `${pod.metadata.namespace}/${pod.metadata.name}` },
      'node lifecycle: node unreachable; marking pod not ready',
    );
    try {
      await opts.client.patch(
        PODS,
        pod.metadata.namespace ?? '',
        pod.metadata.name ?? '',
        'merge',
        { metadata: { resourceVersion: pod.metadata.resourceVersion }, status: { conditions } },
        { subresource: 'status' },
      );
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  };
  return Object.assign(reconcile, { podsOnNode });
}

function readyUnknown(conditions: readonly NodeCondition[] | undefined): boolean {
  const ready = conditions?.find((c) => c.type === 'Ready');
  return ready?.status === 'Unknown';
}

/** Lease events -> their node's key (only Leases in kube-node-lease). */
export function nodeKeyOfLease(lease: KubeObject): ObjectKey[] {
  return lease.metadata.namespace === NODE_LEASE_NAMESPACE ? [{ namespace: '', name: lease.metadata.name ?? '' }] : [];
}

/** Pod events -> their node's key, only when that node has NoExecute taints (so healthy nodes cost nothing). */
export function nodeKeyOfPod(nodes: Informer<ObjectOf<Node>>): (pod: ObjectOf<Pod>) => ObjectKey[] {
  return (pod) => {
    const nodeName = pod.spec?.nodeName;
    if (!nodeName || pod.metadata.deletionTimestamp) return [];
    const node = nodes.get('', nodeName);
    return node?.spec?.taints?.some((t) => t.effect === 'NoExecute') ? [{ namespace: '', name: nodeName }] : [];
  };
}
