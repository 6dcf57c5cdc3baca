import type {
  ContainerState as K8sContainerState,
  ContainerStatus,
  Pod,
  PodCondition,
  PodStatus,
} from 'kubernetes-types/core/v1.js';
import type { ContainerState } from '../runtime/container-runtime.js';

/** What the pod worker knows about one container of a pod. */
export interface ContainerRecord {
  name: string;
  image: string;
  imageID?: string;
  /** The current (latest) container, running or exited. */
  current?: ContainerState;
  /** The one before it, for lastState. */
  previous?: ContainerState;
  restartCount: number;
  /** Set while the container is not running: ContainerCreating, CrashLoopBackOff, ErrImageNeverPull, CreateContainerError. */
  waiting?: { reason: string; message?: string };
  /** Probe results of the current container (undefined = no such probe: running means ready / started). */
  ready?: boolean;
  started?: boolean;
  /** An init container with restartPolicy Always (ready while running, as an app container). */
  sidecar?: boolean;
}

export interface PodStatusInput {
  pod: Pod;
  containers: ContainerRecord[];
  /** The init containers' records, in spec order (initContainerStatuses). */
  initContainers?: ContainerRecord[];
  /** Init containers not yet completed successfully (Initialized is False while any). */
  initPending?: string[];
  podIP?: string;
  hostIP: string;
  startTime?: string;
  /** Succeeded / Failed once every container has terminated for good; else Pending or Running. */
  phase: 'Pending' | 'Running' | 'Succeeded' | 'Failed';
  now: string;
}

/** RFC 3339 with seconds, as Kubernetes writes times. Pure. */
export function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d+Z$/, 'Z');
}

function stateOf(c: ContainerState | undefined): K8sContainerState {
  if (!c) return {};
  const containerID = `runc://${c.id}`;
  if (c.status === 'exited') {
    return {
      terminated: {
        exitCode: c.exitCode ?? 255,
        reason: c.reason ?? 'Error',
        startedAt: c.startedAt,
        finishedAt: c.finishedAt,
        containerID,
      },
    };
  }
  if (c.status === 'running') return { running: { startedAt: c.startedAt } };
  return { waiting: { reason: 'ContainerCreating' } };
}

/**
 * The pod status the agent reports: phase, podIP(s), hostIP, startTime, the standard conditions
 * (transition times kept from the previous status when unchanged), and one containerStatus per
 * spec container with its running / waiting / terminated state, lastState and restartCount.
 * A running container is ready unless its readiness (or startup) probe says otherwise. Pure.
 */
export function buildPodStatus(i: PodStatusInput): PodStatus {
  const toStatus = (c: ContainerRecord, init: boolean): ContainerStatus => {
    const running = c.current?.status === 'running';
    const state: K8sContainerState = c.waiting
      ? { waiting: { reason: c.waiting.reason, ...(c.waiting.message ? { message: c.waiting.message } : {}) } }
      : stateOf(c.current);
    // An init container is ready once it has completed successfully (as kubelet reports it).
    const ready =
      init && !c.sidecar ? c.current?.status === 'exited' && c.current.exitCode === 0 : running && (c.ready ?? true);
    return {
      name: c.name,
      image: c.image,
      imageID: c.imageID ?? '',
      containerID: c.current ? `runc://${c.current.id}` : undefined,
      ready,
      started: running && (c.started ?? true),
      restartCount: c.restartCount,
      state,
      lastState: stateOf(c.previous),
    };
  };
  const statuses = i.containers.map((c) => toStatus(c, false));
  const initPending = i.initPending ?? [];
  const allReady = statuses.length > 0 && statuses.every((s) => s.ready);
  const prev = new Map((i.pod.status?.conditions ?? []).map((c) => [c.type, c]));
  const cond = (type: string, ok: boolean, reason?: string, message?: string): PodCondition => {
    const status = ok ? 'True' : 'False';
    const old = prev.get(type);
    return {
      type,
      status,
      lastTransitionTime: old?.status === status ? old.lastTransitionTime : i.now,
      ...(reason && !ok ? { reason } : {}),
      ...(message && !ok ? { message } : {}),
    };
  };
  const done = i.phase === 'Succeeded' || i.phase === 'Failed';
  const conditions = [
    cond('PodReadyToStartContainers', i.podIP !== undefined),
    cond(
      'Initialized',
      initPending.length === 0,
      'ContainersNotInitialized',
      `containers with incomplete status: [${initPending.join(' ')}]`,
    ),
    cond('Ready', allReady, done ? 'PodCompleted' : 'ContainersNotReady'),
    cond('ContainersReady', allReady, done ? 'PodCompleted' : 'ContainersNotReady'),
    prev.get('PodScheduled') ?? cond('PodScheduled', true),
  ];
  const status: PodStatus = {
    phase: i.phase,
    conditions,
    hostIP: i.hostIP,
    hostIPs: [{ ip: i.hostIP }],
    containerStatuses: statuses,
    qosClass: i.pod.status?.qosClass,
  };
  if (i.initContainers?.length) status.initContainerStatuses = i.initContainers.map((c) => toStatus(c, true));
  if (i.podIP) {
    status.podIP = i.podIP;
    status.podIPs = [{ ip: i.podIP }];
  }
  if (i.startTime) status.startTime = i.startTime;
  return status;
}

/**
 * The phase from the containers' states and the restart policy: Running while any container runs
 * or will be restarted; Succeeded when all terminated with 0 and none restarts; Failed when all
 * terminated, none restarts and one failed; Pending before all have started. Pure.
 */
export function podPhase(
  restartPolicy: string,
  containers: ContainerRecord[],
): 'Pending' | 'Running' | 'Succeeded' | 'Failed' {
  const states = containers.map((c) => c.current);
  if (states.some((s) => s === undefined) && !states.some((s) => s?.status === 'running')) return 'Pending';
  const restarts = (s: ContainerState): boolean =>
    restartPolicy === 'Always' || (restartPolicy === 'OnFailure' && s.exitCode !== 0);
  if (states.every((s) => s?.status === 'exited' && !restarts(s))) {
    return states.every((s) => s?.exitCode === 0) ? 'Succeeded' : 'Failed';
  }
  return states.some((s) => s === undefined) ? 'Pending' : 'Running';
}
