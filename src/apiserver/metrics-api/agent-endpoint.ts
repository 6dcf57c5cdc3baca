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

import { AGENT_HOST_LABEL } from '../../agent/stats/summary-types.js';

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

interface NodeLike extends KubeObject {
  status?: { addresses?: { type: string; address: string }[]; daemonEndpoints?: { kubeletEndpoint?: { Port?: number } } };
}

function cached<T>(ctx: RestContext, key: string): T | undefined {
  const c = ctx.cache.get(key);
  return c ? decodeObject<T>(c.bytes) : undefined;
}

/** The agent endpoint of a Node object, or undefined when it has no address, port or published credentials. */
export function agentEndpoint(ctx: RestContext, node: KubeObject): AgentEndpoint | undefined {
  const name = node.metadata.name ?? '';
  const n = node as NodeLike;
  const ip = n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
  const port = n.status?.daemonEndpoints?.kubeletEndpoint?.Port;
  if (!ip || !port) return undefined;
  const secret = cached<KubeObject & { data?: Record<string, string> }>(ctx, `/registry/core/secrets/kube-system/flotilla-agent-${name}`);
  const caPem = secret?.data?.['ca.crt'] ? Buffer.from(secret.data['ca.crt'], 'base64').toString() : undefined;
  const token = secret?.data?.token ? Buffer.from(secret.data.token, 'base64').toString() : undefined;
  if (!caPem || !token) return undefined;
  const host = node.metadata.labels?.[AGENT_HOST_LABEL] || ip;
  return { node: name, host, port, hostHeader: `${ip.includes(':') ? `[${ip}]` : ip}:${port}`, caPem, token };
}
