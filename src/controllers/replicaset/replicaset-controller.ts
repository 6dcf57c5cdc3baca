import type { Logger } from 'pino';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { ReplicaSet, ReplicaSetStatus } from 'kubernetes-types/apps/v1.js';
import type { KubeObject } from '../../api/object.js';
import { labelSelectorFromObject, type LabelSelector } from '../../api/selectors/label-selector.js';
import type { KubeClient } from '../../machinery/client/kube-client.js';
import type { Informer, InformerHandlers } from '../../machinery/client/informer.js';
import { isConflict, isNotFound } from '../../machinery/client/client-error.js';
import { keyOf, objectKey, type ObjectKey } from '../../machinery/client/object-key.js';
import type { ReconcileResult } from '../../machinery/controller/controller.js';
import type { EventRecorder } from '../../machinery/events/event-recorder.js';
import { adoptPatch, controllerOf, planClaims, releasePatch } from './controller-ref.js';
import { observeOwnedPods, PodExpectations } from '../pod-expectations.js';
import { podFromTemplate } from './pod-from-template.js';
import { podsToDelete } from './pod-ranking.js';
import { isPodActive } from './pod-state.js';
import { calculateReplicaSetStatus, replicaSetStatusChanged, type ManageFailure } from './replicaset-status.js';
import { slowStartBatch } from './slow-start.js';
import { PODS, REPLICASETS } from '../../machinery/resources/well-known.js';
import type { ObjectOf } from '../../machinery/resources/resource.js';

/** At most this many creates or deletes per reconcile (kube-controller-manager's BurstReplicas). */
export const BURST_REPLICAS = 500;

export interface ReplicaSetControllerOptions {
  client: KubeClient;
  replicaSets: Informer<ObjectOf<ReplicaSet>>;
  pods: Informer<ObjectOf<Pod>>;
  recorder: EventRecorder;
  log: Logger;
  /** Clock in ms (default Date.now). */
  now?: () => number;
}

/**
 * Kubernetes' ReplicaSet controller: keeps spec.replicas active pods that match the selector and
 * are controlled by the ReplicaSet. Creates pods from the template in slow-start batches and
 * deletes the least valuable ones first; adopts matching orphans and releases pods that stop
 * matching; writes status (replicas, fullyLabeled, ready, available, observedGeneration,
 * ReplicaFailure). Own creates and deletes are tracked as expectations so that a cache that has
 * not caught up yet does not trigger a second round of writes.
 */
export class ReplicaSetController {
  readonly expectations: PodExpectations;
  /** Pod informer handlers that feed the expectations (register before the queue's). */
  readonly observePod: InformerHandlers<KubeObject>;
  private readonly now: () => number;

  constructor(private readonly opts: ReplicaSetControllerOptions) {
    this.now = opts.now ?? Date.now;
    this.expectations = new PodExpectations(this.now);
    this.observePod = observeOwnedPods('ReplicaSet', this.expectations);
  }

  /** Level-triggered sync of one ReplicaSet (syncReplicaSet). Idempotent; throws to retry. */
  reconcile = async ({ namespace, name }: ObjectKey): Promise<ReconcileResult | void> => {
    const key = keyOf(namespace, name);
    const rs = this.opts.replicaSets.get(namespace, name);
    if (!rs) {
      this.expectations.forget(key);
      return;
    }
    let selector: LabelSelector;
    try {
      selector = labelSelectorFromObject(rs.spec?.selector);
    } catch (err) {
      this.opts.log.error({ key, err: String(err) }, 'replicaset: invalid selector');
      return;
    }
    const satisfied = this.expectations.satisfied(key);
    const active = this.opts.pods.list(namespace).filter(isPodActive);
    const pods = await this.claimPods(rs, selector, active);
    let failure: ManageFailure | undefined;
    if (satisfied && !rs.metadata.deletionTimestamp) failure = await this.manageReplicas(rs, pods);
    const status = calculateReplicaSetStatus(rs, pods, failure, this.now());
    const written = await this.writeStatus(rs, status);
    if (failure) throw new Error(`replicaset ${key}: ${failure.message}`);
    const minReady = rs.spec?.minReadySeconds ?? 0;
    if (minReady > 0 && written.readyReplicas === written.replicas && written.availableReplicas !== written.replicas) {
      return { requeueAfterMs: minReady * 1000 };
    }
  };

  /** Maps a pod event to its controlling ReplicaSet, or for an orphan to every ReplicaSet selecting it. */
  keysForPod = (pod: KubeObject): ObjectKey[] => {
    const ns = pod.metadata.namespace ?? '';
    const ref = controllerOf(pod);
    if (ref) {
      if (ref.kind !== 'ReplicaSet') return [];
      const rs = this.opts.replicaSets.get(ns, ref.name);
      return rs && rs.metadata.uid === ref.uid ? [{ namespace: ns, name: ref.name }] : [];
    }
    if (pod.metadata.deletionTimestamp) return [];
    return this.opts.replicaSets
      .list(ns)
      .filter((rs) => selects(rs, pod))
      .map((rs) => ({ namespace: ns, name: rs.metadata.name ?? '' }));
  };

