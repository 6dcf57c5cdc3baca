import type { Logger } from 'pino';
import type { Job, JobStatus } from 'kubernetes-types/batch/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../api/object.js';
import type { KubeClient } from '../../machinery/client/kube-client.js';
import type { Informer, InformerHandlers } from '../../machinery/client/informer.js';
import { isConflict, isNotFound } from '../../machinery/client/client-error.js';
import { keyOf, objectKey, type ObjectKey } from '../../machinery/client/object-key.js';
import { deepEqual } from '../../api/validation/field.js';
import type { ReconcileResult } from '../../machinery/controller/controller.js';
import type { EventRecorder } from '../../machinery/events/event-recorder.js';
import { controllerOf } from '../replicaset/controller-ref.js';
import { observeOwnedPods, PodExpectations } from '../pod-expectations.js';
import { isPodReady } from '../replicaset/pod-state.js';
import { slowStartBatch } from '../replicaset/slow-start.js';
import { jobPod } from './job-pod.js';
import { planPods } from './job-plan.js';
import {
  completionIndexOf,
  finishedAt,
  finishedCondition,
  formatIndexes,
  JOB_TRACKING_FINALIZER,
  parseIndexes,
  podOutcome,
  rfc3339,
  withCondition,
} from './job-state.js';
import { JOBS, PODS } from '../../machinery/resources/well-known.js';
import type { ObjectOf } from '../../machinery/resources/resource.js';
import { controlledBy, controlledByName } from '../../machinery/client/indexes.js';

/** At most this many pod creates per reconcile (kube-controller-manager's MaxPodCreateDeletePerSync). */
export const MAX_CREATES_PER_SYNC = 500;

type JobObject = ObjectOf<Job>;
type PodObject = ObjectOf<Pod>;

export interface JobControllerOptions {
  client: KubeClient;
  /** Deletes expired Jobs: the ttl-after-finished controller's client (its own user in Kubernetes); default `client`. */
  ttlClient?: KubeClient;
  jobs: Informer<JobObject>;
  pods: Informer<PodObject>;
  recorder: EventRecorder;
  log: Logger;
  /** Clock in ms (default Date.now). */
  now?: () => number;
  /** Delay before replacing a failed pod, doubled per failure since the last success (default 10 s, DefaultJobPodFailureBackOff). */
  podFailureBackoffMs?: number;
}

/** Longest delay before replacing a failed pod (MaxJobPodFailureBackOff). */
export const MAX_POD_FAILURE_BACKOFF_MS = 10 * 60 * 1000;

/** Failures counted since the Job's last counted success, and when the last one was counted (the backoff record). */
interface BackoffRecord {
  failuresAfterSuccess: number;
  lastFailureAt: number;
}

/**
 * Kubernetes' Job controller (pkg/controller/job) with finalizer-based tracking: every pod it
 * creates carries `batch.kubernetes.io/job-tracking`; a pod that ends is first written into
 * status.uncountedTerminatedPods, then its finalizer is removed, then it moves into
 * status.succeeded / failed, so no pod is counted twice or lost when the pod is deleted.
 * Runs up to parallelism pods towards completions (NonIndexed or Indexed), fails the Job past
 * backoffLimit (BackoffLimitExceeded) or activeDeadlineSeconds (DeadlineExceeded), suspends and
 * resumes it, and deletes a finished Job after ttlSecondsAfterFinished (the TTL-after-finished
 * controller's job, done here).
 */
export class JobController {
  readonly expectations: PodExpectations;
  /** Pod informer handlers that feed the expectations (register before the queue's). */
  readonly observePod: InformerHandlers<KubeObject>;
  private readonly now: () => number;
  private readonly backoff = new Map<string, BackoffRecord>();

  constructor(private readonly opts: JobControllerOptions) {
    this.now = opts.now ?? Date.now;
    this.expectations = new PodExpectations(this.now);
    this.observePod = observeOwnedPods('Job', this.expectations);
  }

