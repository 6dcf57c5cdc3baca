import type { Job } from 'kubernetes-types/batch/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { isPodReady } from '../replicaset/pod-state.js';
import { completionIndexOf } from './job-state.js';

/** What manageJob should do: pods to create (an Indexed Job gives each its index) and active pods to delete. */
export interface PodPlan {
  create: (number | undefined)[];
  remove: Pod[];
}

/**
 * How many pods should run now (Kubernetes' wantActive): parallelism, capped by the completions
 * still missing; without completions (a work queue) no new pods once one has succeeded, but the
 * running ones are left alone. Pure.
 */
export function wantActive(job: Job, active: number, succeeded: number): number {
  const parallelism = job.spec?.parallelism ?? 1;
  const completions = job.spec?.completions;
  if (completions === undefined || completions === null)
    return succeeded > 0 ? Math.min(active, parallelism) : parallelism;
  return Math.max(0, Math.min(parallelism, completions - succeeded));
}

/**
 * The creates and deletes that bring `active` pods to wantActive. NonIndexed: delete not-ready
 * pods first, then the newest. Indexed: pods with a missing, out-of-range, completed or duplicate
 * index go first; extras are taken from the highest index; new pods get the lowest indexes that
 * are neither completed nor running. Pure.
 */
export function planPods(
  job: Job,
  active: Pod[],
  succeeded: number,
  completedIndexes: Set<number>,
  maxCreates: number,
): PodPlan {
  const want = wantActive(job, active.length, succeeded);
  if ((job.spec?.completionMode ?? 'NonIndexed') !== 'Indexed') {
    const diff = active.length - want;
    if (diff > 0) return { create: [], remove: [...active].sort(deletionOrder).slice(0, diff) };
    return { create: Array.from({ length: Math.min(-diff, maxCreates) }, () => undefined), remove: [] };
  }
  const completions = job.spec?.completions ?? 0;
  const remove: Pod[] = [];
  const byIndex = new Map<number, Pod>();
  for (const pod of [...active].sort((a, b) => Number(isPodReady(b)) - Number(isPodReady(a)))) {
    const i = completionIndexOf(pod);
    if (i === undefined || i >= completions || completedIndexes.has(i) || byIndex.has(i)) remove.push(pod);
    else byIndex.set(i, pod);
  }
  const running = [...byIndex.keys()].sort((a, b) => b - a);
  const wantRunning = Math.max(0, Math.min(want, completions - completedIndexes.size));
  for (const i of running.slice(0, Math.max(0, running.length - wantRunning))) remove.push(byIndex.get(i) as Pod);
  const create: number[] = [];
  for (
    let i = 0;
    i < completions && create.length < Math.min(wantRunning - Math.min(running.length, wantRunning), maxCreates);
    i++
  ) {
    if (!completedIndexes.has(i) && !byIndex.has(i)) create.push(i);
  }
  return { create, remove };
}

/** Not ready before ready, then newest first. */
function deletionOrder(a: Pod, b: Pod): number {
  const ready = Number(isPodReady(a)) - Number(isPodReady(b));
  if (ready !== 0) return ready;
  return (b.metadata?.creationTimestamp ?? '').localeCompare(a.metadata?.creationTimestamp ?? '');
}
