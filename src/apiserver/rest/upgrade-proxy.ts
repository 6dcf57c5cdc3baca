/**
 * pods/<name>/exec, pods/<name>/attach and pods/<name>/portforward (GET or POST with `Upgrade:
 * websocket` or `Upgrade: SPDY/3.1`): checks the pod and container as kube-apiserver does, then opens
 * an HTTPS connection to the pod's node agent (found as for pods/log: agent-connection.ts), forwards the upgrade request with its Upgrade,
 * Sec-WebSocket-* and X-Stream-Protocol-Version headers to the kubelet-style path (`/exec/ns/pod/c`,
 * `/attach/ns/pod/c`, `/portForward/ns/pod`) with the options parsed here and written as the kubelet
 * query (`command=..&output=1&..`, pod-stream-options.ts), relays the agent's 101 and then splices the two
 * connections byte for byte both ways: the API server does not look into WebSocket or SPDY
 * (like kube-apiserver's UpgradeAwareHandler). Failures before the upgrade are answered with a Status.
 */
import type { IncomingMessage } from 'node:http';
import { request } from 'node:https';
import type { Duplex } from 'node:stream';
import { ApiError, errors, toStatus } from '../../api/errors.js';
import type { NonResourceRequest, ResourceRequest } from '../request-info.js';
import { agentTlsOptions, podAgentConnection, readPod, type AgentConnection } from './agent-connection.js';
import { logContainer } from './pod-logs.js';
import type { RestContext } from './rest-context.js';
import { kubeletStreamQuery, parsePodStreamOptions } from '../../machinery/params/pod-stream-options.js';
import { findSubresource } from './subresources.js';

const FORWARDED_HEADERS = [
  'upgrade',
  'sec-websocket-key',
  'sec-websocket-version',
  'sec-websocket-protocol',
  'sec-websocket-extensions',
  'x-stream-protocol-version',
];

/** The agent request for a pods/<sub> upgrade: path with query, and where the agent is. */
export interface AgentTarget extends AgentConnection {
  path: string;
}

/** Validates the request against the stored pod and finds its node's agent (kube-apiserver's checks and messages). */
export async function upgradeTarget(ctx: RestContext, info: ResourceRequest): Promise<AgentTarget> {
  const sub = info.subresource;
  const pod = await readPod(ctx, info.namespace, info.name);
  let path: string;
  let passed: URLSearchParams;
  const enc = encodeURIComponent;
  if (sub === 'exec' || sub === 'attach') {
    const opts = parsePodStreamOptions(info.query);
    if (sub === 'attach') opts.command = [];
    const container = logContainer(pod, opts.container);
    const phase = pod.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') {
      throw errors.badRequest(
        `cannot ${sub === 'exec' ? 'exec into' : 'attach to'} a container in a completed pod; current phase is ${phase}`,
      );
    }
    if (sub === 'exec' && opts.command.length === 0)
      throw errors.badRequest('you must specify at least one command for the container');
    path = `/${sub}/${enc(info.namespace)}/${enc(info.name)}/${enc(container)}`;
    passed = kubeletStreamQuery(opts);
  } else {
    path = `/portForward/${enc(info.namespace)}/${enc(info.name)}`;
    passed = new URLSearchParams();
    for (const v of info.query.getAll('ports')) passed.append('ports', v);
  }
  const qs = passed.toString();
  const agent = await podAgentConnection(ctx, pod, info.name);
  return { ...agent, path: qs ? `${path}?${qs}` : path };
}

/** Writes an error as an HTTP response on a not-yet-upgraded socket and closes it. */
export function rejectUpgradeWithStatus(socket: Duplex, err: unknown): void {
  const { code, body } = toStatus(err);
  const text = JSON.stringify(body);
  if (!socket.writable) return void socket.destroy();
  socket.end(
    `HTTP/1.1 ${code} ${statusText(code)}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\nCache-Control: no-cache, private\r\nConnection: close\r\n\r\n${text}`,
  );
}

