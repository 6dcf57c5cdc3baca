/**
 * The dashboard's HTTP side, under /dashboard/ of the API server's port:
 *
 *   GET  /dashboard/             index.html  ─┐ static, from memory, strict CSP
 *   GET  /dashboard/assets/NAME  app.js ...  ─┘
 *   POST /dashboard/login        {token} | {kubeconfig} | {code}  → session cookie + CSRF token
 *   GET  /dashboard/session      who am I, and the CSRF token (needs the cookie)
 *   POST /dashboard/logout       ends the session on the server (needs the cookie + CSRF)
 *   POST /dashboard/login-codes  a one-time login code for the caller's own API credential
 *                                (bearer token or client certificate, as kubectl sends them)
 *   ANY  /dashboard/k8s/<path>   the Kubernetes API at /<path>, as the session's user
 *                                (needs the cookie + CSRF header) ─► serveApi(req, res, user)
 *   GET  /dashboard/k8s/<path>   with `Upgrade: websocket` (pods/exec): the same, the CSRF token
 *                                as a subprotocol ─► serveApiUpgrade(req, socket, head, user)
 *
 * Why a server-side session and a proxy path rather than a token kept by the page: the credential
 * never reaches the browser's JavaScript (an XSS cannot read it), a client certificate can log in
 * without being installed in the browser, a page reload keeps the session, and logout really ends
 * it. The proxy hands each request to the API handler with the user's own identity, so
 * authorization (RBAC), admission and audit see that user exactly as for kubectl.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { ApiError, errors, toStatus } from '../api/errors.js';
import type { Assets } from './assets.js';
import { certificateIdentity, parseLoginRequest } from './login-request.js';
import {
  type DashboardUser,
  sameToken,
  type Session,
  type SessionCredential,
  SessionStore,
  type SessionStoreOptions,
} from './sessions.js';

export const DASHBOARD_PATH = '/dashboard';
export const SESSION_COOKIE = 'flotilla-dashboard';
export const CSRF_HEADER = 'x-csrf-token';
/**
 * A browser cannot set headers on a WebSocket, so a WebSocket request carries the session's CSRF
 * token as an extra subprotocol `<this prefix><token>` (as Kubernetes carries a bearer token in
 * `base64url.bearer.authorization.k8s.io.<token>`); the server removes it before the API sees the
 * request and never names it in the reply. Why not a one-time ticket in the URL: no extra round
 * trip, nothing secret in a request line or a log, and the token is the same one every other call
 * already proves.
 */
export const CSRF_PROTOCOL_PREFIX = 'csrf.dashboard.flotilla.dev.';

/**
 * The Content-Security-Policy of every dashboard response: scripts, styles, images and fetches
 * from this origin only; no inline script or style, no eval, no plugins, no framing.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

const MAX_LOGIN_BODY = 128 * 1024;

export interface DashboardOptions {
  /** The cluster CA (PEM): a client certificate logging in must be issued by it. */
  caPem: string;
  /** The user of a bearer token, or undefined when it is not valid. Asked on every request of a token session. */
  authenticateToken(token: string): DashboardUser | undefined;
  /** Serves one Kubernetes API request (req.url rewritten to the API path) as `user`. Never throws. */
  serveApi(req: IncomingMessage, res: ServerResponse, user: DashboardUser): void;
  /**
   * Serves one upgrade request of the API (pods/exec over WebSocket; req.url rewritten to the API
   * path) as `user`. Never throws. Without it the dashboard refuses upgrades.
   */
  serveApiUpgrade?(req: IncomingMessage, socket: Duplex, head: Buffer, user: DashboardUser): void;
  /**
   * The credential a request authenticates with at the API (its client certificate or bearer
   * token), or undefined when it does not authenticate: `flotilla dashboard` mints a login link
   * with it. Without this option /dashboard/login-codes is not served.
   */
  credentialOf?(req: IncomingMessage): SessionCredential | undefined;
  /** The bundle (loadAssets); resolved on first use. */
  assets: () => Promise<Assets>;
  sessions?: SessionStoreOptions;
  now?: () => number;
}

