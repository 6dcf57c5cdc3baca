import type { FilterPlugin } from '../framework/plugin.js';
import { SUCCESS, unresolvable } from '../framework/status.js';

/**
 * NodeName: a pod naming a node in spec.nodeName fits only there. (Pods with spec.nodeName set are
 * not scheduled at all; the plugin matters for preemption simulations and for parity.)
 */
export const NODE_NAME = 'NodeName';
export const REASON_NODE_NAME = "node(s) didn't match the requested node name";

export function nodeName(): FilterPlugin {
  return {
    name: NODE_NAME,
    prepareFilter(pod) {
      const wanted = pod.pod.spec?.nodeName;
      if (!wanted) return undefined;
      const failed = unresolvable(REASON_NODE_NAME);
      return (node) => (node.name === wanted ? SUCCESS : failed);
    },
  };
}
