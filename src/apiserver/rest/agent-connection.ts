/**
 * How the API server reaches the agent of the node a pod is bound to (pods/log, pods/exec, attach
 * and portforward): the Node's InternalIP and agent port (status.daemonEndpoints.kubeletEndpoint.Port),
 * the agent's CA and bearer token from Secret `kube-system/flotilla-agent-<node>` (published by the
 * agent, see src/agent/server/agent-server.ts). The errors are kube-apiserver's messages.
 */
import type { KubeObject } from '../../api/object.js';
import { ApiError, errors } from '../../api/errors.js';
import { findResourceType } from '../../api/resource-types.js';
import { decodeObject, storageKey } from './storage-key.js';
import type { RestContext } from './rest-context.js';

/** What the pod subresources read of a pod. */
export interface PodLike extends KubeObject {
  spec?: {
    nodeName?: string;
    containers?: { name: string }[];
    initContainers?: { name: string }[];
    ephemeralContainers?: { name: string }[];
  };
  status?: { phase?: string };
}
interface NodeLike extends KubeObject {
  status?: {
    addresses?: { type: string; address: string }[];
    daemonEndpoints?: { kubeletEndpoint?: { Port?: number } };
  };
}
type SecretLike = KubeObject & { data?: Record<string, string> };

/** Name of the Secret in kube-system where a node's agent publishes its CA and token. */
export const agentSecretName = (nodeName: string): string => `flotilla-agent-${nodeName}`;

/** A node's InternalIP and agent port, or undefined when it has not reported both. */
export function nodeAgentAddress(node: KubeObject): { ip: string; port: number } | undefined {
  const status = (node as NodeLike).status;
  const ip = status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
  const port = status?.daemonEndpoints?.kubeletEndpoint?.Port;
  return ip && port ? { ip, port } : undefined;
}

/** The CA and bearer token in an agent's Secret, or undefined when it has not published both. */
export function publishedAgentCredentials(
  secret: KubeObject | undefined,
): { caPem: string; token: string } | undefined {
  const data = (secret as SecretLike | undefined)?.data;
  if (!data?.['ca.crt'] || !data.token) return undefined;
  return {
    caPem: Buffer.from(data['ca.crt'], 'base64').toString(),
    token: Buffer.from(data.token, 'base64').toString(),
  };
}

/** `host:port`, an IPv6 host in brackets. */
export const authorityOf = (host: string, port: number): string => `${host.includes(':') ? `[${host}]` : host}:${port}`;

/** Where a node's agent listens and how to authenticate to it. */
export interface AgentConnection {
  nodeName: string;
  /** The Node's InternalIP. */
  host: string;
  port: number;
  /** `host:port`, an IPv6 host in brackets: for the Host header and messages. */
  authority: string;
  caPem: string;
  token: string;
}

/** A core (v1) object from the store, or undefined when there is none. */
async function readCoreObject<T extends KubeObject>(
  ctx: RestContext,
  plural: string,
  namespace: string,
  name: string,
): Promise<T | undefined> {
  const rt = findResourceType('', 'v1', plural);
  if (!rt) return undefined;
  const stored = await ctx.store.get(storageKey(rt, namespace, name));
  return stored ? decodeObject<T>(stored.value) : undefined;
}

/** The pod `namespace/name`; throws NotFound. */
export async function readPod(ctx: RestContext, namespace: string, name: string): Promise<PodLike> {
  const pod = await readCoreObject<PodLike>(ctx, 'pods', namespace, name);
  if (!pod) throw errors.notFound('pods', name);
  return pod;
}

/**
 * The agent of the node pod `podName` is bound to. Throws BadRequest when the pod is not bound, its
 * Node is gone or has no address or agent port, ServiceUnavailable (503) when the agent has not
 * published its credentials yet. Reads only; no connection is made.
 */
export async function podAgentConnection(ctx: RestContext, pod: PodLike, podName: string): Promise<AgentConnection> {
  const nodeName = pod.spec?.nodeName;
  if (!nodeName) throw errors.badRequest(`pod ${podName} does not have a host assigned`);
  const node = await readCoreObject(ctx, 'nodes', '', nodeName);
  if (!node) throw errors.badRequest(`node ${nodeName} of pod ${podName} not found`);
  const address = nodeAgentAddress(node);
  if (!address) throw errors.badRequest(`node ${nodeName} has no InternalIP address or agent port`);
  const credentials = publishedAgentCredentials(
    await readCoreObject(ctx, 'secrets', 'kube-system', agentSecretName(nodeName)),
  );
  if (!credentials)
    throw new ApiError(503, 'ServiceUnavailable', `the agent of node ${nodeName} has not published its credentials`);
  const { ip: host, port } = address;
  return { nodeName, host, port, authority: authorityOf(host, port), ...credentials };
}