  /** Adopts matching orphans and releases pods that stopped matching; returns the pods to manage. */
  private async claimPods(rs: KubeObject, selector: LabelSelector, pods: ObjectOf<Pod>[]): Promise<ObjectOf<Pod>[]> {
    const plan = planClaims(rs, selector, pods);
    const owned = [...plan.owned];
    if (plan.adopt.length > 0 && (await this.canAdopt(rs))) {
      for (const pod of plan.adopt) {
        const adopted = await this.patchIgnoringGone(pod, adoptPatch(pod, rs));
        if (adopted) owned.push(adopted);
      }
    }
    for (const pod of plan.release) await this.patchIgnoringGone(pod, releasePatch(pod, rs.metadata.uid ?? ''));
    return owned;
  }

  /** Re-reads the ReplicaSet from the server before adopting: it must still be the same and not being deleted. */
  private async canAdopt(rs: KubeObject): Promise<boolean> {
    try {
      const fresh = await this.opts.client.get(REPLICASETS, rs.metadata.namespace ?? '', rs.metadata.name ?? '');
      return fresh.metadata.uid === rs.metadata.uid && !fresh.metadata.deletionTimestamp;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  /** A pod gone or changed meanwhile is skipped (its own event brings the ReplicaSet back). */
  private async patchIgnoringGone(pod: KubeObject, body: unknown): Promise<ObjectOf<Pod> | undefined> {
    try {
      return await this.opts.client.patch(PODS, pod.metadata.namespace ?? '', pod.metadata.name ?? '', 'merge', body);
    } catch (err) {
      if (isNotFound(err) || isConflict(err)) return undefined;
      throw err;
    }
  }

  /** Creates or deletes pods towards spec.replicas (manageReplicas); returns the failure, if any. */
  private async manageReplicas(rs: ObjectOf<ReplicaSet>, pods: ObjectOf<Pod>[]): Promise<ManageFailure | undefined> {
    const key = objectKey(rs);
    const ns = rs.metadata.namespace ?? '';
    const diff = pods.length - (rs.spec?.replicas ?? 1);
    if (diff < 0) {
      const count = Math.min(-diff, BURST_REPLICAS);
      this.expectations.expect(key, count);
      const { successes, error } = await slowStartBatch(count, 1, async () => {
        try {
          const created = await this.opts.client.create(PODS, ns, podFromTemplate(rs.spec?.template, rs));
          this.opts.recorder.event(rs, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata.name ?? ''}`);
        } catch (err) {
          this.opts.recorder.event(rs, 'Warning', 'FailedCreate', `Error creating: ${message(err)}`);
          throw err;
        }
      });
      // Failed creates, and those never sent after a failed batch, will not be observed.
      for (let i = successes; i < count; i++) this.expectations.creationObserved(key);
      return error ? { reason: 'FailedCreate', message: message(error) } : undefined;
    }
    if (diff > 0) {
      const victims = podsToDelete(pods, pods, Math.min(diff, BURST_REPLICAS));
      this.expectations.expect(key, 0, victims.map(objectKey));
      const results = await Promise.allSettled(
        victims.map(async (pod) => {
          try {
            await this.opts.client.delete(PODS, ns, pod.metadata.name ?? '');
            this.opts.recorder.event(rs, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name ?? ''}`);
          } catch (err) {
            this.expectations.deletionObserved(key, objectKey(pod));
            if (isNotFound(err)) return;
            this.opts.recorder.event(rs, 'Warning', 'FailedDelete', `Error deleting: ${message(err)}`);
            throw err;
          }
        }),
      );
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      return failed ? { reason: 'FailedDelete', message: message(failed.reason) } : undefined;
    }
    return undefined;
  }

  /** Writes the status when it changed (one retry on a fresh copy after a conflict); returns what is now stored. */
  private async writeStatus(rs: ObjectOf<ReplicaSet>, status: ReplicaSetStatus): Promise<ReplicaSetStatus> {
    if (!replicaSetStatusChanged(rs, status)) return status;
    const ns = rs.metadata.namespace ?? '';
    let target = rs;
    for (let attempt = 0; ; attempt++) {
      try {
        const body = { ...target, status: { ...status, observedGeneration: target.metadata.generation } };
        const updated = await this.opts.client.updateStatus(REPLICASETS, ns, body);
        return updated.status ?? status;
      } catch (err) {
        if (isNotFound(err)) return status;
        if (!isConflict(err) || attempt > 0) throw err;
        target = await this.opts.client.get(REPLICASETS, ns, rs.metadata.name ?? '');
      }
    }
  }
}

/** Whether a ReplicaSet's selector selects the object's labels (false for an invalid or empty selector). */
export function selects(owner: KubeObject, obj: KubeObject): boolean {
  const sel = (owner.spec as { selector?: Parameters<typeof labelSelectorFromObject>[0] } | undefined)?.selector;
  if (!sel || (Object.keys(sel.matchLabels ?? {}).length === 0 && (sel.matchExpressions ?? []).length === 0))
    return false;
  try {
    return labelSelectorFromObject(sel).matches(obj.metadata.labels);
  } catch {
    return false;
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
