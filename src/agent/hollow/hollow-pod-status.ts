import type { ContainerStatus, Pod, PodCondition, PodStatus } from 'kubernetes-types/core/v1.js';
import { rfc3339 } from '../node/node-status.js';

/** Annotation on a pod (restartPolicy Never or OnFailure) that makes its hollow containers exit 0 after a duration, e.g. `2s`. */
export const EXIT_AFTER_ANNOTATION = 'flotilla.dev/hollow-exit-after';

/** Parses `250ms`, `2s`, `1.5m`, `1h` (or a bare number of seconds) into ms; undefined when invalid. Pure. */
export function parseDurationMs(text: string | undefined): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(text ?? '');
  if (!m) return undefined;
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] ?? 's'] ?? 1000;
  return Math.round(Number(m[1]) * unit);
}

/** How long a hollow pod runs before its containers exit 0; undefined = forever (also for restartPolicy Always). Pure. */
export function exitAfterMs(pod: Pod): number | undefined {
  if ((pod.spec?.restartPolicy ?? 'Always') === 'Always') return undefined;
  return parseDurationMs(pod.metadata?.annotations?.[EXIT_AFTER_ANNOTATION]);
}

const condition = (type: string, status: 'True' | 'False', at: string, reason?: string): PodCondition => ({
  type,
  status,
  lastTransitionTime: at,
  ...(reason ? { reason } : {}),
});

function containerId(pod: Pod, name: string): string {
  return `fake://${pod.metadata?.uid ?? ''}-${name}`;
}

/**
 * The status a kubelet reports once every container of `pod` runs and is ready: phase Running,
 * podIP(s), hostIP(s), startTime, init containers terminated Completed, containers running and
 * ready, conditions Initialized / Ready / ContainersReady / PodScheduled True. Pure.
 */
export function runningPodStatus(pod: Pod, addr: { podIP: string; hostIP: string }, now: Date): PodStatus {
  const at = rfc3339(now);
  const initContainerStatuses: ContainerStatus[] = (pod.spec?.initContainers ?? []).map((c) => ({
    name: c.name,
    image: c.image ?? '',
    imageID: `${c.image ?? ''}@sha256:hollow`,
    containerID: containerId(pod, c.name),
    ready: true,
    started: false,
    restartCount: 0,
    state: {
      terminated: {
        exitCode: 0,
        reason: 'Completed',
        startedAt: at,
        finishedAt: at,
        containerID: containerId(pod, c.name),
      },
    },
  }));
  const containerStatuses: ContainerStatus[] = (pod.spec?.containers ?? []).map((c) => ({
    name: c.name,
    image: c.image ?? '',
    imageID: `${c.image ?? ''}@sha256:hollow`,
    containerID: containerId(pod, c.name),
    ready: true,
    started: true,
    restartCount: 0,
    state: { running: { startedAt: at } },
  }));
  return {
    phase: 'Running',
    conditions: [
      condition('PodReadyToStartContainers', 'True', at),
      condition('Initialized', 'True', at),
      condition('Ready', 'True', at),
      condition('ContainersReady', 'True', at),
      condition('PodScheduled', 'True', at),
    ],
    hostIP: addr.hostIP,
    hostIPs: [{ ip: addr.hostIP }],
    podIP: addr.podIP,
    podIPs: [{ ip: addr.podIP }],
    startTime: at,
    ...(initContainerStatuses.length ? { initContainerStatuses } : {}),
    containerStatuses,
  };
}

/** The status once every container exited 0: phase Succeeded, containers terminated Completed, not ready (PodCompleted). Pure. */
export function succeededPodStatus(pod: Pod, now: Date): PodStatus {
  const at = rfc3339(now);
  const prev = pod.status ?? {};
  const containerStatuses: ContainerStatus[] = (pod.spec?.containers ?? []).map((c) => {
    const started =
      prev.containerStatuses?.find((s) => s.name === c.name)?.state?.running?.startedAt ?? prev.startTime ?? at;
    return {
      name: c.name,
      image: c.image ?? '',
      imageID: `${c.image ?? ''}@sha256:hollow`,
      containerID: containerId(pod, c.name),
      ready: false,
      started: false,
      restartCount: 0,
      state: {
        terminated: {
          exitCode: 0,
          reason: 'Completed',
          startedAt: started,
          finishedAt: at,
          containerID: containerId(pod, c.name),
        },
      },
    };
  });
  const keep = (type: string) => prev.conditions?.find((c) => c.type === type)?.lastTransitionTime ?? at;
  return {
    ...prev,
    phase: 'Succeeded',
    conditions: [
      condition('PodReadyToStartContainers', 'False', at),
      condition('Initialized', 'True', keep('Initialized'), 'PodCompleted'),
      condition('Ready', 'False', at, 'PodCompleted'),
      condition('ContainersReady', 'False', at, 'PodCompleted'),
      condition('PodScheduled', 'True', keep('PodScheduled')),
    ],
    containerStatuses,
  };
}
