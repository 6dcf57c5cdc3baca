/**
 * The agent's HTTPS server (the kubelet's port, default 10250): `GET /containerLogs/<ns>/<pod>/<container>`
 * with follow, tailLines, timestamps, sinceSeconds, limitBytes and previous, as the kubelet; and, when
 * given a StatsProvider, the kubelet's `GET /stats/summary` (JSON subset) and `/metrics/resource`
 * (Prometheus text), plus the agent's own `/metrics` (see src/agent/stats).
 *
 * Trust, both ways, without a shared secret:
 * - the server serves the node's kubelet-serving certificate from the cluster CA (CN
 *   `system:node:<node>`, the Node's addresses; agent/certificates NodeServingCertificate), given
 *   at start or later through setCertificate(), which swaps the TLS context without a restart
 *   (until there is one, handshakes fail); the API server verifies it against the cluster CA, the
 *   node's name and its InternalIP;
 * - callers present a client certificate of the cluster CA (the API server's CN
 *   kube-apiserver-kubelet-client) or a bearer token; the agent authorizes each by
 *   SubjectAccessReview through the API, as the kubelet's webhook mode (caller-auth.ts): 401
 *   without credentials, 403 when the review says no.
 */
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { streamLog, type LogOptions } from './container-logs.js';
import type { Duplex } from 'node:stream';
import type { StreamingBackend } from './exec-backend.js';
import { serveStreamingUpgrade } from './exec-routes.js';
import { refuseUpgrade } from './streams/remote-command.js';
import type { StatsProvider } from '../../api/stats/summary-types.js';
import { resourceMetricsText } from '../stats/resource-metrics.js';
import { parsePodLogOptions, type PodLogOptions } from '../../machinery/params/pod-stream-options.js';
import { createSecureContext, type SecureContext, type TLSSocket } from 'node:tls';
import type { AgentCallerAuth } from './caller-auth.js';
import type { ClientCertPair } from '../../machinery/client/http-transport.js';

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
  /** The cluster CA: client certificates signed by it authenticate (CN → user, O → groups). */
  clusterCaPem?: string;
  /** Authentication and authorization of callers; given here or later through authorizeWith() (until then 401). */
  auth?: AgentCallerAuth;
  /** The serving certificate at start; later ones through setCertificate(). */
  certificate?: ClientCertPair;
  /**
   * One server for many nodes (hollow nodes): the serving certificate of the node the SNI names,
   * from this function (asked once per name, again after a failure), and requests authorized for
   * that node.
   */
  perNodeCertificate?: (nodeName: string) => Promise<ClientCertPair>;
}

export interface RunningAgentServer {
  port: number;
  /** Serves `pair` on new connections from now on (open ones keep theirs). */
  setCertificate(pair: ClientCertPair): void;
  /** Sets how callers are checked (when not given at start). */
  authorizeWith(auth: AgentCallerAuth): void;
  /**
   * Starts answering with these handlers. The server listens before the pods it serves exist: the
   * agent advertises its port in the Node, and only the Node's pod CIDR lets it make the pod runtime.
   */
  serve(handlers: AgentServerHandlers): void;
  close(): Promise<void>;
}

/** Listens on the agent port (see above); close() stops it. */
export async function startAgentServer(o: AgentServerOptions): Promise<RunningAgentServer> {
  let handlers = o.handlers;
  let auth = o.auth;
  // Client certificates are asked for and checked against the cluster CA; a request without one
  // may still authenticate with a bearer token, so the handshake does not insist.
  const clientCa = o.clusterCaPem ? { ca: o.clusterCaPem } : {};
  const contextOptions = (pair: ClientCertPair) => ({ cert: pair.certPem, key: pair.keyPem, ...clientCa });
  const perNode = new Map<string, Promise<SecureContext>>();
  const sniCallback = (servername: string, cb: (err: Error | null, ctx?: SecureContext) => void) => {
    const issue = o.perNodeCertificate;
    if (!issue || !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(servername)) return cb(null, undefined);
    let pending = perNode.get(servername);
    if (!pending) {
      pending = issue(servername).then((pair) => createSecureContext(contextOptions(pair)));
      pending.catch(() => perNode.delete(servername));
      perNode.set(servername, pending);
    }
    pending.then(
      (c) => cb(null, c),
      (err: unknown) => {
        o.log.warn({ err: String(err), node: servername }, 'no serving certificate for the node');
        cb(err instanceof Error ? err : new Error(String(err)));
      },
    );
  };
  const server = createServer(
    {
      ...(o.certificate ? contextOptions(o.certificate) : clientCa),
      ...(o.clusterCaPem ? { requestCert: true, rejectUnauthorized: false } : {}),
      SNICallback: sniCallback,
    },
    (req, res) => {
      checkCaller(req).then(
        (verdict) => {
          if (verdict) return text(res, verdict.code, `${verdict.message}\n`);
          if (!handlers) return text(res, 503, 'agent starting\n');
          serve(o.nodeName, handlers, req, res).catch((err: unknown) => {
            o.log.warn({ err: String(err), url: req.url }, 'agent server request failed');
            if (!res.headersSent) text(res, 500, `${String(err)}\n`);
            else res.destroy();
          });
        },
        (err: unknown) => text(res, 500, `${String(err)}\n`),
      );
    },
  );
  /** undefined when the caller may go on, else the refusal. */
  const checkCaller = async (req: IncomingMessage): Promise<{ code: number; message: string } | undefined> => {
    if (!auth) return { code: 401, message: 'Unauthorized' };
    const servername = (req.socket as TLSSocket).servername;
    const node = o.perNodeCertificate && typeof servername === 'string' && servername ? servername : o.nodeName;
    const verdict = await auth.check(req, node);
    return verdict.ok ? undefined : verdict;
  };
  const upgraded = new Set<Duplex>(); // exec/attach/port-forward sessions: the server no longer tracks them
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    upgraded.add(socket);
    socket.once('close', () => upgraded.delete(socket));
    checkCaller(req).then(
      (verdict) => {
        if (verdict) return refuseUpgrade(socket, verdict.code, verdict.message);
        if (!handlers) return refuseUpgrade(socket, 503, 'agent starting');
        if (!handlers.streaming) return refuseUpgrade(socket, 404, 'not found');
        serveStreamingUpgrade(handlers.streaming, o.log, req, socket, head);
      },
      () => refuseUpgrade(socket, 500, 'authorization failed'),
    );
  });
  const port = await listen(server, o.port ?? 10250, o.host ?? '0.0.0.0', o.port === undefined, o.log);
  return {
    port,
    setCertificate(pair) {
      server.setSecureContext(contextOptions(pair));
    },
    authorizeWith(a) {
      auth = a;
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
