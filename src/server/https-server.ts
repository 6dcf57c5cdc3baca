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
}

const HEALTH = /^\/(healthz|livez|readyz)(?:\/([^/]+))?\/?$/;

/**
 * The HTTPS server of the API: /healthz, /livez, /readyz, /version and /cacerts unauthenticated; everything
 * else authenticated (client certificate of the cluster CA or bearer token, else 401 Status), then
 * /metrics here and the rest to `handler`. Tuned for many long-lived clients: no request timeout
 * (watches stream for as long as the client wants), keep-alive of idle connections for 90 s.
 * Returns the server unlistened.
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
    requestTimeout: 0,
    headersTimeout: 60_000,
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

    const user = authenticator.authenticate(req);
    if (!user) return writeUnauthorized(res);
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
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });
  server.on('tlsClientError', (err: Error) => log.debug({ err: err.message }, 'TLS handshake failed'));
  return server;
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
