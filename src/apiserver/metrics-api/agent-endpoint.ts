/**
 * How the API server reaches a node's agent (as pods/log does, see rest/agent-connection.ts): the
 * Node's InternalIP (or the `flotilla.dev/agent-host` label, which hollow nodes set to the loopback
 * address of their shared stats server) and status.daemonEndpoints.kubeletEndpoint.Port; the
 * agent's serving CA from the Node's annotation, trusted for that node's name only. Nodes without
 * it have no agent server (e.g. hollow nodes without fake stats) and are never contacted.
 */
import type { KubeObject } from '../../api/object.js';
import type { RestContext } from '../rest/rest-context.js';
import { agentServingCa, authorityOf, nodeAgentAddress } from '../rest/agent-connection.js';
import { AGENT_HOST_LABEL } from '../../api/stats/summary-types.js';

export { AGENT_HOST_LABEL };

export interface AgentEndpoint {
  node: string;
  /** Address to connect to. */
  host: string;
  port: number;
  /** `<InternalIP>:<port>`: the Host header, by which a shared (hollow) stats server tells its nodes apart. */
  hostHeader: string;
  /** CA of the agent's serving certificate (trusted for this node only). */
  caPem: string;
  /** The API server's client certificate. */
  clientTls?: { cert: string; key: string };
}

/** The agent endpoint of a Node object, or undefined when it has no address, port or published serving CA. */
export function agentEndpoint(ctx: RestContext, node: KubeObject): AgentEndpoint | undefined {
  const name = node.metadata.name ?? '';
  const address = nodeAgentAddress(node);
  if (!address) return undefined;
  const caPem = agentServingCa(node);
  if (!caPem) return undefined;
  const host = node.metadata.labels?.[AGENT_HOST_LABEL] || address.ip;
  return {
    node: name,
    host,
    port: address.port,
    hostHeader: authorityOf(address.ip, address.port),
    caPem,
    clientTls: ctx.agentClientTls,
  };
}
