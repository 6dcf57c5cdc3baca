import type { Logger } from 'pino';
import type { CronJob, CronJobStatus, Job } from 'kubernetes-types/batch/v1.js';
import type { KubeObject } from '../../api/object.js';
import { deepEqual } from '../../api/validation/field.js';
import type { KubeClient } from '../../machinery/client/kube-client.js';
import type { Informer } from '../../machinery/client/informer.js';
import { isAlreadyExists, isNotFound } from '../../machinery/client/client-error.js';
import type { ObjectKey } from '../../machinery/client/object-key.js';
import type { ReconcileResult } from '../../machinery/controller/controller.js';
import type { EventRecorder } from '../../machinery/events/event-recorder.js';
import { controllerOf } from '../replicaset/controller-ref.js';
import { compileSchedule, scheduleDue, type CronSchedule } from './cron-times.js';
import { jobFinished, jobFromTemplate, jobName, jobReference, jobsToPrune } from './cronjob-jobs.js';
import { CRONJOBS, JOBS } from '../../machinery/resources/well-known.js';
import type { ObjectOf } from '../../machinery/resources/resource.js';

/** Requeue a little after the next activation, so the clock has certainly passed it (nextScheduleTimeDuration adds 100 ms). */
const REQUEUE_SLACK_MS = 100;

type CronJobObject = KubeObject & CronJob;
type JobObject = KubeObject & Job;

export interface CronJobControllerOptions {
  client: KubeClient;
  cronJobs: Informer<ObjectOf<CronJob>>;
  jobs: Informer<ObjectOf<Job>>;
  recorder: EventRecorder;
  log: Logger;
  /** Clock in ms (default Date.now); tests may run it faster than real time. */
  now?: () => number;
  /** Turns a duration on the controller's clock into a real delay (default identity; a sped-up clock divides). */
  realDelayMs?: (clockMs: number) => number;
}

/**
 * Kubernetes' CronJob controller (cronjob_controllerv2): keeps status.active in line with the
 * Jobs it owns (SawCompletedJob, lastSuccessfulTime, MissingJob), then, unless suspended, starts
 * the most recent unmet activation of the schedule (in spec.timeZone) as Job
 * `<cronjob>-<minutes since epoch>`, honouring startingDeadlineSeconds and concurrencyPolicy
 * (Allow / Forbid / Replace), prunes finished Jobs beyond the history limits and requeues itself
 * at the next activation. Level-triggered: a retried reconcile finds the Job by its name.
 */
export class CronJobController {
  private readonly now: () => number;
  private readonly realDelayMs: (ms: number) => number;
  private readonly compiled = new Map<string, CronSchedule>();

  constructor(private readonly opts: CronJobControllerOptions) {
    this.now = opts.now ?? Date.now;
    this.realDelayMs = opts.realDelayMs ?? ((ms) => ms);
  }

  /** Level-triggered sync of one CronJob (syncCronJob). Idempotent; throws to retry. */
  reconcile = async ({ namespace, name }: ObjectKey): Promise<ReconcileResult | void> => {
    const cj = this.opts.cronJobs.get(namespace, name);
    if (!cj) return;
    const now = this.now();
    const owned = this.opts.jobs.list(namespace).filter((j) => controllerOf(j)?.uid === cj.metadata.uid);
    const status: CronJobStatus = structuredClone(cj.status ?? {});
    await this.syncActive(cj, status, owned);
    const result = cj.metadata.deletionTimestamp ? undefined : await this.schedule(cj, status, owned, now);
    await this.writeStatus(cj, status);
    if (!cj.metadata.deletionTimestamp) await this.prune(cj, owned);
    return result;
  };

  /** Maps a Job event to the CronJob controlling it. */
  keysForJob = (job: KubeObject): ObjectKey[] => {
    const ref = controllerOf(job);
    return ref?.kind === 'CronJob' ? [{ namespace: job.metadata.namespace ?? '', name: ref.name }] : [];
  };

