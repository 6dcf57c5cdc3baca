import type { Container } from 'kubernetes-types/core/v1.js';
import type { ContainerRecord } from './pod-status.js';

/**
 * Where a pod's init containers stand:
 *   done    - every one exited 0 (or an app container has already run: the pod was initialized);
 *   run     - `container` is the first not yet successful: start it, wait for it, or restart it;
 *   failed  - `container` exited non-zero under restartPolicy Never: the pod fails.
 */
export type InitProgress =
  | { state: 'done' }
  | { state: 'run'; container: Container; index: number }
  | { state: 'failed'; container: Container; index: number };

/** A sidecar: an init container with restartPolicy Always (started in the init sequence, then kept running). Pure. */
export function isSidecar(c: Container): boolean {
  return c.restartPolicy === 'Always';
}

/**
 * The next step of the init containers, in spec order, each to successful completion first (a
 * sidecar only to running: the next one starts once it runs). Pure.
 */
export function initProgress(
  init: Container[],
  app: Container[],
  records: Map<string, ContainerRecord>,
  restartPolicy: string,
): InitProgress {
  if (app.some((c) => records.get(c.name)?.current)) return { state: 'done' };
  for (let index = 0; index < init.length; index++) {
    const container = init[index] as Container;
    const cur = records.get(container.name)?.current;
    if (isSidecar(container)) {
      if (cur?.status === 'running') continue;
      return { state: 'run', container, index };
    }
    if (cur?.status === 'exited' && cur.exitCode === 0) continue;
    if (cur?.status === 'exited' && restartPolicy === 'Never') return { state: 'failed', container, index };
    return { state: 'run', container, index };
  }
  return { state: 'done' };
}

/**
 * The restart policy an init container is run under: a failed one is retried (with crash-loop
 * backoff) unless the pod's policy is Never; one that succeeded is never run again. Pure.
 */
export function initRestartPolicy(podRestartPolicy: string): 'OnFailure' | 'Never' {
  return podRestartPolicy === 'Never' ? 'Never' : 'OnFailure';
}

/** The names of the init containers not yet completed successfully (for the Initialized condition's message). Pure. */
export function pendingInitContainers(init: Container[], records: Map<string, ContainerRecord>): string[] {
  return init
    .filter((c) => {
      const cur = records.get(c.name)?.current;
      return isSidecar(c) ? cur?.status !== 'running' : !(cur?.status === 'exited' && cur.exitCode === 0);
    })
    .map((c) => c.name);
}
