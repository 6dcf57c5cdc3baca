import type { Logger } from 'pino';
import type { ControllerRevision, StatefulSet, StatefulSetStatus } from 'kubernetes-types/apps/v1.js';
import type { PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../api/object.js';
import type { KubeClient } from '../../machinery/client/kube-client.js';
import type { Informer } from '../../machinery/client/informer.js';
import { isAlreadyExists, isConflict, isNotFound } from '../../machinery/client/client-error.js';
import { keyOf, type ObjectKey } from '../../machinery/client/object-key.js';
import type { ReconcileResult } from '../../machinery/controller/controller.js';
import type { EventRecorder } from '../../machinery/events/event-recorder.js';
import { ownedRevisions, revisionsToPrune, templateOfRevision, type Revision } from '../history/controller-revision.js';
import { deleteRevisions, syncRevisions } from '../history/revision-store.js';
import { controllerOf } from '../replicaset/controller-ref.js';
import { isRunningAndReady, podRevision } from './pod-health.js';
import {
  claimsFor,
  newStatefulPod,
  ordinalOf,
  ownerRefTo,
  startOrdinal,
  type PodObject,
  type StatefulSetObject,
} from './stateful-pod.js';
import { planStatefulSet, type StatefulStep } from './statefulset-plan.js';
import { calculateStatefulSetStatus, statefulSetStatusChanged } from './statefulset-status.js';
import { claimPods } from './claim-pods.js';
import { PODS, PVCS, STATEFULSETS } from '../../machinery/resources/well-known.js';
import type { ObjectOf } from '../../machinery/resources/resource.js';

export interface StatefulSetControllerOptions {
  client: KubeClient;
  statefulSets: Informer<ObjectOf<StatefulSet>>;
  pods: Informer<ObjectOf<Pod>>;
  revisions: Informer<ObjectOf<ControllerRevision>>;
  recorder: EventRecorder;
  log: Logger;
  /** Clock in ms (default Date.now). */
  now?: () => number;
}

/**
 * Kubernetes' StatefulSet controller: pods `<set>-<ordinal>` with stable identity (labels,
 * hostname, subdomain) and claims from volumeClaimTemplates, created in order (OrderedReady) or
 * all at once (Parallel), removed from the highest ordinal; ControllerRevisions of the template,
 * RollingUpdate with partition (highest ordinal first, one at a time) or OnDelete; status last.
 * Names are stable, so a stale cache at worst repeats a create (AlreadyExists, ignored) or a delete
 * (uid precondition): no expectations are needed.
 */
export class StatefulSetController {
  private readonly now: () => number;

  constructor(private readonly opts: StatefulSetControllerOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** Maps a pod or ControllerRevision event to the StatefulSet controlling it. */
  keysForOwned = (obj: KubeObject): ObjectKey[] => {
    const ref = controllerOf(obj);
    return ref?.kind === 'StatefulSet' ? [{ namespace: obj.metadata.namespace ?? '', name: ref.name }] : [];
  };

  /** Level-triggered sync of one StatefulSet. Idempotent; throws to retry. */
  reconcile = async ({ namespace, name }: ObjectKey): Promise<ReconcileResult | void> => {
    const set = this.opts.statefulSets.get(namespace, name);
    if (!set) return;
    const pods = new Map<number, PodObject>();
    const member = (p: KubeObject) => ordinalOf(name, p.metadata.name) !== undefined;
    for (const p of await claimPods(this.opts.client, STATEFULSETS, set, this.opts.pods.list(namespace), member)) {
      const ord = ordinalOf(name, p.metadata.name);
      if (ord !== undefined) pods.set(ord, p);
    }
    const revs = await syncRevisions(
      this.opts.client,
      set,
      set.spec?.template,
      ownedRevisions(set, this.opts.revisions.list(namespace)),
      {
        hashLabel: 'name',
        collisionCount: set.status?.collisionCount ?? 0,
        currentRevisionName: set.status?.currentRevision,
      },
    );
    const minReadySeconds = set.spec?.minReadySeconds ?? 0;
    const nowMs = this.now();
    const rollingUpdate = (set.spec?.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
    if (!set.metadata.deletionTimestamp) {
      const { steps } = planStatefulSet({
        pods,
        replicas: set.spec?.replicas ?? 1,
        start: startOrdinal(set),
        ordered: (set.spec?.podManagementPolicy ?? 'OrderedReady') === 'OrderedReady',
        partition: rollingUpdate ? (set.spec?.updateStrategy?.rollingUpdate?.partition ?? 0) : undefined,
        updateRevision: revs.update.metadata.name ?? '',
        minReadySeconds,
        nowMs,
      });
      for (const step of steps) await this.run(set, step, revs.current, revs.update, pods);
    }
    const status = calculateStatefulSetStatus({
      pods: [...pods.values()],
      rollingUpdate,
      currentRevision: revs.current.metadata.name ?? '',
      updateRevision: revs.update.metadata.name ?? '',
      collisionCount: revs.collisionCount,
      observedGeneration: set.metadata.generation,
      minReadySeconds,
      nowMs,
    });
    await this.writeStatus(set, status);
    const live = new Set([
      status.currentRevision ?? '',
      status.updateRevision ?? '',
      ...[...pods.values()].map((p) => podRevision(p) ?? ''),
    ]);
    await deleteRevisions(
      this.opts.client,
      revisionsToPrune(revs.revisions, live, set.spec?.revisionHistoryLimit ?? 10),
    );
    const waitingForMinReady =
      minReadySeconds > 0 &&
      [...pods.values()].some((p) => isRunningAndReady(p)) &&
      (status.availableReplicas ?? 0) < (status.readyReplicas ?? 0);
    if (waitingForMinReady) return { requeueAfterMs: minReadySeconds * 1000 };
  };

  private async run(
    set: StatefulSetObject,
    step: StatefulStep,
    current: Revision,
    update: Revision,
    pods: Map<number, PodObject>,
  ): Promise<void> {
    const ns = set.metadata.namespace ?? '';
    const setName = set.metadata.name ?? '';
    if (step.kind === 'create') {
      const rev = step.revision === 'current' ? current : update;
      const pod = newStatefulPod(set, templateOfRevision(rev), step.ordinal, rev.metadata.name ?? '');
      for (const claim of claimsFor(set, step.ordinal)) {
        try {
          await this.opts.client.create(PVCS, ns, claim);
          this.opts.recorder.event(
            set,
            'Normal',
            'SuccessfulCreate',
            `create Claim ${claim.metadata.name ?? ''} Pod ${pod.metadata?.name ?? ''} in StatefulSet ${setName} success`,
          );
        } catch (err) {
          if (isAlreadyExists(err)) continue;
          this.opts.recorder.event(
            set,
            'Warning',
            'FailedCreate',
            `create Claim ${claim.metadata.name ?? ''} for Pod ${pod.metadata?.name ?? ''} in StatefulSet ${setName} failed error: ${message(err)}`,
          );
          throw err;
        }
      }
      try {
        await this.opts.client.create(PODS, ns, pod);
        this.opts.recorder.event(
          set,
          'Normal',
          'SuccessfulCreate',
          `create Pod ${pod.metadata?.name ?? ''} in StatefulSet ${setName} successful`,
        );
      } catch (err) {
        if (isAlreadyExists(err)) return;
        this.opts.recorder.event(
          set,
          'Warning',
          'FailedCreate',
          `create Pod ${pod.metadata?.name ?? ''} in StatefulSet ${setName} failed error: ${message(err)}`,
        );
        throw err;
      }
      return;
    }
    const pod = pods.get(step.ordinal);
    if (step.reason === 'condemned' && pod && set.spec?.persistentVolumeClaimRetentionPolicy?.whenScaled === 'Delete')
      await this.handClaimsToPod(set, step.ordinal, pod);
    try {
      await this.opts.client.delete(PODS, ns, step.name, { preconditions: { uid: pod?.metadata.uid } });
      this.opts.recorder.event(
        set,
        'Normal',
        'SuccessfulDelete',
        `delete Pod ${step.name} in StatefulSet ${setName} successful`,
      );
    } catch (err) {
      if (isNotFound(err) || isConflict(err)) return;
      this.opts.recorder.event(
        set,
        'Warning',
        'FailedDelete',
        `delete Pod ${step.name} in StatefulSet ${setName} failed error: ${message(err)}`,
      );
      throw err;
    }
  }

  /** whenScaled=Delete: the condemned pod becomes an owner of its claims, so they go with it (garbage collector). */
  private async handClaimsToPod(set: StatefulSetObject, ordinal: number, pod: PodObject): Promise<void> {
    const ns = set.metadata.namespace ?? '';
    for (const want of claimsFor(set, ordinal)) {
      let claim: KubeObject & PersistentVolumeClaim;
      try {
        claim = await this.opts.client.get(PVCS, ns, want.metadata.name ?? '');
      } catch (err) {
        if (isNotFound(err)) continue;
        throw err;
      }
      const refs = claim.metadata.ownerReferences ?? [];
      if (refs.some((r) => r.uid === pod.metadata.uid)) continue;
      // An update, as Kubernetes' controller writes it (its role may update claims, not patch them).
      await this.opts.client.update(PVCS, ns, {
        ...claim,
        metadata: { ...claim.metadata, ownerReferences: [...refs, ownerRefTo(pod)] },
      });
    }
  }

  /** Writes the status when it changed (one retry on a fresh copy after a conflict). */
  private async writeStatus(set: StatefulSetObject, status: StatefulSetStatus): Promise<void> {
    if (!statefulSetStatusChanged(set.status, status)) return;
    const ns = set.metadata.namespace ?? '';
    let target = set;
    for (let attempt = 0; ; attempt++) {
      try {
        const body = {
          ...target,
          status: { ...status, observedGeneration: target.metadata.generation, conditions: target.status?.conditions },
        };
        await this.opts.client.updateStatus(STATEFULSETS, ns, JSON.parse(JSON.stringify(body)) as KubeObject);
        return;
      } catch (err) {
        if (isNotFound(err)) return;
        if (!isConflict(err) || attempt > 0) throw err;
        target = await this.opts.client.get(STATEFULSETS, ns, set.metadata.name ?? '');
      }
    }
  }
}

/** The key of a StatefulSet (for tests and logs). */
export function statefulSetKey(set: KubeObject): string {
  return keyOf(set.metadata.namespace, set.metadata.name ?? '');
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
