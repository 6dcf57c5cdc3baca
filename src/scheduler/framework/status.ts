/**
 * Outcomes of plugins as data (kube-scheduler's framework.Status): a code, the plugin that
 * decided, and the human reasons that end up in the FailedScheduling event.
 */

export type StatusCode = 'Success' | 'Unschedulable' | 'UnschedulableAndUnresolvable' | 'Error';

export interface Status {
  readonly code: StatusCode;
  /** Reasons as Kubernetes words them, e.g. `Insufficient cpu`; one node may have several. */
  readonly reasons: readonly string[];
  /** Name of the plugin that returned it (set by the pipeline). */
  readonly plugin?: string;
}

/** The shared success value (compare with isSuccess, never by identity). */
export const SUCCESS: Status = Object.freeze({ code: 'Success', reasons: [] });

export function unschedulable(...reasons: string[]): Status {
  return { code: 'Unschedulable', reasons };
}

/** Unschedulable and no preemption on this node can help (labels, taints, node name). */
export function unresolvable(...reasons: string[]): Status {
  return { code: 'UnschedulableAndUnresolvable', reasons };
}

export function errorStatus(message: string): Status {
  return { code: 'Error', reasons: [message] };
}

export function isSuccess(s: Status): boolean {
  return s.code === 'Success';
}