  /** Level-triggered sync of one Job (syncJob). Idempotent; throws to retry (e.g. a status write conflict). */
  reconcile = async ({ namespace, name }: ObjectKey): Promise<ReconcileResult | void> => {
    const key = keyOf(namespace, name);
    let job = this.opts.jobs.get(namespace, name);
    // Pods of a Job that is gone (or was replaced by a namesake) must not keep our finalizer forever.
    const strays = controlledByName(this.opts.pods, namespace, 'Job', name).filter(
      (p) => controllerOf(p)?.uid !== job?.metadata.uid && hasTrackingFinalizer(p),
    );
    await Promise.all(strays.map((p) => this.removeFinalizer(p)));
    if (!job) {
      this.expectations.forget(key);
      this.backoff.delete(key);
      return;
    }
    const pods = controlledBy(this.opts.pods, job.metadata.uid).filter((p) => p.metadata.namespace === namespace);
    if (finishedCondition(job) || job.metadata.deletionTimestamp) {
      await Promise.all(pods.filter(hasTrackingFinalizer).map((p) => this.removeFinalizer(p)));
      return job.metadata.deletionTimestamp ? undefined : this.expireAfterTtl(job);
    }
    const now = this.now();
    const nowText = rfc3339(now);
    const indexed = job.spec?.completionMode === 'Indexed';
    const completions = job.spec?.completions ?? undefined;
    const status: JobStatus = structuredClone(job.status ?? {});
    const uncounted = {
      succeeded: new Set(status.uncountedTerminatedPods?.succeeded ?? []),
      failed: new Set(status.uncountedTerminatedPods?.failed ?? []),
    };
    const completed = parseIndexes(status.completedIndexes);

    // 1. Pods that ended and still hold our finalizer are recorded as uncounted before anything else.
    let recorded = false;
    for (const pod of pods) {
      const outcome = podOutcome(pod);
      const uid = pod.metadata.uid ?? '';
      if (!outcome || !hasTrackingFinalizer(pod) || uncounted.succeeded.has(uid) || uncounted.failed.has(uid)) continue;
      if (job.spec?.suspend && pod.status?.phase !== 'Failed' && pod.status?.phase !== 'Succeeded') {
        // Deleted because the Job is suspended: not a failure (Kubernetes does not count these).
        await this.removeFinalizer(pod);
        continue;
      }
      uncounted[outcome].add(uid);
      recorded = true;
      const index = completionIndexOf(pod);
      if (indexed && outcome === 'succeeded' && index !== undefined && index < (completions ?? 0)) completed.add(index);
    }
    if (recorded) {
      status.uncountedTerminatedPods = { succeeded: [...uncounted.succeeded], failed: [...uncounted.failed] };
      if (indexed) status.completedIndexes = formatIndexes(completed);
      job = await this.writeStatus(job, status);
    }

    // 2. Their finalizers go; 3. each pod whose finalizer is gone moves from uncounted to the counts.
    const byUid = new Map(pods.map((p) => [p.metadata.uid ?? '', p]));
    for (const outcome of ['succeeded', 'failed'] as const) {
      for (const uid of [...uncounted[outcome]]) {
        const pod = byUid.get(uid);
        if (pod && hasTrackingFinalizer(pod) && !(await this.removeFinalizer(pod))) continue;
        uncounted[outcome].delete(uid);
        status[outcome] = (status[outcome] ?? 0) + 1;
        this.recordOutcome(key, outcome, now);
      }
    }
    if (indexed) status.succeeded = completed.size - uncounted.succeeded.size;
    status.uncountedTerminatedPods = {
      ...(uncounted.succeeded.size ? { succeeded: [...uncounted.succeeded] } : {}),
      ...(uncounted.failed.size ? { failed: [...uncounted.failed] } : {}),
    };
    const succeeded = (status.succeeded ?? 0) + uncounted.succeeded.size;
    const failed = (status.failed ?? 0) + uncounted.failed.size;

    let active = pods.filter((p) => podOutcome(p) === undefined);
    let requeueAfterMs: number | undefined;
    const deadlineMs = job.spec?.activeDeadlineSeconds;
    const startedAt = status.startTime ? Date.parse(status.startTime) : undefined;
    const failure =
      failed > (job.spec?.backoffLimit ?? 6)
        ? { reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' }
        : deadlineMs !== undefined &&
            startedAt !== undefined &&
            !job.spec?.suspend &&
            now - startedAt >= deadlineMs * 1000
          ? { reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' }
          : undefined;
    const complete =
      !failure &&
      (indexed
        ? completed.size >= (completions ?? 0)
        : completions === undefined
          ? succeeded > 0 && active.length === 0
          : succeeded >= completions);

    if (failure || complete) {
      active = await this.deletePods(job, active);
      if (failure) {
        status.conditions = withCondition(
          status.conditions,
          { type: 'Failed', status: 'True', reason: failure.reason, message: failure.message },
          nowText,
        );
        this.opts.recorder.event(job, 'Warning', failure.reason, failure.message);
      } else {
        status.conditions = withCondition(
          status.conditions,
          {
            type: 'Complete',
            status: 'True',
            reason: 'CompletionsReached',
            message: 'Reached expected number of succeeded pods',
          },
          nowText,
        );
        status.completionTime = nowText;
        this.opts.recorder.event(job, 'Normal', 'Completed', 'Job completed');
      }
    } else if (job.spec?.suspend) {
      active = await this.deletePods(job, active);
      if (!isTrue(status, 'Suspended')) {
        status.conditions = withCondition(
          status.conditions,
          { type: 'Suspended', status: 'True', reason: 'JobSuspended', message: 'Job suspended' },
          nowText,
        );
        this.opts.recorder.event(job, 'Normal', 'Suspended', 'Job suspended');
      }
    } else {
      if (isTrue(status, 'Suspended')) {
        status.conditions = withCondition(
          status.conditions,
          { type: 'Suspended', status: 'False', reason: 'JobResumed', message: 'Job resumed' },
          nowText,
        );
        status.startTime = nowText;
        this.opts.recorder.event(job, 'Normal', 'Resumed', 'Job resumed');
      }
      status.startTime ??= nowText;
      const backoffLeft = this.backoffLeft(key, now);
      if (this.expectations.satisfied(key))
        active = await this.managePods(job, active, succeeded, completed, backoffLeft === 0);
      if (backoffLeft > 0) requeueAfterMs = backoffLeft;
      if (deadlineMs !== undefined)
        requeueAfterMs = Math.min(
          requeueAfterMs ?? Infinity,
          Math.max(0, Date.parse(status.startTime) + deadlineMs * 1000 - now),
        );
    }
    status.active = active.length;
    status.ready = active.filter((p) => isPodReady(p)).length;
    if (indexed) status.completedIndexes = formatIndexes(completed);
    await this.writeStatus(job, status);
    return requeueAfterMs === undefined ? undefined : { requeueAfterMs };
  };

  /** Maps a pod event to the Job controlling it. */
  keysForPod = (pod: KubeObject): ObjectKey[] => {
    const ref = controllerOf(pod);
    return ref?.kind === 'Job' ? [{ namespace: pod.metadata.namespace ?? '', name: ref.name }] : [];
  };

  /** A counted success resets the failure backoff; a counted failure extends it. */
  private recordOutcome(key: string, outcome: 'succeeded' | 'failed', now: number): void {
    if (outcome === 'succeeded') this.backoff.delete(key);
    else
      this.backoff.set(key, {
        failuresAfterSuccess: (this.backoff.get(key)?.failuresAfterSuccess ?? 0) + 1,
        lastFailureAt: now,
      });
  }

  /** Ms until failed pods may be replaced: base * 2^(failures-1) after the last failure, capped at 10 minutes; 0 when free to create. */
  private backoffLeft(key: string, now: number): number {
    const rec = this.backoff.get(key);
    const base = this.opts.podFailureBackoffMs ?? 10_000;
    if (!rec || base <= 0) return 0;
    const delay = Math.min(base * 2 ** (rec.failuresAfterSuccess - 1), MAX_POD_FAILURE_BACKOFF_MS);
    return Math.max(0, rec.lastFailureAt + delay - now);
  }

  /** Creates (unless held back by the failure backoff) and deletes pods towards wantActive; returns the active pods as they will be. */
  private async managePods(
    job: JobObject,
    active: PodObject[],
    succeeded: number,
    completed: Set<number>,
    mayCreate: boolean,
  ): Promise<PodObject[]> {
    const key = objectKey(job);
    const planned = planPods(job, active, succeeded, completed, MAX_CREATES_PER_SYNC);
    const plan = mayCreate ? planned : { ...planned, create: [] };
    let result = active;
    if (plan.remove.length > 0)
      result = await this.deletePods(
        job,
        active.filter((p) => plan.remove.includes(p)),
        active,
      );
    if (plan.create.length === 0) return result;
    const ns = job.metadata.namespace ?? '';
    const queue = [...plan.create];
    const created: PodObject[] = [];
    this.expectations.expect(key, queue.length);
    const { successes, error } = await slowStartBatch(queue.length, 1, async () => {
      const index = queue.shift();
      try {
        const pod = await this.opts.client.create(PODS, ns, jobPod(job, index));
        created.push(pod);
        this.opts.recorder.event(job, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata.name ?? ''}`);
      } catch (err) {
        this.opts.recorder.event(job, 'Warning', 'FailedCreate', `Error creating: ${message(err)}`);
        throw err;
      }
    });
    for (let i = successes; i < plan.create.length; i++) this.expectations.creationObserved(key);
    if (error) throw new Error(`job ${key}: ${message(error)}`);
    return [...result, ...created];
  }

  /** Deletes `victims` (events SuccessfulDelete); returns `from` without them. A pod already gone counts as deleted. */
  private async deletePods(job: JobObject, victims: PodObject[], from: PodObject[] = victims): Promise<PodObject[]> {
    if (victims.length === 0) return from;
    const key = objectKey(job);
    this.expectations.expect(key, 0, victims.map(objectKey));
    await Promise.all(
      victims.map(async (pod) => {
        try {
          await this.opts.client.delete(PODS, pod.metadata.namespace ?? '', pod.metadata.name ?? '');
          this.opts.recorder.event(job, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name ?? ''}`);
        } catch (err) {
          this.expectations.deletionObserved(key, objectKey(pod));
          if (!isNotFound(err)) throw err;
        }
      }),
    );
    return from.filter((p) => !victims.includes(p));
  }

