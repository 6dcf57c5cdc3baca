import type { FilterPlugin } from '../framework/plugin.js';
import { SUCCESS, unschedulable } from '../framework/status.js';

/**
 * NodePorts: a pod's hostPorts must be free on the node. Two claims of the same protocol and port
 * conflict when either binds every address (0.0.0.0) or both bind the same IP.
 */
export const NODE_PORTS = 'NodePorts';
export const REASON_NODE_PORTS = "node(s) didn't have free ports for the requested pod ports";

export function nodePorts(): FilterPlugin {
  return {
    name: NODE_PORTS,
    prepareFilter(pod) {
      if (pod.hostPorts.length === 0) return undefined;
      const failed = unschedulable(REASON_NODE_PORTS);
      return (node) => {
        if (node.usedPorts.size === 0) return SUCCESS;
        for (const hp of pod.hostPorts) {
          const ips = node.usedPorts.get(`${hp.protocol}/${hp.port}`);
          if (!ips) continue;
          if (hp.ip === '0.0.0.0' || ips.some((ip) => ip === '0.0.0.0' || ip === hp.ip)) return failed;
        }
        return SUCCESS;
      };
    },
  };
}
