/**
 * How the API server reaches a node's agent (as pods/log does, see rest/pod-logs.ts): the Node's
 * InternalIP (or the `flotilla.dev/agent-host` label, which hollow nodes set to the loopback address
 * of their shared stats server) and status.daemonEndpoints.kubeletEndpoint.Port; the CA and bearer
 * token from Secret `kube-system/flotilla-agent-<node>`. Nodes without that Secret have no agent
 * server (e.g. hollow nodes without fake stats) and are never contacted.
 */
import type { KubeObject } from '../../api/object.js';
import { decodeObject } from '../rest/storage-key.js';
import type { RestContext } from '../rest/rest-context.js';
import { agentSecretName, authorityOf, nodeAgentAddress, publishedAgentCredentials } from '../rest/agent-connection.js';
import { AGENT_HOST_LABEL } from '../../api/stats/summary-types.js';

export { AGENT_HOST_LABEL };

export interface AgentEndpoint {
  node: string;
  /** Address to connect to. */
  host: string;
  port: number;
  /** `<InternalIP>:<port>`: the Host header, by which a shared (hollow) stats server tells its nodes apart. */
  hostHeader: string;
  caPem: string;
  token: string;
}

function cached(ctx: RestContext, key: string): KubeObject | undefined {
  const c = ctx.cache.get(key);
  return c ? decodeObject<KubeObject>(c.bytes) : undefined;
}

/** The agent endpoint of a Node object, or undefined when it has no address, port or published credentials. */
export function agentEndpoint(ctx: RestContext, node: KubeObject): AgentEndpoint | undefined {
  const name = node.metadata.name ?? '';
  const address = nodeAgentAddress(node);
  if (!address) return undefined;
  const credentials = publishedAgentCredentials(
    cached(ctx, `/registry/core/secrets/kube-system/${agentSecretName(name)}`),
  );
  if (!credentials) return undefined;
  const host = node.metadata.labels?.[AGENT_HOST_LABEL] || address.ip;
  return { node: name, host, port: address.port, hostHeader: authorityOf(address.ip, address.port), ...credentials };
}
