import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Authenticator } from '../apiserver/auth/authenticator.js';
import { writeUnauthorized } from '../apiserver/auth/unauthorized.js';
import { sendError } from '../apiserver/send.js';
import type { ApiHandler } from './api-handler-contract.js';
import { healthResponse, type HealthCheck } from './health-checks.js';
import type { RequestMetrics } from './request-metrics.js';
import { type Dashboard, isDashboardPath } from '../dashboard/index.js';
import { versionInfo } from './version-info.js';

export interface HttpsServerOptions {
  tls: { cert: string; key: string; ca: string };
  authenticator: Authenticator;
  handler: ApiHandler;
  /** Checks per health endpoint; an endpoint without checks answers `ok`. */
  health: { healthz: HealthCheck[]; livez: HealthCheck[]; readyz: HealthCheck[] };
  /** Served at /metrics (authenticated); requests are tracked into it. */
  metrics?: { registry: Registry; requests: RequestMetrics };
  log: Logger;
  /**
   * How long a client has to send a whole request, headers and body (Node's requestTimeout; 0 = no
   * limit). Default 60 s, kube-apiserver's request timeout. A watch, log or exec stream is not cut:
   * its request is complete before the response starts streaming.
   */
  requestTimeoutMs?: number;
  /** How long a client has to send the headers (default 32 s, kube-apiserver's ReadHeaderTimeout). */
  headersTimeoutMs?: number;
  /** The web dashboard at /dashboard/ (it authenticates its own requests by session cookie). */
  dashboard?: Dashboard;
  /**
   * What a joining server needs (the shared CA, keys, tokens and the etcd members), served at
   * /v1-flotilla/server-bootstrap to admins (group system:masters) only. Undefined: not served.
   */
  serverBootstrap?: () => Promise<unknown>;
}

const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;
const DEFAULT_HEADERS_TIMEOUT_MS = 32_000;

const HEALTH = /^\/(healthz|livez|readyz)(?:\/([^/]+))?\/?$/;

/**
 * The HTTPS server of the API: /healthz, /livez, /readyz, /version and /cacerts unauthenticated; /dashboard/
 * to the dashboard (session cookie); everything else authenticated (client certificate of the cluster CA or bearer token, else 401 Status), then
 * /metrics here and the rest to `handler`. Tuned for many long-lived clients: requests must arrive
 * within the request timeout, responses may stream for as long as the client wants (watches),
 * keep-alive of idle connections for 90 s. A response sent before its request body has arrived
 * (a 401, a 413) closes the connection, so a slow body cannot keep it open. Returns the server
 * unlistened.
 */
