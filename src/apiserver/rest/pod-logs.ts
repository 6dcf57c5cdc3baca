/**
 * GET pods/<name>/log (verb connect, subresource log): finds the pod, its node, the node's InternalIP
 * and agent port (status.daemonEndpoints.kubeletEndpoint.Port), and proxies the request to the
 * agent's `/containerLogs/<ns>/<pod>/<container>` over HTTPS, streaming the body as text/plain.
 * The agent's certificate is verified against the CA in Secret `kube-system/flotilla-agent-<node>`
 * and the token there is presented as bearer token (see src/agent/server/agent-server.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { request } from 'node:https';
import type { KubeObject } from '../../api/object.js';
import { ApiError, errors } from '../../api/errors.js';
import { findResourceType } from '../../api/resource-types.js';
import { decodeObject, storageKey } from './storage-key.js';
import type { ResourceCall, RestContext } from './rest-context.js';

const PASSED = ['follow', 'tailLines', 'timestamps', 'sinceSeconds', 'sinceTime', 'limitBytes', 'previous'];

interface PodLike extends KubeObject {
  spec?: { nodeName?: string; containers?: { name: string }[]; initContainers?: { name: string }[]; ephemeralContainers?: { name: string }[] };
}
interface NodeLike extends KubeObject {
  status?: { addresses?: { type: string; address: string }[]; daemonEndpoints?: { kubeletEndpoint?: { Port?: number } } };
}

async function read<T extends KubeObject>(ctx: RestContext, plural: string, namespace: string, name: string): Promise<T | undefined> {
  const rt = findResourceType('', 'v1', plural);
  if (!rt) return undefined;
  const stored = await ctx.store.get(storageKey(rt, namespace, name));
  return stored ? decodeObject<T>(stored.value) : undefined;
}

/** The container a log request is for: `container`, else the default-container annotation, else the only/first. Pure. */
export function logContainer(pod: PodLike, wanted: string | null): string {
  const names = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? []), ...(pod.spec?.ephemeralContainers ?? [])].map((c) => c.name);
  const podName = pod.metadata.name ?? '';
  if (wanted) {
    if (!names.includes(wanted)) throw errors.badRequest(`container ${wanted} is not valid for pod ${podName}`);
    return wanted;
  }
  const annotated = pod.metadata.annotations?.['kubectl.kubernetes.io/default-container'];
  if (annotated && names.includes(annotated)) return annotated;
  const first = pod.spec?.containers?.[0]?.name;
  if (!first) throw errors.badRequest(`a container name must be specified for pod ${podName}`);
  return first;
}

export async function servePodLogs(ctx: RestContext, call: ResourceCall, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== 'GET') throw errors.methodNotAllowed(`${req.method} is not supported on pods/log`);
  const pod = await read<PodLike>(ctx, 'pods', call.namespace, call.name);
  if (!pod) throw errors.notFound('pods', call.name);
  const container = logContainer(pod, call.query.get('container'));
  const nodeName = pod.spec?.nodeName;
  if (!nodeName) throw errors.badRequest(`pod ${call.name} does not have a host assigned`);
  const node = await read<NodeLike>(ctx, 'nodes', '', nodeName);
  if (!node) throw errors.badRequest(`node ${nodeName} of pod ${call.name} not found`);
  const ip = node.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
  const port = node.status?.daemonEndpoints?.kubeletEndpoint?.Port;
  if (!ip || !port) throw errors.badRequest(`node ${nodeName} has no InternalIP address or agent port`);
  const secret = await read<KubeObject & { data?: Record<string, string> }>(ctx, 'secrets', 'kube-system', `flotilla-agent-${nodeName}`);
  const caPem = secret?.data?.['ca.crt'] ? Buffer.from(secret.data['ca.crt'], 'base64').toString() : undefined;
  const token = secret?.data?.token ? Buffer.from(secret.data.token, 'base64').toString() : undefined;
  if (!caPem || !token) throw new ApiError(503, 'ServiceUnavailable', `the agent of node ${nodeName} has not published its credentials`);

  const q = new URLSearchParams();
  for (const k of PASSED) {
    const v = call.query.get(k);
    if (v !== null) q.set(k, v);
  }
  const path = `/containerLogs/${encodeURIComponent(call.namespace)}/${encodeURIComponent(call.name)}/${encodeURIComponent(container)}?${q.toString()}`;
  const host = ip.includes(':') ? `[${ip}]` : ip;
  await new Promise<void>((resolve, reject) => {
    const upstream = request({ host: ip, port, path, method: 'GET', ca: caPem, headers: { Authorization: `Bearer ${token}`, Host: `${host}:${port}` }, timeout: 30_000 }, (up) => {
      upstream.setTimeout(0);
      const code = up.statusCode ?? 502;
      if (code !== 200) {
        let body = '';
        up.setEncoding('utf8').on('data', (c: string) => { if (body.length < 4096) body += c; });
        up.on('end', () => reject(new ApiError(code === 401 ? 502 : code === 404 ? 404 : code >= 500 ? 500 : 400, code === 404 ? 'NotFound' : code >= 500 || code === 401 ? 'InternalError' : 'BadRequest', body.trim() || `agent answered ${code}`)));
        up.on('error', reject);
        return;
      }
      res.writeHead(200, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-cache, private' });
      up.pipe(res);
      up.on('end', () => resolve());
      up.on('error', () => { res.destroy(); resolve(); });
      res.on('close', () => { if (!up.complete) upstream.destroy(); resolve(); });
    });
    upstream.on('timeout', () => upstream.destroy(new Error('agent did not answer in time')));
    upstream.on('error', (err) => {
      if (res.headersSent) { res.destroy(); resolve(); return; }
      reject(new ApiError(500, 'InternalError', `failed to reach the agent of node ${nodeName} at ${host}:${port}: ${err.message}`));
    });
    upstream.end();
  });
}