function statusText(code: number): string {
  return (
    (
      {
        400: 'Bad Request',
        401: 'Unauthorized',
        403: 'Forbidden',
        404: 'Not Found',
        405: 'Method Not Allowed',
        500: 'Internal Server Error',
        503: 'Service Unavailable',
      } as Record<number, string>
    )[code] ?? 'Error'
  );
}

/** Serves one pods/{exec,attach,portforward} upgrade. Never throws: errors become a Status response. */
export async function serveUpgrade(
  ctx: RestContext,
  info: ResourceRequest | NonResourceRequest,
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
): Promise<void> {
  socket.on('error', () => socket.destroy());
  try {
    if (
      !info.isResource ||
      !findSubresource({ group: info.group, plural: info.resource }, info.subresource)?.upgrade ||
      !info.name
    ) {
      throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
    }
    if (req.method !== 'GET' && req.method !== 'POST')
      throw errors.methodNotAllowed(`${req.method} is not supported on pods/${info.subresource}`);
    const target = await upgradeTarget(ctx, info);
    await proxy(target, req, socket, head);
  } catch (err) {
    rejectUpgradeWithStatus(socket, err);
  }
}

function proxy(t: AgentTarget, req: IncomingMessage, client: Duplex, head: Buffer): Promise<void> {
  const headers: Record<string, string> = {
    Connection: 'Upgrade',
    Host: t.authority,
  };
  for (const h of FORWARDED_HEADERS) {
    const v = req.headers[h];
    if (v !== undefined) headers[h] = Array.isArray(v) ? v.join(', ') : v;
  }
  return new Promise((resolve, reject) => {
    const upstream = request({
      host: t.host,
      port: t.port,
      path: t.path,
      method: req.method,
      ...agentTlsOptions(t, t.host),
      headers,
      agent: false,
      timeout: 30_000,
    });
    const onClientClose = () => upstream.destroy();
    client.once('close', onClientClose);
    upstream.on('upgrade', (res, agent: Duplex, agentHead: Buffer) => {
      upstream.setTimeout(0);
      client.off('close', onClientClose);
      const lines = [`HTTP/1.1 101 Switching Protocols`];
      for (let i = 0; i + 1 < res.rawHeaders.length; i += 2)
        lines.push(`${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}`);
      client.write(`${lines.join('\r\n')}\r\n\r\n`);
      if (agentHead.length) client.write(agentHead);
      if (head.length) agent.write(head);
      splice(client, agent);
      resolve();
    });
    upstream.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => {
        if (body.length < 8192) body += c;
      });
      res.on('end', () => reject(agentError(res.statusCode ?? 502, body)));
      res.on('error', reject);
    });
    upstream.on('timeout', () => upstream.destroy(new Error('agent did not answer in time')));
    upstream.on('error', (err) =>
      reject(new ApiError(500, 'InternalError', `failed to reach the agent at ${t.host}:${t.port}: ${err.message}`)),
    );
    upstream.end();
  });
}

/** The Status for an agent's non-101 answer (its body is a plain-text message). Pure. */
export function agentError(code: number, body: string): ApiError {
  const message = body.trim() || `agent answered ${code}`;
  if (code === 404) return new ApiError(404, 'NotFound', message);
  if (code === 400) return errors.badRequest(message);
  return new ApiError(500, 'InternalError', message);
}

/** Both ways, until either side ends; then both are closed. */
function splice(a: Duplex, b: Duplex): void {
  // small frames (SPDY replies, channel messages) must not wait for Nagle + delayed ACKs (40 ms each)
  for (const s of [a, b]) (s as Duplex & { setNoDelay?: (v: boolean) => void }).setNoDelay?.(true);
  const done = () => {
    a.destroy();
    b.destroy();
  };
  a.pipe(b);
  b.pipe(a);
  for (const s of [a, b]) {
    s.on('error', done);
    s.on('close', done);
  }
}