export function createHttpsServer(options: HttpsServerOptions): Server {
  const { handler, authenticator, log, metrics } = options;
  const version = JSON.stringify(versionInfo(), null, 2);

  const server = createServer({
    cert: options.tls.cert,
    key: options.tls.key,
    ca: options.tls.ca,
    // Ask for a client certificate; the authenticator accepts it only when it verified against the CA.
    requestCert: true,
    rejectUnauthorized: false,
    keepAlive: true,
    keepAliveInitialDelay: 30_000,
    noDelay: true,
    ...readTimeouts(options.requestTimeoutMs, options.headersTimeoutMs),
  });
  // Kubernetes' server closes idle keep-alive connections after 90 s; so do we.
  server.keepAliveTimeout = 90_000;
  server.timeout = 0;
  server.maxRequestsPerSocket = 0;

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    metrics?.requests.track(req, res);
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const query = new URLSearchParams(q < 0 ? '' : url.slice(q + 1));

    const health = HEALTH.exec(path);
    if (health && (req.method === 'GET' || req.method === 'HEAD')) {
      const endpoint = health[1] as 'healthz' | 'livez' | 'readyz';
      const r = healthResponse(endpoint, health[2] ?? '', query, options.health[endpoint]);
      return sendText(res, r.code, r.body);
    }
    // `/version/` too: kube-apiserver's route matches both (the Python client asks with the slash)
    if ((path === '/version' || path === '/version/') && req.method === 'GET')
      return sendText(res, 200, version, 'application/json');
    // The cluster CA, for agents joining with a token (k3s' /cacerts): public, and the agent checks
    // it against the CA hash inside the token (K10<sha256 of this PEM>::...) before trusting it.
    if (path === '/cacerts' && req.method === 'GET') return sendText(res, 200, options.tls.ca, 'text/plain');
    if (options.dashboard && isDashboardPath(path)) return options.dashboard.handle(req, res);

    const user = authenticator.authenticate(req);
    if (!user) {
      closeIfBodyPending(req, res);
      return writeUnauthorized(res);
    }
    if (path === '/v1-flotilla/server-bootstrap' && options.serverBootstrap && req.method === 'GET') {
      if (!user.groups.includes('system:masters'))
        return sendText(res, 403, 'the server bootstrap is for cluster admins (system:masters)\n');
      options.serverBootstrap().then(
        (b) => sendText(res, 200, JSON.stringify(b), 'application/json'),
        (err: unknown) => {
          log.error({ err }, 'reading the server bootstrap failed');
          sendText(res, 500, 'reading the server bootstrap failed\n');
        },
      );
      return;
    }
    if (path === '/metrics' && metrics && req.method === 'GET') {
      try {
        handler.authorize?.(req, user);
      } catch (err) {
        return sendError(res, err);
      }
      metrics.registry.metrics().then(
        (text) => sendText(res, 200, text, metrics.registry.contentType),
        (err: unknown) => {
          log.error({ err }, 'metrics collection failed');
          sendText(res, 500, 'metrics collection failed\n');
        },
      );
      return;
    }
    handler.handle(req, res, user);
  });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // The dashboard's terminal: authenticated by its session, not by the API's credentials.
    if (options.dashboard && isDashboardPath((req.url ?? '/').split('?')[0] ?? '/'))
      return options.dashboard.handleUpgrade(req, socket, head);
    const user = authenticator.authenticate(req);
    if (!user)
      return rejectUpgrade(
        socket,
        401,
        JSON.stringify({
          kind: 'Status',
          apiVersion: 'v1',
          metadata: {},
          status: 'Failure',
          message: 'Unauthorized',
          reason: 'Unauthorized',
          code: 401,
        }),
      );
    if (!handler.handleUpgrade)
      return rejectUpgrade(
        socket,
        404,
        JSON.stringify({
          kind: 'Status',
          apiVersion: 'v1',
          metadata: {},
          status: 'Failure',
          message: 'upgrade not supported',
          reason: 'NotFound',
          code: 404,
        }),
      );
    handler.handleUpgrade(req, socket, head, user);
  });

  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    if (err.code !== 'ECONNRESET') log.debug({ err }, 'client error');
    // Node reports a request not received within the request or headers timeout as this code.
    const status = err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : '400 Bad Request';
    if (socket.writable) socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\n\r\n`);
    else socket.destroy();
  });
  server.on('tlsClientError', (err: Error) => log.debug({ err: err.message }, 'TLS handshake failed'));
  return server;
}

/** Node's timeouts from ours: headers at most as long as the whole request (Node insists). */
function readTimeouts(
  requestMs = DEFAULT_REQUEST_TIMEOUT_MS,
  headersMs = DEFAULT_HEADERS_TIMEOUT_MS,
): { requestTimeout: number; headersTimeout: number; connectionsCheckingInterval: number } {
  const headersTimeout = requestMs > 0 ? Math.min(headersMs, requestMs) : headersMs;
  // Node enforces both only when it sweeps its connections (every 30 s by default): sweep often
  // enough that a timeout is not overrun by more than a quarter.
  const shortest = Math.min(...[requestMs, headersTimeout].filter((t) => t > 0), 120_000);
  return {
    requestTimeout: requestMs,
    headersTimeout,
    connectionsCheckingInterval: Math.min(30_000, Math.max(250, Math.floor(shortest / 4))),
  };
}

/**
 * Marks a response `Connection: close` when its request's body is still arriving: Node would
 * otherwise keep reading (and discarding) that body for as long as the client sends it.
 */
export function closeIfBodyPending(req: IncomingMessage, res: ServerResponse): void {
  if (!req.complete && !res.headersSent) res.setHeader('Connection', 'close');
}

function sendText(res: ServerResponse, code: number, body: string, contentType = 'text/plain; charset=utf-8'): void {
  res.writeHead(code, {
    'content-type': contentType,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-cache, private',
    'x-content-type-options': 'nosniff',
  });
  res.end(body);
}

function rejectUpgrade(socket: Duplex, code: number, body: string): void {
  const reason = code === 401 ? 'Unauthorized' : 'Not Found';
  socket.end(
    `HTTP/1.1 ${code} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
