import type { FilterPlugin } from '../framework/plugin.js';
import { SUCCESS, unresolvable } from '../framework/status.js';
import { toleratesTaint } from '../../machinery/scheduling/tolerations.js';

/** NodeUnschedulable: a cordoned node (spec.unschedulable) takes only pods tolerating its taint. */
export const NODE_UNSCHEDULABLE = 'NodeUnschedulable';
export const REASON_NODE_UNSCHEDULABLE = 'node(s) were unschedulable';

const UNSCHEDULABLE_TAINT = { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' } as const;

export function nodeUnschedulable(): FilterPlugin {
  return {
    name: NODE_UNSCHEDULABLE,
    prepareFilter(pod) {
      const tolerated = (pod.pod.spec?.tolerations ?? []).some((t) => toleratesTaint(t, UNSCHEDULABLE_TAINT));
      if (tolerated) return undefined;
      const failed = unresolvable(REASON_NODE_UNSCHEDULABLE);
      return (node) => (node.unschedulable ? failed : SUCCESS);
    },
  };
}
