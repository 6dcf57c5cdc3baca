import type { Job, JobCondition } from 'kubernetes-types/batch/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';

/** Finalizer the Job controller puts on its pods so none is lost before it is counted. */
export const JOB_TRACKING_FINALIZER = 'batch.kubernetes.io/job-tracking';
/** Annotation and label carrying an Indexed Job pod's completion index. */
export const COMPLETION_INDEX = 'batch.kubernetes.io/job-completion-index';

export type PodOutcome = 'succeeded' | 'failed';

/** The Job's terminal condition type (Complete or Failed with status True), or undefined while it runs. Pure. */
export function finishedCondition(job: Job): 'Complete' | 'Failed' | undefined {
  for (const c of job.status?.conditions ?? []) {
    if ((c.type === 'Complete' || c.type === 'Failed') && c.status === 'True') return c.type;
  }
  return undefined;
}

/** When the Job finished (completionTime, else the terminal condition's transition time), in ms; undefined while running. Pure. */
export function finishedAt(job: Job): number | undefined {
  const type = finishedCondition(job);
  if (!type) return undefined;
  const c = job.status?.conditions?.find((x) => x.type === type);
  const t = Date.parse(job.status?.completionTime ?? c?.lastTransitionTime ?? '');
  return Number.isNaN(t) ? undefined : t;
}

/**
 * How a pod ended, for counting: Succeeded, Failed, or being deleted before it succeeded (counted as
 * failed, as Kubernetes' podReplacementPolicy TerminatingOrFailed does); undefined while it runs. Pure.
 */
export function podOutcome(pod: Pod): PodOutcome | undefined {
  const phase = pod.status?.phase;
  if (phase === 'Succeeded') return 'succeeded';
  if (phase === 'Failed') return 'failed';
  if (pod.metadata?.deletionTimestamp) return 'failed';
  return undefined;
}

/** The pod's completion index from its annotation (or label); undefined when absent or not a number. Pure. */
export function completionIndexOf(pod: Pod): number | undefined {
  const raw = pod.metadata?.annotations?.[COMPLETION_INDEX] ?? pod.metadata?.labels?.[COMPLETION_INDEX];
  if (raw === undefined || !/^\d+$/.test(raw)) return undefined;
  return Number(raw);
}

/** `0-2,4,6-7` from a set of indexes (status.completedIndexes). Pure. */
export function formatIndexes(indexes: Iterable<number>): string {
  const sorted = [...new Set(indexes)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    parts.push(i === j ? String(sorted[i]) : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/** The indexes of `0-2,4` (inverse of formatIndexes); malformed parts are skipped. Pure. */
export function parseIndexes(s: string | undefined): Set<number> {
  const out = new Set<number>();
  for (const part of (s ?? '').split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) continue;
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    for (let i = from; i <= to; i++) out.add(i);
  }
  return out;
}

/**
 * Sets (or replaces) a condition of `type`; the transition time changes only when the status
 * changes. Returns a new array. Pure.
 */
export function withCondition(
  conditions: JobCondition[] | undefined,
  next: Omit<JobCondition, 'lastProbeTime' | 'lastTransitionTime'>,
  now: string,
): JobCondition[] {
  const list = conditions ?? [];
  const old = list.find((c) => c.type === next.type);
  const cond: JobCondition = {
    ...next,
    lastProbeTime: now,
    lastTransitionTime: old && old.status === next.status ? old.lastTransitionTime : now,
  };
  return old ? list.map((c) => (c.type === next.type ? cond : c)) : [...list, cond];
}

/** The RFC 3339 time (seconds precision) of a ms timestamp, as Kubernetes writes metav1.Time. Pure. */
export function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
}