  /** Removes the tracking finalizer (guarded by resourceVersion); false when the pod changed meanwhile (its event brings the Job back). */
  private async removeFinalizer(pod: PodObject): Promise<boolean> {
    const finalizers = (pod.metadata.finalizers ?? []).filter((f) => f !== JOB_TRACKING_FINALIZER);
    try {
      await this.opts.client.patch(PODS, pod.metadata.namespace ?? '', pod.metadata.name ?? '', 'merge', {
        metadata: { finalizers, resourceVersion: pod.metadata.resourceVersion },
      });
      return true;
    } catch (err) {
      if (isNotFound(err)) return true;
      if (isConflict(err)) return false;
      throw err;
    }
  }

  /** Deletes a finished Job once ttlSecondsAfterFinished has passed (foreground, as the TTL controller does); else requeues at that time. */
  private async expireAfterTtl(job: JobObject): Promise<ReconcileResult | void> {
    const ttl = job.spec?.ttlSecondsAfterFinished;
    const at = finishedAt(job);
    if (ttl === undefined || ttl === null || at === undefined) return;
    const left = at + ttl * 1000 - this.now();
    if (left > 0) return { requeueAfterMs: left };
    try {
      await (this.opts.ttlClient ?? this.opts.client).delete(
        JOBS,
        job.metadata.namespace ?? '',
        job.metadata.name ?? '',
        {
          propagationPolicy: 'Foreground',
          preconditions: { uid: job.metadata.uid },
        },
      );
    } catch (err) {
      if (!isNotFound(err) && !isConflict(err)) throw err;
    }
  }

