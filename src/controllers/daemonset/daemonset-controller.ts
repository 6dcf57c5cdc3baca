import type { Logger } from 'pino';
import type { ControllerRevision, DaemonSet, DaemonSetStatus } from 'kubernetes-types/apps/v1.js';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../api/object.js';
import type { KubeClient } from '../../machinery/client/kube-client.js';
import type { Informer, InformerHandlers } from '../../machinery/client/informer.js';
import { isConflict, isNotFound } from '../../machinery/client/client-error.js';
import { keyOf, objectKey, type ObjectKey } from '../../machinery/client/object-key.js';
import type { ReconcileResult } from '../../machinery/controller/controller.js';
import type { EventRecorder } from '../../machinery/events/event-recorder.js';
import { CONTROLLER_REVISION_HASH, ownedRevisions, revisionsToPrune } from '../history/controller-revision.js';
import { deleteRevisions, syncRevisions } from '../history/revision-store.js';
import { scaledValue } from '../deployment/rollout-math.js';
import { controllerOf } from '../replicaset/controller-ref.js';
import { isPodReady } from '../replicaset/pod-state.js';
import { newDaemonPod, templateGeneration, type DaemonSetObject } from './daemon-pod.js';
import { planDaemonSet, type DaemonPlan, type NodeState } from './daemonset-plan.js';
import { calculateDaemonSetStatus, daemonSetStatusChanged } from './daemonset-status.js';
import { nodeShouldRunDaemonPod, targetNodeOf } from './node-eligibility.js';
import { observeOwnedPods, PodExpectations } from '../pod-expectations.js';
import { claimPods } from '../statefulset/claim-pods.js';
import { DAEMONSETS, PODS } from '../../machinery/resources/well-known.js';
import type { ObjectOf } from '../../machinery/resources/resource.js';

export interface DaemonSetControllerOptions {
  client: KubeClient;
  daemonSets: Informer<ObjectOf<DaemonSet>>;
  pods: Informer<ObjectOf<Pod>>;
  nodes: Informer<ObjectOf<Node>>;
  revisions: Informer<ObjectOf<ControllerRevision>>;
  recorder: EventRecorder;
  log: Logger;
  /** Clock in ms (default Date.now). */
  now?: () => number;
}

/**
 * Kubernetes' DaemonSet controller: one pod per eligible node (nodeSelector, required node
 * affinity, taints against the pod's and the default daemon tolerations), pinned to its node with
 * a matchFields metadata.name node affinity for the scheduler to bind; pods of ineligible or
 * deleted nodes go. ControllerRevisions of the template, RollingUpdate (maxUnavailable / maxSurge)
 * or OnDelete, status last. Creates and deletes are expectations, so a stale cache never doubles
 * a node's pod.
 */
export class DaemonSetController {
  readonly expectations: PodExpectations;
  /** Pod informer handlers that feed the expectations (register before the queue's). */
  readonly observePod: InformerHandlers<KubeObject>;
  private readonly now: () => number;

  constructor(private readonly opts: DaemonSetControllerOptions) {
    this.now = opts.now ?? Date.now;
    this.expectations = new PodExpectations(this.now);
    this.observePod = observeOwnedPods('DaemonSet', this.expectations);
  }

  /** Maps a pod or ControllerRevision event to the DaemonSet controlling it. */
  keysForOwned = (obj: KubeObject): ObjectKey[] => {
    const ref = controllerOf(obj);
    return ref?.kind === 'DaemonSet' ? [{ namespace: obj.metadata.namespace ?? '', name: ref.name }] : [];
  };

  /**
   * A node added, deleted, or changed in what eligibility reads (labels, taints, unschedulable)
   * concerns every DaemonSet; heartbeat-only updates concern none (shouldIgnoreNodeUpdate).
   * The informer drops a deleted node from its cache before the handlers run.
   */
  keysForNode = (node: ObjectOf<Node>): ObjectKey[] => {
    const name = node.metadata.name ?? '';
    const spec = node.spec;
    const print = JSON.stringify([node.metadata.labels ?? {}, spec?.taints ?? [], spec?.unschedulable ?? false]);
    const gone = this.opts.nodes.get(undefined, name) === undefined;
    if (gone) this.nodePrints.delete(name);
    else if (this.nodePrints.get(name) === print) return [];
    else this.nodePrints.set(name, print);
    return this.opts.daemonSets
      .list()
      .map((ds) => ({ namespace: ds.metadata.namespace ?? '', name: ds.metadata.name ?? '' }));
  };

  /** What eligibility read of each node when it last woke the DaemonSets. */
  private readonly nodePrints = new Map<string, string>();