export interface Dashboard {
  /** Serves a request whose path is /dashboard or below. Never throws; errors are Status objects. */
  handle(req: IncomingMessage, res: ServerResponse): void;
  /**
   * Serves an upgrade request whose path is /dashboard or below: only /dashboard/k8s/<path>, with
   * the session cookie, a same-origin Origin and the CSRF token as a subprotocol. Never throws;
   * a refusal is a Status answered before the upgrade.
   */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** A one-time login code for `credential` (the URL path is `/dashboard/#code=<code>`). */
  loginCode(credential: SessionCredential): string;
}

/** True for /dashboard and every path below it. */
export function isDashboardPath(path: string): boolean {
  return path === DASHBOARD_PATH || path.startsWith(`${DASHBOARD_PATH}/`);
}

/** The dashboard of one server process. */
export function createDashboard(options: DashboardOptions): Dashboard {
  const sessions = new SessionStore({ now: options.now, ...options.sessions });
  const now = options.now ?? Date.now;
  let assets: Promise<Assets> | undefined;
  const getAssets = () => {
    assets ??= options.assets();
    return assets;
  };

  async function route(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    if (path === DASHBOARD_PATH) {
      res.writeHead(308, { Location: `${DASHBOARD_PATH}/`, 'Content-Length': 0 });
      res.end();
      return;
    }
    const sub = path.slice(DASHBOARD_PATH.length);
    if (sub === '/' || sub === '/index.html') return serveAsset(req, res, 'index.html', 'no-store');
    if (sub.startsWith('/assets/')) return serveAsset(req, res, sub.slice('/assets/'.length), 'no-cache');
    if (sub === '/login') return login(req, res);
    if (sub === '/session') return whoAmI(req, res);
    if (sub === '/logout') return logout(req, res);
    if (sub === '/login-codes' && options.credentialOf) return mintCode(req, res, options.credentialOf);
    throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
  }

  async function serveAsset(req: IncomingMessage, res: ServerResponse, name: string, cache: string): Promise<void> {
    allowMethods(req, ['GET', 'HEAD']);
    const asset = (await getAssets()).get(name);
    if (!asset) {
      if (name === 'index.html') {
        const body = 'The dashboard is not built: run `npm run build`.\n';
        res.writeHead(503, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
        res.end(body);
        return;
      }
      throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
    }
    const headers: Record<string, string | number> = {
      'Content-Type': asset.type,
      'Cache-Control': cache,
      ETag: asset.etag,
      Vary: 'Accept-Encoding',
    };
    if (req.headers['if-none-match'] === asset.etag) {
      res.writeHead(304, headers);
      res.end();
      return;
    }
    const gzip = asset.gzip && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    const body = gzip && asset.gzip ? asset.gzip : asset.body;
    if (gzip) headers['Content-Encoding'] = 'gzip';
    headers['Content-Length'] = body.length;
    res.writeHead(200, headers);
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  async function login(req: IncomingMessage, res: ServerResponse): Promise<void> {
    allowMethods(req, ['POST']);
    checkSameOrigin(req);
    // A JSON body cannot be sent cross-origin without a CORS preflight, which this server never grants.
    if (!/^application\/json\s*(;|$)/i.test(String(req.headers['content-type'] ?? '')))
      throw errors.unsupportedMediaType(String(req.headers['content-type'] ?? ''));
    const body = await readJson(req);
    const login = await parseLoginRequest(body);
    let credential: SessionCredential;
    if (login.kind === 'code') {
      const redeemed = sessions.redeemCode(login.code);
      if (!redeemed) throw errors.unauthorized('the login code is unknown, used or expired');
      credential = redeemed;
    } else if (login.kind === 'token') {
      credential = { kind: 'token', token: login.token };
    } else {
      credential = { kind: 'identity', ...certificateIdentity(login.certPem, login.keyPem, options.caPem, now()) };
    }
    const user = userOf(credential);
    if (!user) throw errors.unauthorized();
    const session = sessions.create(credential);
    res.setHeader('Set-Cookie', sessionCookie(session.id));
    sendJson(res, 200, { user: publicUser(user), csrfToken: session.csrfToken });
  }

  /** A code for the caller's own credential (never more than the caller has); 201 {code, path, expiresInSeconds}. */
  function mintCode(
    req: IncomingMessage,
    res: ServerResponse,
    credentialOf: (req: IncomingMessage) => SessionCredential | undefined,
  ): void {
    allowMethods(req, ['POST']);
    checkSameOrigin(req);
    const credential = credentialOf(req);
    const user = credential && userOf(credential);
    if (!credential || !user) throw errors.unauthorized();
    const code = sessions.mintCode(credential);
    sendJson(res, 201, {
      user: publicUser(user),
      code,
      path: `${DASHBOARD_PATH}/#code=${code}`,
      expiresInSeconds: Math.round(sessions.codeTtlMs / 1000),
    });
  }

  function whoAmI(req: IncomingMessage, res: ServerResponse): void {
    allowMethods(req, ['GET']);
    const { session, user } = authenticated(req, res, false);
    sendJson(res, 200, { user: publicUser(user), csrfToken: session.csrfToken });
  }

  function logout(req: IncomingMessage, res: ServerResponse): void {
    allowMethods(req, ['POST']);
    checkSameOrigin(req);
    const session = sessions.get(cookieOf(req));
    if (session) {
      if (!sameToken(headerOf(req, CSRF_HEADER), session.csrfToken))
        throw errors.forbidden('missing or wrong CSRF token');
      sessions.delete(session.id);
    }
    res.setHeader('Set-Cookie', sessionCookie('', 0));
    res.writeHead(204);
    res.end();
  }

  function proxy(req: IncomingMessage, res: ServerResponse, apiPath: string): void {
    const { user } = authenticated(req, res, true);
    if (!/^\/(api|apis|openapi)(\/|$|\?)/.test(apiPath))
      throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
    req.url = apiPath;
    // The session is the only credential: what else the browser sent must not act for it.
    for (const h of Object.keys(req.headers))
      if (h === 'authorization' || h === 'cookie' || h === CSRF_HEADER || h.startsWith('impersonate-'))
        delete req.headers[h];
    options.serveApi(req, res, user);
  }

  function proxyUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, apiPath: string): void {
    if (!options.serveApiUpgrade) throw new ApiError(404, 'NotFound', 'upgrade not supported');
    // Browsers always send Origin on a WebSocket; a cross-site page must not drive a terminal.
    const origin = headerOf(req, 'origin');
    if (origin === undefined || origin !== `https://${req.headers.host ?? ''}`)
      throw errors.forbidden(`cross-origin WebSocket from ${origin ?? '(no Origin)'} refused`);
    const offered = String(req.headers['sec-websocket-protocol'] ?? '')
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean);
    const csrf = offered.find((p) => p.startsWith(CSRF_PROTOCOL_PREFIX))?.slice(CSRF_PROTOCOL_PREFIX.length);
    const session = sessions.get(cookieOf(req));
    if (!session) throw errors.unauthorized('no dashboard session: log in');
    if (!sameToken(csrf, session.csrfToken)) throw errors.forbidden('missing or wrong CSRF token');
    const user = userOf(session.credential);
    if (!user) {
      sessions.delete(session.id);
      throw errors.unauthorized('the session’s credential is no longer valid: log in again');
    }
    if (!/^\/(api|apis)\//.test(apiPath))
      throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
    req.url = apiPath;
    const rest = offered.filter((p) => !p.startsWith(CSRF_PROTOCOL_PREFIX));
    if (rest.length > 0) req.headers['sec-websocket-protocol'] = rest.join(', ');
    else delete req.headers['sec-websocket-protocol'];
    for (const h of Object.keys(req.headers))
      if (h === 'authorization' || h === 'cookie' || h === CSRF_HEADER || h.startsWith('impersonate-'))
        delete req.headers[h];
    options.serveApiUpgrade(req, socket, head, user);
  }

  /** The caller's session and user; throws 401 without one, 403 when `csrf` and the token is wrong. */
  function authenticated(
    req: IncomingMessage,
    res: ServerResponse,
    csrf: boolean,
  ): { session: Session; user: DashboardUser } {
    const session = sessions.get(cookieOf(req));
    if (!session) throw errors.unauthorized('no dashboard session: log in');
    if (csrf && !sameToken(headerOf(req, CSRF_HEADER), session.csrfToken))
      throw errors.forbidden('missing or wrong CSRF token');
    const user = userOf(session.credential);
    if (!user) {
      // The token was revoked (or the ServiceAccount deleted): the session ends with it.
      sessions.delete(session.id);
      res.setHeader('Set-Cookie', sessionCookie('', 0));
      throw errors.unauthorized('the session’s credential is no longer valid: log in again');
    }
    return { session, user };
  }

  function userOf(credential: SessionCredential): DashboardUser | undefined {
    return credential.kind === 'token' ? options.authenticateToken(credential.token) : credential.user;
  }

  return {
    handle(req, res) {
      for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
      const url = req.url ?? '/';
      const q = url.indexOf('?');
      const path = q < 0 ? url : url.slice(0, q);
      const query = q < 0 ? '' : url.slice(q);
      // The proxied path keeps its query (?watch=1, ?labelSelector=...).
      const run = path.startsWith(`${DASHBOARD_PATH}/k8s/`)
        ? (async () => proxy(req, res, path.slice(`${DASHBOARD_PATH}/k8s`.length) + query))()
        : route(req, res, path);
      run.catch((err: unknown) => sendStatus(req, res, err));
    },
    handleUpgrade(req, socket, head) {
      socket.on('error', () => socket.destroy());
      const url = req.url ?? '/';
      const prefix = `${DASHBOARD_PATH}/k8s/`;
      try {
        if (!url.startsWith(prefix))
          throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
        proxyUpgrade(req, socket, head, url.slice(prefix.length - 1));
      } catch (err) {
        refuseUpgrade(socket, err);
      }
    },
    loginCode: (credential) => sessions.mintCode(credential),
  };
}

/** Answers an upgrade request with a Status instead of upgrading. */
function refuseUpgrade(socket: Duplex, err: unknown): void {
  const { code, body } = toStatus(err);
  const text = JSON.stringify(body);
  if (!socket.writable) return void socket.destroy();
  socket.end(
    `HTTP/1.1 ${code} ${code === 401 ? 'Unauthorized' : code === 403 ? 'Forbidden' : code === 404 ? 'Not Found' : 'Error'}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`,
  );
}

function publicUser(u: DashboardUser): { name: string; groups: string[] } {
  return { name: u.name, groups: u.groups };
}

function sessionCookie(id: string, maxAgeSeconds?: number): string {
  const age = maxAgeSeconds === undefined ? '' : `; Max-Age=${maxAgeSeconds}`;
  return `${SESSION_COOKIE}=${id}; Path=${DASHBOARD_PATH}/; HttpOnly; Secure; SameSite=Strict${age}`;
}

function cookieOf(req: IncomingMessage): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === SESSION_COOKIE) return part.slice(eq + 1).trim() || undefined;
  }
  return undefined;
}