  /** Drops finished and vanished Jobs from status.active; records lastSuccessfulTime. */
  private async syncActive(cj: CronJobObject, status: CronJobStatus, owned: JobObject[]): Promise<void> {
    const activeUids = new Set((status.active ?? []).map((r) => r.uid));
    for (const job of owned) {
      const finished = jobFinished(job);
      if (!finished) {
        // Ours and running but not listed (e.g. a status write lost after the create): list it.
        if (!activeUids.has(job.metadata.uid)) status.active = [...(status.active ?? []), jobReference(job)];
        continue;
      }
      if (activeUids.has(job.metadata.uid)) {
        status.active = (status.active ?? []).filter((r) => r.uid !== job.metadata.uid);
        this.opts.recorder.event(
          cj,
          'Normal',
          'SawCompletedJob',
          `Saw completed job: ${job.metadata.name ?? ''}, status: ${finished}`,
        );
      }
      const done = job.status?.completionTime;
      if (
        finished === 'Complete' &&
        done &&
        (!status.lastSuccessfulTime || Date.parse(done) > Date.parse(status.lastSuccessfulTime))
      )
        status.lastSuccessfulTime = done;
    }
    const ownedUids = new Set(owned.map((j) => j.metadata.uid));
    for (const ref of [...(status.active ?? [])]) {
      if (ownedUids.has(ref.uid)) continue;
      // Not in the cache: ask the server before forgetting it (the cache may lag our own create).
      try {
        const live = await this.opts.client.get(JOBS, ref.namespace ?? cj.metadata.namespace ?? '', ref.name ?? '');
        if (live.metadata.uid === ref.uid) continue;
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      status.active = (status.active ?? []).filter((r) => r.uid !== ref.uid);
      this.opts.recorder.event(cj, 'Normal', 'MissingJob', `Active job went missing: ${ref.name ?? ''}`);
    }
    if (status.active?.length === 0) delete status.active;
  }

  /** Starts the due activation if allowed; returns when to look again. */
  private async schedule(
    cj: CronJobObject,
    status: CronJobStatus,
    owned: JobObject[],
    now: number,
  ): Promise<ReconcileResult | void> {
    if (cj.spec?.suspend) return;
    let sched: CronSchedule;
    try {
      sched = this.scheduleOf(cj);
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      const reason = msg.startsWith('unknown time zone') ? 'UnknownTimeZone' : 'UnparseableSchedule';
      this.opts.recorder.event(
        cj,
        'Warning',
        reason,
        reason === 'UnknownTimeZone'
          ? `invalid timeZone: "${cj.spec?.timeZone ?? ''}": ${msg}`
          : `unparseable schedule: "${cj.spec?.schedule ?? ''}" : ${msg}`,
      );
      return;
    }
    let earliest = Date.parse(status.lastScheduleTime ?? cj.metadata.creationTimestamp ?? '');
    if (Number.isNaN(earliest)) earliest = now;
    const deadline = cj.spec?.startingDeadlineSeconds;
    if (deadline !== undefined && deadline !== null) earliest = Math.max(earliest, now - deadline * 1000);
    const due = scheduleDue(sched, earliest, now);
    const requeue =
      due.next === undefined
        ? undefined
        : { requeueAfterMs: Math.max(0, this.realDelayMs(due.next - now)) + REQUEUE_SLACK_MS };
    if (due.mostRecent === undefined) return requeue;
    if (due.missed > 100)
      this.opts.recorder.event(
        cj,
        'Warning',
        'TooManyMissedTimes',
        `too many missed start times: ${due.missed}. Set or decrease .spec.startingDeadlineSeconds or check clock skew`,
      );
    const scheduled = due.mostRecent;
    if (deadline !== undefined && deadline !== null && scheduled + deadline * 1000 < now) {
      this.opts.recorder.event(
        cj,
        'Warning',
        'MissSchedule',
        `Missed scheduled time to start a job: ${new Date(scheduled).toISOString()}`,
      );
      return requeue;
    }
    const name = jobName(cj.metadata.name ?? '', scheduled);
    if ((status.active ?? []).some((r) => r.name === name) || owned.some((j) => j.metadata.name === name)) {
      if (!status.lastScheduleTime || Date.parse(status.lastScheduleTime) < scheduled)
        status.lastScheduleTime = rfc3339(scheduled);
      return requeue;
    }
    const policy = cj.spec?.concurrencyPolicy ?? 'Allow';
    if (policy === 'Forbid' && (status.active?.length ?? 0) > 0) {
      this.opts.recorder.event(
        cj,
        'Normal',
        'JobAlreadyActive',
        'Not starting job because prior execution is running and concurrency policy is Forbid',
      );
      return requeue;
    }
    if (policy === 'Replace') {
      for (const ref of status.active ?? []) {
        await this.deleteJob(cj, ref.name ?? '');
        status.active = (status.active ?? []).filter((r) => r.uid !== ref.uid);
      }
      if (status.active?.length === 0) delete status.active;
    }
    let job: JobObject;
    try {
      job = await this.opts.client.create(JOBS, cj.metadata.namespace ?? '', jobFromTemplate(cj, scheduled));
      this.opts.recorder.event(cj, 'Normal', 'SuccessfulCreate', `Created job ${job.metadata.name ?? ''}`);
    } catch (err) {
      if (!isAlreadyExists(err)) {
        this.opts.recorder.event(
          cj,
          'Warning',
          'FailedCreate',
          `Error creating job: ${err instanceof Error ? err.message : String(err)}`,
        );
        throw err;
      }
      job = await this.opts.client.get(JOBS, cj.metadata.namespace ?? '', name);
      if (controllerOf(job)?.uid !== cj.metadata.uid || jobFinished(job)) {
        status.lastScheduleTime = rfc3339(scheduled);
        return requeue;
      }
    }
    status.active = [...(status.active ?? []), jobReference(job)];
    status.lastScheduleTime = rfc3339(scheduled);
    return requeue;
  }

  /** The compiled schedule, cached per schedule and zone. */
  private scheduleOf(cj: CronJobObject): CronSchedule {
    const k = `${cj.spec?.timeZone ?? ''}\u0000${cj.spec?.schedule ?? ''}`;
    let s = this.compiled.get(k);
    if (!s) {
      s = compileSchedule(cj.spec?.schedule ?? '', cj.spec?.timeZone ?? undefined);
      this.compiled.set(k, s);
    }
    return s;
  }

  /** Deletes finished Jobs beyond the history limits (background propagation, so their pods go too). */
  private async prune(cj: CronJobObject, owned: JobObject[]): Promise<void> {
    for (const job of jobsToPrune(cj, owned)) await this.deleteJob(cj, job.metadata.name ?? '');
  }

  private async deleteJob(cj: CronJobObject, name: string): Promise<void> {
    try {
      await this.opts.client.delete(JOBS, cj.metadata.namespace ?? '', name, { propagationPolicy: 'Background' });
      this.opts.recorder.event(cj, 'Normal', 'SuccessfulDelete', `Deleted job ${name}`);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  /** Writes status when it changed (PUT guarded by resourceVersion: a conflict throws and the key is retried). */
  private async writeStatus(cj: CronJobObject, status: CronJobStatus): Promise<void> {
    if (deepEqual(cj.status ?? {}, status)) return;
    try {
      await this.opts.client.updateStatus(CRONJOBS, cj.metadata.namespace ?? '', { ...cj, status });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}

function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
}
