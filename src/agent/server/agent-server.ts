/**
 * The agent's HTTPS server (the kubelet's port, default 10250): `GET /containerLogs/<ns>/<pod>/<container>`
 * with follow, tailLines, timestamps, sinceSeconds, limitBytes and previous, as the kubelet; and, when
 * given a StatsProvider, the kubelet's `GET /stats/summary` (JSON subset) and `/metrics/resource`
 * (Prometheus text), plus the agent's own `/metrics` (see src/agent/stats).
 *
 * Authentication (both ways), without a shared secret to configure:
 * - at start the agent makes a fresh CA and a serving certificate signed by it (SANs: node IP,
 *   node name, 127.0.0.1, localhost), and a random 256-bit bearer token;
 * - it publishes both in the Secret `kube-system/flotilla-agent-<node>` (keys `ca.crt`, `token`)
 *   through its API client (join token or the in-process socket);
 * - the API server reads that Secret from its store, verifies the agent's certificate against
 *   `ca.crt` and presents `Authorization: Bearer <token>`; the agent answers 401 to anything else.
 * Only clients of the API that may read Secrets in kube-system (cluster admins, agents) learn the
 * token. The token and CA change with each agent start.
 */
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { KubeClient } from '../../machinery/client/kube-client.js';
import { streamLog, type LogOptions } from './container-logs.js';
import type { Duplex } from 'node:stream';
import type { StreamingBackend } from './exec-backend.js';
import { serveStreamingUpgrade } from './exec-routes.js';
import { refuseUpgrade } from './streams/remote-command.js';
import type { StatsProvider } from '../../api/stats/summary-types.js';
import { resourceMetricsText } from '../stats/resource-metrics.js';
import { parsePodLogOptions, type PodLogOptions } from '../../machinery/params/pod-stream-options.js';
import { SECRETS } from '../../machinery/resources/well-known.js';
import type { Secret } from 'kubernetes-types/core/v1.js';
import type { ObjectOf } from '../../machinery/resources/resource.js';

export const AGENT_SECRET_NAMESPACE = 'kube-system';
export const agentSecretName = (node: string): string => `flotilla-agent-${node}`;

/** Where a pod's logs are on this node. */
export interface PodLogLocation {
  uid: string;
  /** The pod directory: `<container>/<attempt>.log` inside. */
  dir: string;
}

/** What the server answers with: the node's pods, streams, stats and metrics. */
export interface AgentServerHandlers {
  /** The pod's log directory, undefined when the pod is not on this node. */
  findPod(namespace: string, name: string): PodLogLocation | undefined;
  /** Whether the container attempt still runs (follow ends when it does not). */
  isRunning(uid: string, container: string, attempt: number): boolean;
  /** exec, attach and port-forward (upgrade requests); without it they answer 404. */
  streaming?: StreamingBackend;
  /** Resource usage for `/stats/summary` and `/metrics/resource` (404 without). */
  stats?: StatsProvider;
  /** The agent's own Prometheus metrics for `/metrics` (prom-client text; 404 without). */
  metrics?: () => Promise<string>;
}

export interface AgentServerOptions {
  nodeName: string;
  nodeIP: string;
  /** Default 10250; 0 = any free port. When the default is taken, a free port is used (the Node advertises it). */
  port?: number;
  host?: string;
  log: Logger;
  /** Given here, or later through serve() (until then requests are answered 503). */
  handlers?: AgentServerHandlers;
}

export interface RunningAgentServer {
  port: number;
  caPem: string;
  token: string;
  /** Writes the Secret the API server reads (ca.crt, token). */
  publish(client: KubeClient): Promise<void>;
  /**
   * Starts answering with these handlers. The server listens before the pods it serves exist: the
   * agent advertises its port in the Node, and only the Node's pod CIDR lets it make the pod runtime.
   */
  serve(handlers: AgentServerHandlers): void;
  close(): Promise<void>;
}