  /** Writes status when it differs (PUT guarded by the cached resourceVersion: a conflict throws and the key is retried). */
  private async writeStatus(job: JobObject, status: JobStatus): Promise<JobObject> {
    if (deepEqual(normalize(job.status ?? {}), normalize(status))) return job;
    try {
      return await this.opts.client.updateStatus(JOBS, job.metadata.namespace ?? '', { ...job, status });
    } catch (err) {
      if (isNotFound(err)) return job;
      throw err;
    }
  }
}

function hasTrackingFinalizer(pod: KubeObject): boolean {
  return pod.metadata.finalizers?.includes(JOB_TRACKING_FINALIZER) ?? false;
}

function isTrue(status: JobStatus, type: string): boolean {
  return status.conditions?.some((c) => c.type === type && c.status === 'True') ?? false;
}

/** Status without empty optional parts, so `{}` and absent compare equal. */
function normalize(s: JobStatus): JobStatus {
  const out: JobStatus = { ...s };
  if (
    out.uncountedTerminatedPods &&
    !out.uncountedTerminatedPods.succeeded?.length &&
    !out.uncountedTerminatedPods.failed?.length
  )
    delete out.uncountedTerminatedPods;
  for (const k of ['active', 'ready', 'succeeded', 'failed'] as const) if (!out[k]) delete out[k];
  return out;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
