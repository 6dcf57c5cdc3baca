import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import { type EventRecorder, type EventType, podReference } from '../../machinery/events/event-recorder.js';

/** How kubelet names a pod in messages: `name_namespace(uid)`. Pure. */
export function podDescription(pod: Pod): string {
  return `${pod.metadata?.name ?? ''}_${pod.metadata?.namespace ?? ''}(${pod.metadata?.uid ?? ''})`;
}

/** The fieldPath kubelet puts in an event about one container. Pure. */
export function containerFieldPath(pod: Pod, name: string): string {
  const init = (pod.spec?.initContainers ?? []).some((c: Container) => c.name === name);
  return `spec.${init ? 'initContainers' : 'containers'}{${name}}`;
}

/** Where the agent's pod and container events go (PodEvents; tests pass a list). */
export interface PodEventSink {
  /** An event about the pod (container = undefined) or one of its containers. Never throws, never waits. */
  emit(pod: Pod, type: EventType, reason: string, message: string, container?: string): void;
}

/**
 * The agent's events about pods and their containers, as kubelet writes them: the involvedObject
 * names the container by fieldPath (`spec.containers{name}`), and the recorder (the machinery's,
 * with source `kubelet` and host = the node) correlates repeats (BackOff counts up on one Event).
 */
export class PodEvents implements PodEventSink {
  constructor(private readonly recorder: EventRecorder) {}

  emit(pod: Pod, type: EventType, reason: string, message: string, container?: string): void {
    this.recorder.event(
      podReference(pod, container ? containerFieldPath(pod, container) : undefined),
      type,
      reason,
      message,
    );
  }
}