/** Listens on the agent port with a fresh CA, serving certificate and token (see above); close() stops it. */
export async function startAgentServer(o: AgentServerOptions): Promise<RunningAgentServer> {
  let handlers = o.handlers;
  const { issueCa, issueLeaf } = await import('../../machinery/pki/issue-certs.js');
  const ca = await issueCa(3650);
  const ips = [...new Set([o.nodeIP, '127.0.0.1'])];
  const leaf = await issueLeaf(ca, {
    subject: `CN=system:node:${o.nodeName}`,
    usage: 'server',
    names: { dns: [o.nodeName, 'localhost'], ips },
    validDays: 3650,
  });
  const token = randomBytes(32).toString('hex');
  const expected = Buffer.from(`Bearer ${token}`);
  const server = createServer({ cert: `${leaf.cert.trim()}\n${ca.cert.trim()}\n`, key: leaf.key }, (req, res) => {
    const auth = Buffer.from(req.headers.authorization ?? '');
    if (auth.length !== expected.length || !timingSafeEqual(auth, expected)) return text(res, 401, 'Unauthorized\n');
    if (!handlers) return text(res, 503, 'agent starting\n');
    serve(o.nodeName, handlers, req, res).catch((err: unknown) => {
      o.log.warn({ err: String(err), url: req.url }, 'agent server request failed');
      if (!res.headersSent) text(res, 500, `${String(err)}\n`);
      else res.destroy();
    });
  });
  const upgraded = new Set<Duplex>(); // exec/attach/port-forward sessions: the server no longer tracks them
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    upgraded.add(socket);
    socket.once('close', () => upgraded.delete(socket));
    const auth = Buffer.from(req.headers.authorization ?? '');
    if (auth.length !== expected.length || !timingSafeEqual(auth, expected))
      return refuseUpgrade(socket, 401, 'Unauthorized');
    if (!handlers) return refuseUpgrade(socket, 503, 'agent starting');
    if (!handlers.streaming) return refuseUpgrade(socket, 404, 'not found');
    serveStreamingUpgrade(handlers.streaming, o.log, req, socket, head);
  });
  const port = await listen(server, o.port ?? 10250, o.host ?? '0.0.0.0', o.port === undefined, o.log);
  return {
    port,
    caPem: ca.cert,
    token,
    async publish(client) {
      const secret = {
        apiVersion: 'v1',
        kind: 'Secret',
        type: 'Opaque',
        metadata: {
          name: agentSecretName(o.nodeName),
          namespace: AGENT_SECRET_NAMESPACE,
          labels: { 'flotilla.dev/agent': o.nodeName },
        },
        data: { 'ca.crt': Buffer.from(ca.cert).toString('base64'), token: Buffer.from(token).toString('base64') },
      } satisfies ObjectOf<Secret>;
      try {
        await client.create(SECRETS, AGENT_SECRET_NAMESPACE, secret);
      } catch (err) {
        if ((err as { code?: number }).code !== 409) throw err;
        const live = await client.get(SECRETS, AGENT_SECRET_NAMESPACE, secret.metadata.name);
        await client.update(SECRETS, AGENT_SECRET_NAMESPACE, {
          ...secret,
          metadata: { ...secret.metadata, resourceVersion: live.metadata.resourceVersion },
        });
      }
    },
    serve(h) {
      handlers = h;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        for (const s of upgraded) s.destroy();
      }),
  };
}

function listen(server: Server, port: number, host: string, fallback: boolean, log: Logger): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      if (fallback && err.code === 'EADDRINUSE') {
        log.warn({ port }, 'agent port taken: listening on a free port (advertised in the Node)');
        server.listen(0, host);
        return;
      }
      reject(err);
    };
    server.on('error', onError);
    server.once('listening', () => {
      server.off('error', onError);
      const a = server.address();
      resolve(typeof a === 'object' && a ? a.port : port);
    });
    server.listen(port, host);
  });
}