  /** Level-triggered sync of one DaemonSet. Idempotent; throws to retry. */
  reconcile = async ({ namespace, name }: ObjectKey): Promise<ReconcileResult | void> => {
    const key = keyOf(namespace, name);
    const ds = this.opts.daemonSets.get(namespace, name);
    if (!ds) {
      this.expectations.forget(key);
      return;
    }
    const revs = await syncRevisions(
      this.opts.client,
      ds,
      ds.spec?.template,
      ownedRevisions(ds, this.opts.revisions.list(namespace)),
      {
        hashLabel: 'hash',
        collisionCount: ds.status?.collisionCount ?? 0,
      },
    );
    const hash = revs.update.metadata.labels?.[CONTROLLER_REVISION_HASH] ?? '';
    const generation = templateGeneration(ds);
    const owned = await claimPods(this.opts.client, DAEMONSETS, ds, this.opts.pods.list(namespace), () => true);
    const { nodes, podsOnMissingNodes } = this.nodeStates(ds, owned);
    const minReadySeconds = ds.spec?.minReadySeconds ?? 0;
    const nowMs = this.now();
    if (!ds.metadata.deletionTimestamp && this.expectations.satisfied(key)) {
      const desired = nodes.filter((n) => n.shouldRun).length;
      const ru = ds.spec?.updateStrategy?.rollingUpdate;
      const rollingUpdate = (ds.spec?.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
      let rolling: { maxSurge: number; maxUnavailable: number } | undefined;
      if (rollingUpdate) {
        const maxSurge = scaledValue(ru?.maxSurge ?? 0, desired, true);
        const maxUnavailable = scaledValue(ru?.maxUnavailable ?? 1, desired, true);
        rolling = { maxSurge, maxUnavailable: maxSurge === 0 && maxUnavailable === 0 ? 1 : maxUnavailable };
      }
      const plan = planDaemonSet({ nodes, podsOnMissingNodes, hash, generation, rolling, minReadySeconds, nowMs });
      await this.apply(ds, key, plan, hash);
    }
    const status = calculateDaemonSetStatus({
      nodes,
      hash,
      generation,
      collisionCount: revs.collisionCount,
      observedGeneration: ds.metadata.generation,
      minReadySeconds,
      nowMs,
    });
    await this.writeStatus(ds, status);
    const live = new Set([revs.update.metadata.name ?? '']);
    await deleteRevisions(
      this.opts.client,
      revisionsToPrune(revs.revisions, live, ds.spec?.revisionHistoryLimit ?? 10).filter(
        (r) =>
          !nodes.some((n) =>
            n.pods.some(
              (p) => p.metadata?.labels?.[CONTROLLER_REVISION_HASH] === r.metadata.labels?.[CONTROLLER_REVISION_HASH],
            ),
          ),
      ),
    );
    const pendingAvailability =
      minReadySeconds > 0 &&
      nodes.some((n) => n.pods.some((p) => isPodReady(p))) &&
      (status.numberAvailable ?? 0) < (status.numberReady ?? 0);
    if (pendingAvailability) return { requeueAfterMs: minReadySeconds * 1000 };
  };

  /** Every node with its eligibility and the DaemonSet's pods there, sorted by name; and pods whose node is gone. */
  private nodeStates(ds: DaemonSetObject, owned: Pod[]): { nodes: NodeState[]; podsOnMissingNodes: Pod[] } {
    const byNode = new Map<string, Pod[]>();
    for (const p of owned) {
      const node = targetNodeOf(p) ?? '';
      byNode.set(node, [...(byNode.get(node) ?? []), p]);
    }
    const nodes = this.opts.nodes
      .list()
      .map((n) => ({
        name: n.metadata.name ?? '',
        ...nodeShouldRunDaemonPod(n, ds.spec?.template),
        pods: byNode.get(n.metadata.name ?? '') ?? [],
      }))
      .sort((a, b) => a.name.localeCompare(b.name));
    const known = new Set(nodes.map((n) => n.name));
    const podsOnMissingNodes = [...byNode.entries()].filter(([n]) => !known.has(n)).flatMap(([, ps]) => ps);
    return { nodes, podsOnMissingNodes };
  }

  private async apply(ds: DaemonSetObject, key: string, plan: DaemonPlan, hash: string): Promise<void> {
    const ns = ds.metadata.namespace ?? '';
    if (plan.createOn.length === 0 && plan.remove.length === 0) return;
    this.expectations.expect(
      key,
      plan.createOn.length,
      plan.remove.map((p) => objectKey(p as KubeObject)),
    );
    const failures: unknown[] = [];
    await Promise.all(
      plan.remove.map(async (pod) => {
        const podName = pod.metadata?.name ?? '';
        try {
          await this.opts.client.delete(PODS, ns, podName, { preconditions: { uid: pod.metadata?.uid } });
          this.opts.recorder.event(ds, 'Normal', 'SuccessfulDelete', `Deleted pod: ${podName}`);
        } catch (err) {
          this.expectations.deletionObserved(key, objectKey(pod as KubeObject));
          if (isNotFound(err) || isConflict(err)) return;
          this.opts.recorder.event(ds, 'Warning', 'FailedDelete', `Error deleting: ${message(err)}`);
          failures.push(err);
        }
      }),
    );
    await Promise.all(
      plan.createOn.map(async (node) => {
        try {
          const created = await this.opts.client.create(PODS, ns, newDaemonPod(ds, ds.spec?.template, node, hash));
          this.opts.recorder.event(ds, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata.name ?? ''}`);
        } catch (err) {
          this.expectations.creationObserved(key);
          this.opts.recorder.event(ds, 'Warning', 'FailedCreate', `Error creating: ${message(err)}`);
          failures.push(err);
        }
      }),
    );
    if (failures.length > 0) throw new Error(`daemonset ${key}: ${message(failures[0])}`);
  }

  /** Writes the status when it changed (one retry on a fresh copy after a conflict). */
  private async writeStatus(ds: DaemonSetObject, status: DaemonSetStatus): Promise<void> {
    if (!daemonSetStatusChanged(ds.status, status)) return;
    const ns = ds.metadata.namespace ?? '';
    let target = ds;
    for (let attempt = 0; ; attempt++) {
      try {
        const body = {
          ...target,
          status: { ...status, observedGeneration: target.metadata.generation, conditions: target.status?.conditions },
        };
        await this.opts.client.updateStatus(DAEMONSETS, ns, JSON.parse(JSON.stringify(body)) as KubeObject);
        return;
      } catch (err) {
        if (isNotFound(err)) return;
        if (!isConflict(err) || attempt > 0) throw err;
        target = await this.opts.client.get(DAEMONSETS, ns, ds.metadata.name ?? '');
      }
    }
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
