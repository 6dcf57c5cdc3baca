/**
 * How the API server reaches the agent of the node a pod is bound to (pods/log, pods/exec, attach
 * and portforward; the metrics API too): the Node's InternalIP and agent port
 * (status.daemonEndpoints.kubeletEndpoint.Port). The agent's serving certificate must chain to the
 * cluster CA (agents get it through a kubelet-serving CertificateSigningRequest) and be valid for
 * the Node's InternalIP, as kube-apiserver's --kubelet-certificate-authority checks; beyond that
 * its CN must be `system:node:<name>`, so a certificate issued to one node never serves for
 * another, whatever addresses a node writes into its own Node. The API server authenticates with
 * its own client certificate (CN kube-apiserver-kubelet-client, from the cluster CA); the agent
 * checks it and asks SubjectAccessReview. The errors are kube-apiserver's messages.
 */
import { checkServerIdentity, type PeerCertificate } from 'node:tls';
import type { KubeObject } from '../../api/object.js';
import { ApiError, errors } from '../../api/errors.js';
import { NODE_USER_PREFIX } from '../../api/rbac/node-identity.js';
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

/** A node's InternalIP and agent port, or undefined when it has not reported both. */
export function nodeAgentAddress(node: KubeObject): { ip: string; port: number } | undefined {
  const status = (node as NodeLike).status;
  const ip = status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
  const port = status?.daemonEndpoints?.kubeletEndpoint?.Port;
  return ip && port ? { ip, port } : undefined;
}

/** `host:port`, an IPv6 host in brackets. */
export const authorityOf = (host: string, port: number): string => `${host.includes(':') ? `[${host}]` : host}:${port}`;

/** Where a node's agent listens and how to trust it. */
export interface AgentConnection {
  nodeName: string;
  /** The Node's InternalIP. */
  host: string;
  port: number;
  /** `host:port`, an IPv6 host in brackets: for the Host header and messages. */
  authority: string;
  /** The CA the agent's serving certificate must chain to (the cluster CA). */
  caPem: string;
  /** The API server's client certificate towards agents; undefined when it has none. */
  clientTls?: { cert: string; key: string };
}

/**
 * TLS options of a connection to node `nodeName`'s agent: the cluster CA only, SNI with the node
 * name (a shared hollow-node server picks the node's certificate by it), the certificate must be
 * valid for `address` (the Node's InternalIP) with CN `system:node:<name>`, and the API server's
 * client certificate. For https.request options.
 */
export function agentTlsOptions(
  c: { nodeName: string; caPem: string; clientTls?: { cert: string; key: string } },
  address: string,
) {
  return {
    ca: c.caPem,
    servername: c.nodeName,
    checkServerIdentity: (_servername: string, cert: PeerCertificate) => agentIdentityError(c.nodeName, address, cert),
    ...(c.clientTls ? { cert: c.clientTls.cert, key: c.clientTls.key } : {}),
  };
}

/**
 * Why `cert` is not node `nodeName`'s agent certificate for the Node's `address`, or undefined
 * when it is (CN `system:node:<name>`, and the address among its IP or DNS names). Exported for tests.
 */
export function agentIdentityError(nodeName: string, address: string, cert: PeerCertificate): Error | undefined {
  const cn = cert.subject?.CN;
  const name = Array.isArray(cn) ? cn[0] : cn;
  if (name !== `${NODE_USER_PREFIX}${nodeName}`)
    return new Error(`the agent's certificate is for "${name ?? ''}", not for node "${nodeName}"`);
  return checkServerIdentity(address, cert);
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
 * Node is gone or has no address or agent port, ServiceUnavailable (503) when the API server has no
 * CA to verify agents with. Reads only; no connection is made.
 */
export async function podAgentConnection(ctx: RestContext, pod: PodLike, podName: string): Promise<AgentConnection> {
  const nodeName = pod.spec?.nodeName;
  if (!nodeName) throw errors.badRequest(`pod ${podName} does not have a host assigned`);
  const node = await readCoreObject(ctx, 'nodes', '', nodeName);
  if (!node) throw errors.badRequest(`node ${nodeName} of pod ${podName} not found`);
  const address = nodeAgentAddress(node);
  if (!address) throw errors.badRequest(`node ${nodeName} has no InternalIP address or agent port`);
  const caPem = ctx.agentCaPem;
  if (!caPem) throw new ApiError(503, 'ServiceUnavailable', `no CA to verify the agent of node ${nodeName} with`);
  const { ip: host, port } = address;
  return { nodeName, host, port, authority: authorityOf(host, port), caPem, clientTls: ctx.agentClientTls };
}
