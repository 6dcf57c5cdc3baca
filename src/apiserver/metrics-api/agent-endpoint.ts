/**
 * How the API server reaches a node's agent (as pods/log does, see rest/agent-connection.ts): the
 * Node's InternalIP (or the `flotilla.dev/agent-host` label, which hollow nodes set to the loopback
 * address of their shared stats server) and status.daemonEndpoints.kubeletEndpoint.Port; the
 * agent's serving certificate must chain to the cluster CA and be valid for the Node's InternalIP
 * and name. Nodes without a port (port 0: hollow nodes without fake stats) are never contacted.
 */
import type { KubeObject } from '../../api/object.js';
import type { RestContext } from '../rest/rest-context.js';
import { authorityOf, nodeAgentAddress } from '../rest/agent-connection.js';
import { AGENT_HOST_LABEL } from '../../api/stats/summary-types.js';

export { AGENT_HOST_LABEL };

export interface AgentEndpoint {
  node: string;
  /** Address to connect to. */
  host: string;
  port: number;
  /** The Node's InternalIP, which the agent's certificate must be valid for. */
  address: string;
  /** `<InternalIP>:<port>`: the Host header, by which a shared (hollow) stats server tells its nodes apart. */
  hostHeader: string;
  /** The CA the agent's serving certificate must chain to (the cluster CA). */
  caPem: string;
  /** The API server's client certificate. */
  clientTls?: { cert: string; key: string };
}

/** The agent endpoint of a Node object, or undefined when it has no address or port, or the API server no CA for agents. */
export function agentEndpoint(ctx: RestContext, node: KubeObject): AgentEndpoint | undefined {
  const name = node.metadata.name ?? '';
  const address = nodeAgentAddress(node);
  if (!address) return undefined;
  const caPem = ctx.agentCaPem;
  if (!caPem) return undefined;
  const host = node.metadata.labels?.[AGENT_HOST_LABEL] || address.ip;
  return {
    node: name,
    host,
    port: address.port,
    address: address.ip,
    hostHeader: authorityOf(address.ip, address.port),
    caPem,
    clientTls: ctx.agentClientTls,
  };
}
