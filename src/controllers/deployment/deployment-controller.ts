import type { Logger } from 'pino';
import type { Deployment, DeploymentStatus, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../api/object.js';
import { deepEqual } from '../../api/deep-equal.js';
import { labelSelectorFromObject, type LabelSelector } from '../../api/selectors/label-selector.js';
import type { KubeClient } from '../../machinery/client/kube-client.js';
import type { Informer } from '../../machinery/client/informer.js';
import { isAlreadyExists, isConflict, isNotFound } from '../../machinery/client/client-error.js';
import type { ObjectKey } from '../../machinery/client/object-key.js';
import type { ReconcileResult } from '../../machinery/controller/controller.js';
import type { EventRecorder } from '../../machinery/events/event-recorder.js';
import { adoptPatch, controllerOf, controllerRefTo, planClaims, releasePatch } from '../replicaset/controller-ref.js';
import { selects } from '../replicaset/replicaset-controller.js';
import { getCondition, newCondition, Reason, setCondition } from './deployment-conditions.js';
import {
  deploymentComplete,
  hasProgressDeadline,
  progressRecheckMs,
  replicasOf,
  rolloutSpecOf,
  rolloutStatus,
  calculateDeploymentStatus,
  type Dep,
} from './deployment-status.js';
import { computeHash, equalIgnoreHash, POD_TEMPLATE_HASH } from './pod-template-hash.js';
import {
  active,
  byCreation,
  byRevision,
  bySize,
  findActiveOrLatest,
  findNewReplicaSet,
  maxRevision,
  REVISION,
  specReplicas,
  sumAvailable,
  sumSpec,
  sumActual,
  type RS,
} from './replica-set-list.js';
import {
  desiredReplicasOf,
  replicasAnnotationsNeedUpdate,
  setNewReplicaSetAnnotations,
  setReplicasAnnotations,
} from './revisions.js';
import { maxScaledDown, maxSurge, maxUnavailable, newRSNewReplicas, proportion } from './rollout-math.js';
import { DEPLOYMENTS, REPLICASETS } from '../../machinery/resources/well-known.js';
import type { ObjectOf } from '../../machinery/resources/resource.js';
import { controlledBy } from '../../machinery/client/indexes.js';

/** Retry delay after a write conflict: time for the informer to deliver the newer object. */
const CONFLICT_RETRY_MS = 20;

export interface DeploymentControllerOptions {
  client: KubeClient;
  deployments: Informer<ObjectOf<Deployment>>;
  replicaSets: Informer<ObjectOf<ReplicaSet>>;
  pods: Informer<ObjectOf<Pod>>;
  recorder: EventRecorder;
  log: Logger;
  /** Clock in ms (default Date.now). */
  now?: () => number;
}

/**
 * Kubernetes' Deployment controller (pkg/controller/deployment): owns ReplicaSets named
 * `<deployment>-<pod-template-hash>`, one per template; rolls from old to new with RollingUpdate
 * (maxSurge / maxUnavailable) or Recreate; scales proportionally while a rollout is in flight;
 * numbers revisions on the ReplicaSets (a template that matches an old ReplicaSet, as after
 * `kubectl rollout undo`, reuses it under a new revision); keeps revisionHistoryLimit old
 * ReplicaSets; honours paused; writes status with the Progressing and Available conditions.
 * Each reconcile works on a copy of the cached Deployment that follows its own writes.
 */
export class DeploymentController {
  private readonly now: () => number;

  constructor(private readonly opts: DeploymentControllerOptions) {
    this.now = opts.now ?? Date.now;
  }

  /**
   * syncDeployment. Level-triggered and idempotent; throws to retry with backoff. A write conflict
   * (the cache had not caught up with an earlier write) is retried shortly, without a warning.
   */
  reconcile = async (key: ObjectKey): Promise<ReconcileResult | void> => {
    try {
      return await this.syncDeployment(key);
    } catch (err) {
      if (!isConflict(err)) throw err;
      this.opts.log.debug({ key, err: String(err) }, 'deployment: conflict; retrying');
      return { requeueAfterMs: CONFLICT_RETRY_MS };
    }
  };

  private async syncDeployment({ namespace, name }: ObjectKey): Promise<ReconcileResult | void> {
    const cached = this.opts.deployments.get(namespace, name);
    if (!cached) return;
    const d: Dep = structuredClone(cached);
    let selector: LabelSelector;
    try {
      selector = labelSelectorFromObject(d.spec?.selector);
    } catch (err) {
      this.opts.log.error({ namespace, name, err: String(err) }, 'deployment: invalid selector');
      return;
    }
    const rsList = await this.claimReplicaSets(d, selector);
    if (d.metadata.deletionTimestamp) return this.syncStatusOnly(d, rsList);
    await this.checkPausedConditions(d);
    if (d.spec?.paused) return this.sync(d, rsList);
    if (await this.isScalingEvent(d, rsList)) return this.sync(d, rsList);
    if (d.spec?.strategy?.type === 'Recreate') return this.rolloutRecreate(d, rsList);
    return this.rolloutRolling(d, rsList);
  }

  /** A ReplicaSet event wakes its controlling Deployment, or every Deployment selecting an orphan. */
  keysForReplicaSet = (rs: KubeObject): ObjectKey[] => {
    const ns = rs.metadata.namespace ?? '';
    const ref = controllerOf(rs);
    if (ref) {
      if (ref.kind !== 'Deployment') return [];
      const d = this.opts.deployments.get(ns, ref.name);
      return d && d.metadata.uid === ref.uid ? [{ namespace: ns, name: ref.name }] : [];
    }
    if (rs.metadata.deletionTimestamp) return [];
    return this.opts.deployments
      .list(ns)
      .filter((d) => selects(d, rs))
      .map((d) => ({ namespace: ns, name: d.metadata.name ?? '' }));
  };

  /** A pod event wakes a Recreate Deployment (it waits for old pods to be gone). */
  keysForPod = (pod: KubeObject): ObjectKey[] => {
    const ns = pod.metadata.namespace ?? '';
    const rsRef = controllerOf(pod);
    if (rsRef?.kind !== 'ReplicaSet') return [];
    const rs = this.opts.replicaSets.get(ns, rsRef.name);
    const dRef = rs && rs.metadata.uid === rsRef.uid ? controllerOf(rs) : undefined;
    if (dRef?.kind !== 'Deployment') return [];
    const d = this.opts.deployments.get(ns, dRef.name);
    return d?.spec?.strategy?.type === 'Recreate' ? [{ namespace: ns, name: dRef.name }] : [];
  };

  // ---- ownership -------------------------------------------------------------------------

  /** getReplicaSetsForDeployment: adopts matching orphans, releases strays; returns working copies. */
  private async claimReplicaSets(d: Dep, selector: LabelSelector): Promise<RS[]> {
    const ns = d.metadata.namespace ?? '';
    const plan = planClaims(d, selector, this.opts.replicaSets.list(ns));
    const owned: RS[] = plan.owned.map((rs) => structuredClone(rs));
    if (plan.adopt.length > 0 && (await this.canAdopt(d))) {
      for (const rs of plan.adopt) {
        const adopted = await this.patchRS(rs, adoptPatch(rs, d));
        if (adopted) owned.push(adopted);
      }
    }
    for (const rs of plan.release) await this.patchRS(rs, releasePatch(rs, d.metadata.uid ?? ''));
    return owned;
  }

  private async canAdopt(d: Dep): Promise<boolean> {
    try {
      const fresh = await this.opts.client.get(DEPLOYMENTS, d.metadata.namespace ?? '', d.metadata.name ?? '');
      return fresh.metadata.uid === d.metadata.uid && !fresh.metadata.deletionTimestamp;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  private async patchRS(rs: KubeObject, body: unknown): Promise<RS | undefined> {
    try {
      return await this.opts.client.patch(
        REPLICASETS,
        rs.metadata.namespace ?? '',
        rs.metadata.name ?? '',
        'merge',
        body,
      );
    } catch (err) {
      if (isNotFound(err) || isConflict(err)) return undefined;
      throw err;
    }
  }

  // ---- paused, scaling, deletion -----------------------------------------------------------

  /** checkPausedConditions: Progressing Unknown with DeploymentPaused / DeploymentResumed. */
  private async checkPausedConditions(d: Dep): Promise<void> {
    if (!hasProgressDeadline(d)) return;
    const cond = getCondition(d.status, 'Progressing');
    if (cond?.reason === Reason.ProgressDeadlineExceeded) return;
    const pausedCond = cond?.reason === Reason.DeploymentPaused;
    const status: DeploymentStatus = structuredClone(d.status ?? {});
    if (d.spec?.paused && !pausedCond)
      setCondition(
        status,
        newCondition('Progressing', 'Unknown', Reason.DeploymentPaused, 'Deployment is paused', this.now()),
      );
    else if (!d.spec?.paused && pausedCond)
      setCondition(
        status,
        newCondition('Progressing', 'Unknown', Reason.DeploymentResumed, 'Deployment is resumed', this.now()),
      );
    else return;
    await this.writeStatus(d, status);
  }

  /** isScalingEvent: an active ReplicaSet's desired-replicas annotation differs from spec.replicas. */
  private async isScalingEvent(d: Dep, rsList: RS[]): Promise<boolean> {
    const { newRS, oldRSs } = await this.getAllReplicaSetsAndSyncRevision(d, rsList, false);
    return active([...oldRSs, newRS]).some((rs) => {
      const desired = desiredReplicasOf(rs);
      return desired !== undefined && desired !== replicasOf(d);
    });
  }

  /** sync: scale (proportionally while rolling), clean up when paused, write status. */
  private async sync(d: Dep, rsList: RS[]): Promise<ReconcileResult | void> {
    const { newRS, oldRSs } = await this.getAllReplicaSetsAndSyncRevision(d, rsList, false);
    await this.scale(d, newRS, oldRSs);
    if (d.spec?.paused) await this.cleanup(d, oldRSs);
    await this.syncDeploymentStatus(d, [...oldRSs, ...(newRS ? [newRS] : [])], newRS);
  }

  private async syncStatusOnly(d: Dep, rsList: RS[]): Promise<void> {
    const { newRS, oldRSs } = await this.getAllReplicaSetsAndSyncRevision(d, rsList, false);
    await this.syncDeploymentStatus(d, [...oldRSs, ...(newRS ? [newRS] : [])], newRS);
  }

  /** scale: the one active ReplicaSet takes spec.replicas; else old ones go to 0 behind a saturated new one; else proportional. */
  private async scale(d: Dep, newRS: RS | undefined, oldRSs: RS[]): Promise<void> {
    const replicas = replicasOf(d);
    const only = findActiveOrLatest(newRS, oldRSs);
    if (only) {
      if (specReplicas(only) !== replicas) await this.scaleAndRecord(d, only, replicas);
      return;
    }
    if (
      newRS &&
      desiredReplicasOf(newRS) === replicas &&
      specReplicas(newRS) === replicas &&
      (newRS.status?.availableReplicas ?? 0) === replicas
    ) {
      for (const old of active(oldRSs)) await this.scaleAndRecord(d, old, 0);
      return;
    }
    if ((d.spec?.strategy?.type ?? 'RollingUpdate') !== 'RollingUpdate') return;
    const rollout = rolloutSpecOf(d);
    let all = active([...oldRSs, newRS]);
    const allowed = replicas > 0 ? replicas + maxSurge(rollout) : 0;
    const toAdd = allowed - sumSpec(all);
    if (toAdd !== 0) all = bySize(all, toAdd > 0);
    let added = 0;
    const sizes = all.map((rs) => {
      if (toAdd === 0) return specReplicas(rs);
      const p = proportion(rs, rollout, d.status?.replicas ?? 0, toAdd, added);
      added += p;
      return specReplicas(rs) + p;
    });
    if (toAdd !== 0 && sizes.length > 0) sizes[0] = Math.max(0, sizes[0] + toAdd - added);
    for (let i = 0; i < all.length; i++) await this.scaleReplicaSet(d, all[i], sizes[i]);
  }

  // ---- strategies ------------------------------------------------------------------------

  /** rolloutRolling: grow the new ReplicaSet into the surge room, else shrink old ones within maxUnavailable. */
  private async rolloutRolling(d: Dep, rsList: RS[]): Promise<ReconcileResult | void> {
    const found = await this.getAllReplicaSetsAndSyncRevision(d, rsList, true);
    const newRS = found.newRS as RS;
    const oldRSs = found.oldRSs;
    const rollout = rolloutSpecOf(d);
    const all = () => [...oldRSs, newRS];
    // Scale up, if we can.
    if (specReplicas(newRS) !== rollout.replicas) {
      const target =
        specReplicas(newRS) > rollout.replicas ? rollout.replicas : newRSNewReplicas(rollout, all(), newRS);
      if (await this.scaleAndRecord(d, newRS, target)) return this.syncRolloutStatus(d, all(), newRS);
    }
    // Scale down, if we can.
    const activeOld = active(oldRSs);
    if (sumSpec(activeOld) > 0) {
      const budget = maxScaledDown(rollout, all(), newRS);
      if (budget > 0) {
        let scaledDown = 0;
        // Unhealthy old replicas go first: they count against availability anyway.
        for (const rs of byCreation(activeOld)) {
          if (scaledDown >= budget) break;
          const unhealthy = specReplicas(rs) - (rs.status?.availableReplicas ?? 0);
          if (specReplicas(rs) === 0 || unhealthy <= 0) continue;
          const n = Math.min(budget - scaledDown, unhealthy);
          await this.scaleAndRecord(d, rs, specReplicas(rs) - n);
          scaledDown += n;
        }
        const minAvailable = rollout.replicas - maxUnavailable(rollout);
        const availablePods = sumAvailable(all());
        if (availablePods > minAvailable) {
          const total = availablePods - minAvailable;
          let done = 0;
          for (const rs of byCreation(active(oldRSs))) {
            if (done >= total) break;
            const n = Math.min(specReplicas(rs), total - done);
            await this.scaleAndRecord(d, rs, specReplicas(rs) - n);
            done += n;
          }
          scaledDown += done;
        }
        if (scaledDown > 0) return this.syncRolloutStatus(d, all(), newRS);
      }
    }
    if (deploymentComplete(d, d.status ?? {})) await this.cleanup(d, oldRSs);
    return this.syncRolloutStatus(d, all(), newRS);
  }

  /** rolloutRecreate: old ReplicaSets to 0, wait until their pods are gone, then the new one at full size. */
  private async rolloutRecreate(d: Dep, rsList: RS[]): Promise<ReconcileResult | void> {
    let { newRS, oldRSs } = await this.getAllReplicaSetsAndSyncRevision(d, rsList, false);
    const all = () => [...oldRSs, ...(newRS ? [newRS] : [])];
    let scaledDown = false;
    for (const rs of active(oldRSs)) if (await this.scaleAndRecord(d, rs, 0)) scaledDown = true;
    if (scaledDown) return this.syncRolloutStatus(d, all(), newRS);
    if (this.oldPodsRunning(d, newRS, oldRSs)) return this.syncRolloutStatus(d, all(), newRS);
    if (!newRS) ({ newRS, oldRSs } = await this.getAllReplicaSetsAndSyncRevision(d, rsList, true));
    if (newRS) await this.scaleAndRecord(d, newRS, replicasOf(d));
    if (deploymentComplete(d, d.status ?? {})) await this.cleanup(d, oldRSs);
    return this.syncRolloutStatus(d, all(), newRS);
  }

  /** Old ReplicaSets still report pods, or pods of theirs that have not finished are still around. */
  private oldPodsRunning(d: Dep, newRS: RS | undefined, oldRSs: RS[]): boolean {
    if (sumActual(oldRSs) > 0) return true;
    const oldUids = new Set(oldRSs.map((rs) => rs.metadata.uid));
    const ns = d.metadata.namespace ?? '';
    return [...oldUids].some(
      (uid) =>
        uid !== newRS?.metadata.uid &&
        controlledBy(this.opts.pods, uid).some((p) => {
          const phase = p.status?.phase;
          return p.metadata.namespace === ns && phase !== 'Failed' && phase !== 'Succeeded';
        }),
    );
  }

  // ---- the new ReplicaSet and revisions --------------------------------------------------

  /**
   * getAllReplicaSetsAndSyncRevision / getNewReplicaSet: finds the ReplicaSet whose template is the
   * Deployment's; brings its annotations, revision and minReadySeconds up to date; creates it
   * (`<name>-<hash>`, hash label in labels, selector and template) when asked and missing; keeps
   * the Deployment's revision annotation and Progressing condition in step.
   */
  private async getAllReplicaSetsAndSyncRevision(
    d: Dep,
    rsList: RS[],
    create: boolean,
  ): Promise<{ newRS: RS | undefined; oldRSs: RS[] }> {
    const existing = findNewReplicaSet(d.spec?.template, rsList);
    const oldRSs = rsList.filter((rs) => rs !== existing);
    const newRevision = maxRevision(oldRSs) + 1;
    const rollout = rolloutSpecOf(d);
    const replicas = replicasOf(d);
    if (existing) {
      let rs = existing;
      const copy = structuredClone(existing);
      const changed = setNewReplicaSetAnnotations(
        d.metadata.annotations,
        copy,
        newRevision,
        true,
        replicas,
        replicas + maxSurge(rollout),
      );
      const minReady = d.spec?.minReadySeconds ?? 0;
      if (changed || (copy.spec?.minReadySeconds ?? 0) !== minReady) {
        if (copy.spec) copy.spec.minReadySeconds = minReady;
        // In place, so the caller's list stays current for later writes in this reconcile.
        rs = Object.assign(existing, await this.opts.client.update(REPLICASETS, copy.metadata.namespace ?? '', copy));
      }
      await this.setRevision(d, rs.metadata.annotations?.[REVISION]);
      if (hasProgressDeadline(d) && !getCondition(d.status, 'Progressing')) {
        const status = structuredClone(d.status ?? {});
        setCondition(
          status,
          newCondition(
            'Progressing',
            'True',
            Reason.FoundNewReplicaSet,
            `Found new replica set "${rs.metadata.name ?? ''}"`,
            this.now(),
          ),
        );
        await this.writeStatus(d, status);
      }
      return { newRS: rs, oldRSs };
    }
    if (!create) return { newRS: undefined, oldRSs };
    const hash = computeHash(d.spec?.template, d.status?.collisionCount);
    const template = structuredClone(d.spec?.template ?? {});
    template.metadata = { ...template.metadata, labels: { ...template.metadata?.labels, [POD_TEMPLATE_HASH]: hash } };
    const selector = structuredClone(d.spec?.selector ?? {});
    selector.matchLabels = { ...selector.matchLabels, [POD_TEMPLATE_HASH]: hash };
    const fresh: RS = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: `${d.metadata.name ?? ''}-${hash}`,
        namespace: d.metadata.namespace,
        ownerReferences: [controllerRefTo(d)],
        labels: template.metadata.labels,
      },
      spec: { replicas: 0, minReadySeconds: d.spec?.minReadySeconds ?? 0, selector, template },
    };
    if (fresh.spec) fresh.spec.replicas = newRSNewReplicas(rollout, [...oldRSs, fresh], fresh);
    setNewReplicaSetAnnotations(
      d.metadata.annotations,
      fresh,
      newRevision,
      false,
      replicas,
      replicas + maxSurge(rollout),
    );
    let created: RS;
    let alreadyExisted = false;
    try {
      created = await this.opts.client.create(REPLICASETS, d.metadata.namespace ?? '', fresh);
    } catch (err) {
      if (!isAlreadyExists(err)) {
        const msg = `Failed to create new replica set "${fresh.metadata.name ?? ''}": ${err instanceof Error ? err.message : String(err)}`;
        if (hasProgressDeadline(d)) {
          const status = structuredClone(d.status ?? {});
          setCondition(status, newCondition('Progressing', 'False', Reason.ReplicaSetCreateError, msg, this.now()));
          await this.writeStatus(d, status).catch(() => undefined);
        }
        this.opts.recorder.event(d, 'Warning', Reason.ReplicaSetCreateError, msg);
        throw err;
      }
      const live = await this.opts.client.get(REPLICASETS, d.metadata.namespace ?? '', fresh.metadata.name ?? '');
      if (controllerOf(live)?.uid !== d.metadata.uid || !equalIgnoreHash(d.spec?.template, live.spec?.template)) {
        // A hash collision: a different template under the same name. A new collisionCount gives a new hash.
        const status = structuredClone(d.status ?? {});
        status.collisionCount = (status.collisionCount ?? 0) + 1;
        await this.writeStatus(d, status);
        throw err;
      }
      created = live;
      alreadyExisted = true;
    }
    if (!alreadyExisted && specReplicas(created) > 0) {
      this.opts.recorder.event(
        d,
        'Normal',
        'ScalingReplicaSet',
        `Scaled up replica set ${created.metadata.name ?? ''} from 0 to ${specReplicas(created)}`,
      );
    }
    await this.setRevision(d, String(newRevision));
    if (!alreadyExisted && hasProgressDeadline(d)) {
      const status = structuredClone(d.status ?? {});
      setCondition(
        status,
        newCondition(
          'Progressing',
          'True',
          Reason.NewReplicaSetCreated,
          `Created new replica set "${created.metadata.name ?? ''}"`,
          this.now(),
        ),
      );
      await this.writeStatus(d, status);
    }
    return { newRS: created, oldRSs };
  }

  /** SetDeploymentRevision: the Deployment's revision annotation follows its new ReplicaSet's. */
  private async setRevision(d: Dep, revision: string | undefined): Promise<void> {
    if (revision === undefined || d.metadata.annotations?.[REVISION] === revision) return;
    // An update, as Kubernetes' controller writes it (its role may update Deployments, not patch them).
    const updated = await this.opts.client.update(DEPLOYMENTS, d.metadata.namespace ?? '', {
      ...d,
      metadata: { ...d.metadata, annotations: { ...d.metadata.annotations, [REVISION]: revision } },
    });
    d.metadata.annotations = updated.metadata.annotations;
    d.metadata.resourceVersion = updated.metadata.resourceVersion;
  }

  // ---- scaling ReplicaSets ---------------------------------------------------------------

  /** scaleReplicaSetAndRecordEvent: nothing when the size is already right. Updates `rs` in place. */
  private async scaleAndRecord(d: Dep, rs: RS, size: number): Promise<boolean> {
    if (specReplicas(rs) === size) return false;
    return this.scaleReplicaSet(d, rs, size);
  }

  /** scaleReplicaSet: writes the size and the replicas annotations; a ScalingReplicaSet event when the size changed. */
  private async scaleReplicaSet(d: Dep, rs: RS, size: number): Promise<boolean> {
    const replicas = replicasOf(d);
    const max = replicas + maxSurge(rolloutSpecOf(d));
    const sizeChanged = specReplicas(rs) !== size;
    if (!sizeChanged && !replicasAnnotationsNeedUpdate(rs, replicas, max)) return false;
    const from = specReplicas(rs);
    const copy = structuredClone(rs);
    copy.spec = { ...copy.spec, replicas: size, selector: copy.spec?.selector ?? {} };
    setReplicasAnnotations(copy, replicas, max);
    const updated = await this.opts.client.update(REPLICASETS, rs.metadata.namespace ?? '', copy);
    Object.assign(rs, updated);
    if (sizeChanged) {
      this.opts.recorder.event(
        d,
        'Normal',
        'ScalingReplicaSet',
        `Scaled ${size > from ? 'up' : 'down'} replica set ${rs.metadata.name ?? ''} from ${from} to ${size}`,
      );
    }
    return sizeChanged;
  }

  /** cleanupDeployment: deletes the oldest revisions beyond revisionHistoryLimit that are fully scaled down. */
  private async cleanup(d: Dep, oldRSs: RS[]): Promise<void> {
    const limit = d.spec?.revisionHistoryLimit;
    if (limit === undefined) return;
    const cleanable = oldRSs.filter((rs) => !rs.metadata.deletionTimestamp);
    const excess = cleanable.length - limit;
    if (excess <= 0) return;
    for (const rs of byRevision(cleanable).slice(0, excess)) {
      if (
        (rs.status?.replicas ?? 0) !== 0 ||
        specReplicas(rs) !== 0 ||
        (rs.metadata.generation ?? 0) > (rs.status?.observedGeneration ?? 0)
      )
        continue;
      try {
        await this.opts.client.delete(REPLICASETS, rs.metadata.namespace ?? '', rs.metadata.name ?? '');
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
  }

  // ---- status ----------------------------------------------------------------------------

  private async syncDeploymentStatus(d: Dep, allRSs: RS[], newRS: RS | undefined): Promise<void> {
    const status = calculateDeploymentStatus(d, allRSs, newRS, this.now());
    if (!sameStatus(d.status, status)) await this.writeStatus(d, status);
  }

  private async syncRolloutStatus(d: Dep, allRSs: RS[], newRS: RS | undefined): Promise<ReconcileResult | void> {
    const status = rolloutStatus(d, allRSs, newRS, this.now());
    if (sameStatus(d.status, status)) {
      const after = progressRecheckMs(d, status, this.now());
      return after === undefined ? undefined : { requeueAfterMs: after };
    }
    await this.writeStatus(d, status);
  }

  /** PUT status from the working copy; the copy takes the stored result (so later writes are not stale). */
  private async writeStatus(d: Dep, status: DeploymentStatus): Promise<void> {
    const updated = await this.opts.client.updateStatus(DEPLOYMENTS, d.metadata.namespace ?? '', { ...d, status });
    d.status = updated.status;
    d.metadata.resourceVersion = updated.metadata.resourceVersion;
  }
}

/** Status equality where a missing count and 0 are the same (the API server omits zeros). */
function sameStatus(a: DeploymentStatus | undefined, b: DeploymentStatus): boolean {
  const norm = (s: DeploymentStatus | undefined) =>
    Object.fromEntries(Object.entries(s ?? {}).filter(([, v]) => v !== undefined && v !== 0));
  return deepEqual(norm(a), norm(b));
}
