/**
 * GET pods/<name>/log (verb connect, subresource log): finds the pod and its node's agent
 * (agent-connection.ts) and proxies the request to the agent's `/containerLogs/<ns>/<pod>/<container>`
 * over HTTPS, streaming the body as text/plain. The agent's certificate is verified against its
 * node's CA and name; the API server presents its client certificate (agent-connection.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { request } from 'node:https';
import { ApiError, errors } from '../../api/errors.js';
import { agentTlsOptions, podAgentConnection, readPod, type PodLike } from './agent-connection.js';
import type { ResourceCall, RestContext } from './rest-context.js';
import { parsePodLogOptions, podLogQuery } from '../../machinery/params/pod-stream-options.js';

/** The container a log request is for: `container`, else the default-container annotation, else the only/first. Pure. */
export function logContainer(pod: PodLike, wanted: string | null | undefined): string {
  const names = [
    ...(pod.spec?.containers ?? []),
    ...(pod.spec?.initContainers ?? []),
    ...(pod.spec?.ephemeralContainers ?? []),
  ].map((c) => c.name);
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

export async function servePodLogs(
  ctx: RestContext,
  call: ResourceCall,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  if (req.method !== 'GET') throw errors.methodNotAllowed(`${req.method} is not supported on pods/log`);
  const opts = parsePodLogOptions(call.query, call.name);
  const pod = await readPod(ctx, call.namespace, call.name);
  const container = logContainer(pod, opts.container);
  const agent = await podAgentConnection(ctx, pod, call.name);
  const path = `/containerLogs/${encodeURIComponent(call.namespace)}/${encodeURIComponent(call.name)}/${encodeURIComponent(container)}?${podLogQuery(opts).toString()}`;
  await new Promise<void>((resolve, reject) => {
    const upstream = request(
      {
        host: agent.host,
        port: agent.port,
        path,
        method: 'GET',
        ...agentTlsOptions(agent, agent.host),
        headers: { Host: agent.authority },
        timeout: 30_000,
      },
      (up) => {
        upstream.setTimeout(0);
        const code = up.statusCode ?? 502;
        if (code !== 200) {
          let body = '';
          up.setEncoding('utf8').on('data', (c: string) => {
            if (body.length < 4096) body += c;
          });
          up.on('end', () =>
            reject(
              new ApiError(
                code === 401 ? 502 : code === 404 ? 404 : code >= 500 ? 500 : 400,
                code === 404 ? 'NotFound' : code >= 500 || code === 401 ? 'InternalError' : 'BadRequest',
                body.trim() || `agent answered ${code}`,
              ),
            ),
          );
          up.on('error', reject);
          return;
        }
        res.writeHead(200, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-cache, private' });
        up.pipe(res);
        up.on('end', () => resolve());
        up.on('error', () => {
          res.destroy();
          resolve();
        });
        res.on('close', () => {
          if (!up.complete) upstream.destroy();
          resolve();
        });
      },
    );
    upstream.on('timeout', () => upstream.destroy(new Error('agent did not answer in time')));
    upstream.on('error', (err) => {
      if (res.headersSent) {
        res.destroy();
        resolve();
        return;
      }
      reject(
        new ApiError(
          500,
          'InternalError',
          `failed to reach the agent of node ${agent.nodeName} at ${agent.authority}: ${err.message}`,
        ),
      );
    });
    upstream.end();
  });
}