function headerOf(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function allowMethods(req: IncomingMessage, methods: string[]): void {
  if (!methods.includes(req.method ?? ''))
    throw errors.methodNotAllowed(`${req.method} is not supported on ${(req.url ?? '').split('?')[0]}`);
}

/** A state-changing request from another origin is refused (Origin / Sec-Fetch-Site, where the browser sends them). */
function checkSameOrigin(req: IncomingMessage): void {
  const origin = headerOf(req, 'origin');
  if (origin !== undefined && origin !== `https://${req.headers.host ?? ''}`)
    throw errors.forbidden(`cross-origin request from ${origin} refused`);
  const site = headerOf(req, 'sec-fetch-site');
  if (site !== undefined && site !== 'same-origin' && site !== 'none')
    throw errors.forbidden(`cross-site request (${site}) refused`);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_LOGIN_BODY) throw errors.tooLarge(`the request body is too large: limit is ${MAX_LOGIN_BODY} bytes`);
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch (err) {
    throw errors.badRequest(`the login body is not JSON: ${err instanceof Error ? err.message : err}`);
  }
}

function sendJson(res: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
  });
  res.end(text);
}

function sendStatus(req: IncomingMessage, res: ServerResponse, err: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const { code, body } = toStatus(err);
  if (!req.complete) res.setHeader('Connection', 'close');
  sendJson(res, code, body);
}
