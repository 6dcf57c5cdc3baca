import { Agent, request } from 'undici';
import type { Readable } from 'node:stream';
import { clientErrorOf } from './client-error.js';

/** How to reach and authenticate to an API server. */
export interface ConnectionOptions {
  /** Base URL, e.g. `https://127.0.0.1:6443` or `http://127.0.0.1:8080` (tests). */
  server: string;
  /** Bearer token sent as `Authorization: Bearer <token>`. */
  token?: string;
  /** PEM of the CA that signed the server certificate; without it the system roots are used. */
  caPem?: string;
  /**
   * Client certificate authentication (PEM certificate chain and key), fixed or from a source
   * that may rotate it: new connections use the source's current pair.
   */
  clientCert?: ClientCertPair | ClientCertSource;
  /** User-Agent header; defaults to `flotilla-client`. */
  userAgent?: string;
  /** Connect to this Unix socket instead of the URL's host (the server's loopback socket). */
  socketPath?: string;
}

export interface ClientCertPair {
  certPem: string;
  keyPem: string;
}

/** A client certificate that changes over time (a node's rotated certificate). */
export interface ClientCertSource {
  /** The pair to use now; a different object than before means the certificate changed. */
  current(): ClientCertPair;
}

export interface HttpRequest {
  method: string;
  path: string;
  body?: string;
  contentType?: string;
  /** Extra request headers (impersonation); a list value is sent as repeated headers. */
  headers?: Readonly<Record<string, string | readonly string[]>>;
  /** Abort the request (and, for streams, the open response body). */
  signal?: AbortSignal;
}

/** A minimal HTTP layer with one keep-alive connection pool per client. */
export interface HttpTransport {
  /** Sends a request and returns the parsed JSON body; a non-2xx answer throws a ClientError. */
  json(req: HttpRequest): Promise<unknown>;
  /** Sends a request and returns the streaming body on 2xx (no idle timeout); throws a ClientError otherwise. */
  stream(req: HttpRequest): Promise<Readable>;
  close(): Promise<void>;
}

const isSource = (c: ClientCertPair | ClientCertSource): c is ClientCertSource => 'current' in c;

/** Connections per server for ordinary requests (streams have their own, uncapped pool). */
const MAX_REQUEST_CONNECTIONS = 64;

interface Pools {
  requests: Agent;
  streams: Agent;
}

/**
 * Creates the undici-based transport (keep-alive pools, TLS with the given CA and client cert): one
 * bounded pool for requests, one for streams. With a rotating client certificate, new pools are
 * made when the source's pair changes; the old ones finish their requests in flight (open watches
 * included) and are closed.
 */
export function createHttpTransport(opts: ConnectionOptions): HttpTransport {
  const base = opts.server.replace(/\/+$/, '');
  const newPools = (cert: ClientCertPair | undefined): Pools => {
    const connect = {
      ...(opts.socketPath ? { socketPath: opts.socketPath } : {}),
      ...(opts.caPem ? { ca: opts.caPem } : {}),
      ...(cert ? { cert: cert.certPem, key: cert.keyPem } : {}),
    };
    return {
      // Requests share a bounded set of connections: a burst (a thousand hollow nodes renewing
      // their Leases at once) queues here instead of overflowing the server's accept backlog.
      requests: new Agent({ keepAliveTimeout: 30_000, connections: MAX_REQUEST_CONNECTIONS, connect }),
      // Streams are not capped: over HTTP/1.1 every open watch holds a connection for as long as it
      // runs, and a capped pool would queue the watches past the cap for good (the controllers
      // watch every stored type, custom resources included).
      streams: new Agent({ keepAliveTimeout: 30_000, connections: null, connect }),
    };
  };
  const source = opts.clientCert && isSource(opts.clientCert) ? opts.clientCert : undefined;
  let pair = source ? source.current() : (opts.clientCert as ClientCertPair | undefined);
  let pools = newPools(pair);
  const retired = new Set<Agent>();
  const retire = (a: Agent) => {
    retired.add(a);
    void a.close().finally(() => retired.delete(a));
  };
  const currentPools = (): Pools => {
    if (!source) return pools;
    const now = source.current();
    if (now !== pair) {
      retire(pools.requests);
      retire(pools.streams);
      pair = now;
      pools = newPools(now);
    }
    return pools;
  };
  const headersOf = (req: HttpRequest): Record<string, string | string[]> => {
    const h: Record<string, string | string[]> = {
      ...(req.headers as Record<string, string | string[]> | undefined),
      accept: 'application/json',
      'user-agent': opts.userAgent ?? 'flotilla-client',
    };
    if (opts.token) h.authorization = `Bearer ${opts.token}`;
    if (req.body !== undefined) h['content-type'] = req.contentType ?? 'application/json';
    return h;
  };
  const send = (req: HttpRequest, streaming: boolean) =>
    request(base + req.path, {
      dispatcher: streaming ? currentPools().streams : currentPools().requests,
      method: req.method as 'GET',
      headers: headersOf(req),
      body: req.body,
      signal: req.signal,
      ...(streaming ? { bodyTimeout: 0 } : {}),
    });
  return {
    async json(req) {
      const res = await send(req, false);
      const text = await res.body.text();
      if (res.statusCode < 200 || res.statusCode >= 300) throw clientErrorOf(res.statusCode, text);
      return text ? (JSON.parse(text) as unknown) : undefined;
    },
    async stream(req) {
      const res = await send(req, true);
      if (res.statusCode < 200 || res.statusCode >= 300) throw clientErrorOf(res.statusCode, await res.body.text());
      return res.body;
    },
    async close() {
      await Promise.all([pools.requests.close(), pools.streams.close(), ...[...retired].map((a) => a.close())]);
    },
  };
}

/**
 * A transport that sends every request of `base` as `user` in `groups` (Kubernetes' Impersonate-User
 * and Impersonate-Group headers) over base's connections; close() leaves base open. The caller's own
 * identity must be allowed the `impersonate` verb on those users and groups.
 */
export function impersonatingTransport(base: HttpTransport, user: string, groups: readonly string[]): HttpTransport {
  const headers = { 'impersonate-user': user, ...(groups.length > 0 ? { 'impersonate-group': [...groups] } : {}) };
  const withHeaders = (req: HttpRequest): HttpRequest => ({ ...req, headers: { ...req.headers, ...headers } });
  return {
    json: (req) => base.json(withHeaders(req)),
    stream: (req) => base.stream(withHeaders(req)),
    close: async () => {},
  };
}