function text(res: ServerResponse, code: number, body: string): void {
  res.writeHead(code, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

/** The numbered log files (`<attempt>.log`) of a container, ascending. */
async function attempts(dir: string): Promise<number[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  return names
    .map((n) => /^(\d+)\.log$/.exec(n)?.[1])
    .filter((n): n is string => n !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
}

async function serve(
  nodeName: string,
  o: AgentServerHandlers,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'https://agent');
  if (req.method === 'GET' && (await serveStats(o, url.pathname, req.headers.host, res))) return;
  const m = /^\/containerLogs\/([^/]+)\/([^/]+)\/([^/]+)\/?$/.exec(url.pathname);
  if (req.method !== 'GET' || !m) return text(res, 404, 'not found\n');
  const [ns, pod, container] = [m[1], m[2], m[3]].map((s) => decodeURIComponent(s ?? ''));
  let parsed: PodLogOptions;
  try {
    parsed = parsePodLogOptions(url.searchParams, pod);
  } catch (err) {
    return text(res, 400, `${(err as Error).message}\n`);
  }
  const { previous, sinceSeconds } = parsed;
  const opts: LogOptions = {
    follow: parsed.follow,
    tailLines: parsed.tailLines,
    timestamps: parsed.timestamps,
    sinceMs: sinceSeconds !== undefined ? Date.now() - sinceSeconds * 1000 : parsed.sinceTimeMs,
    limitBytes: parsed.limitBytes,
  };
  const loc = o.findPod(ns ?? '', pod ?? '');
  if (!loc) return text(res, 404, `pod ${ns}/${pod} not found on node ${nodeName}\n`);
  const cdir = join(loc.dir, container ?? '');
  const all = await attempts(cdir);
  const attempt = previous ? all.at(-2) : all.at(-1);
  if (attempt === undefined) {
    return text(
      res,
      400,
      previous
        ? `previous terminated container "${container}" in pod "${pod}" not found\n`
        : `container "${container}" in pod "${pod}" is waiting to start: no logs yet\n`,
    );
  }
  res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-cache' });
  let gone = false;
  res.on('close', () => {
    gone = true;
  });
  const write = (s: string): Promise<boolean> =>
    new Promise((resolve) => {
      if (gone) return resolve(false);
      if (res.write(s)) return resolve(true);
      const done = () => {
        res.off('drain', done);
        res.off('close', done);
        resolve(!gone);
      };
      res.on('drain', done);
      res.on('close', done);
    });
  const active = () => !previous && o.isRunning(loc.uid, container ?? '', attempt);
  await streamLog(
    join(cdir, `${attempt}.log`),
    { ...opts, follow: opts.follow && !previous },
    write,
    active,
    () => gone,
  );
  if (!gone) res.end();
}

/** `/stats/summary` (JSON), `/metrics/resource` and `/metrics` (Prometheus text); false for other paths. */
async function serveStats(
  o: AgentServerHandlers,
  path: string,
  host: string | undefined,
  res: ServerResponse,
): Promise<boolean> {
  const p = path.replace(/\/+$/, '');
  if (p === '/stats/summary' && o.stats) {
    const body = JSON.stringify(await o.stats.summary(host));
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
    return true;
  }
  if (p === '/metrics/resource' && o.stats) {
    const body = resourceMetricsText(await o.stats.summary(host));
    res.writeHead(200, {
      'Content-Type': 'text/plain; version=0.0.4; charset=utf-8',
      'Content-Length': Buffer.byteLength(body),
    });
    res.end(body);
    return true;
  }
  if (p === '/metrics' && o.metrics) {
    const body = await o.metrics();
    res.writeHead(200, {
      'Content-Type': 'text/plain; version=0.0.4; charset=utf-8',
      'Content-Length': Buffer.byteLength(body),
    });
    res.end(body);
    return true;
  }
  return false;
}
