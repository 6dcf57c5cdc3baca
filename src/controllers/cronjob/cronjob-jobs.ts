import type { CronJob, Job } from 'kubernetes-types/batch/v1.js';
import type { ObjectReference } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../api/object.js';
import { controllerRefTo } from '../replicaset/controller-ref.js';

/** Annotation on a Job created by a CronJob: the scheduled time it stands for (RFC 3339, in the CronJob's zone). */
export const SCHEDULED_TIMESTAMP = 'batch.kubernetes.io/cronjob-scheduled-timestamp';

/** `<cronjob>-<scheduled time in minutes since the epoch>` (getJobName): one name per activation, so a retry cannot double-create. Pure. */
export function jobName(cronJobName: string, scheduledMs: number): string {
  return `${cronJobName}-${Math.floor(scheduledMs / 60_000)}`;
}

/**
 * The Job for one activation (getJobFromTemplate2): the jobTemplate's labels, annotations and
 * spec, the CronJob as controller owner, the scheduled-timestamp annotation. Pure.
 */
export function jobFromTemplate(cj: KubeObject & CronJob, scheduledMs: number): KubeObject & Job {
  const tmpl = cj.spec?.jobTemplate;
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: jobName(cj.metadata.name ?? '', scheduledMs),
      namespace: cj.metadata.namespace,
      labels: { ...(tmpl?.metadata?.labels ?? {}) },
      annotations: {
        ...(tmpl?.metadata?.annotations ?? {}),
        [SCHEDULED_TIMESTAMP]: new Date(scheduledMs).toISOString().replace(/\.\d+Z$/, 'Z'),
      },
      ownerReferences: [controllerRefTo(cj)],
    },
    spec: structuredClone(tmpl?.spec ?? { template: {} }),
  };
}

/** The reference kept in status.active. Pure. */
export function jobReference(job: KubeObject): ObjectReference {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    name: job.metadata.name,
    namespace: job.metadata.namespace,
    uid: job.metadata.uid,
    resourceVersion: job.metadata.resourceVersion,
  };
}

/** Complete or Failed (with status True), or undefined while the Job runs. Pure. */
export function jobFinished(job: Job): 'Complete' | 'Failed' | undefined {
  const c = job.status?.conditions?.find((x) => (x.type === 'Complete' || x.type === 'Failed') && x.status === 'True');
  return c?.type as 'Complete' | 'Failed' | undefined;
}

/**
 * The finished Jobs beyond successfulJobsHistoryLimit (default 3) and failedJobsHistoryLimit
 * (default 1), oldest first by start time (then creation time), as cleanupFinishedJobs. Pure.
 */
export function jobsToPrune(cj: CronJob, jobs: (KubeObject & Job)[]): (KubeObject & Job)[] {
  const pick = (kind: 'Complete' | 'Failed', limit: number) => {
    const done = jobs.filter((j) => jobFinished(j) === kind).sort(byStart);
    return done.slice(0, Math.max(0, done.length - limit));
  };
  return [
    ...pick('Complete', cj.spec?.successfulJobsHistoryLimit ?? 3),
    ...pick('Failed', cj.spec?.failedJobsHistoryLimit ?? 1),
  ];
}

function byStart(a: KubeObject & Job, b: KubeObject & Job): number {
  const ta = a.status?.startTime ?? a.metadata.creationTimestamp ?? '';
  const tb = b.status?.startTime ?? b.metadata.creationTimestamp ?? '';
  return ta.localeCompare(tb) || (a.metadata.name ?? '').localeCompare(b.metadata.name ?? '');
}
