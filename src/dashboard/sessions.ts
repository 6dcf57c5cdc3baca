/**
 * The dashboard's server-side sessions and one-time login codes, in memory.
 *
 * A session holds the credential the user logged in with (never sent back to the browser): a
 * bearer token, authenticated again on every request so a revoked token ends the session, or an
 * identity proven once by a client certificate and its key, valid until the certificate expires.
 * The browser holds only the random session id (an HttpOnly cookie) and the session's CSRF token.
 * Logging out deletes the session, so a copied cookie stops working at once.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';

/** Who a dashboard request acts as (the API server's user.Info). */
export interface DashboardUser {
  name: string;
  groups: string[];
  uid?: string;
  extra?: Record<string, string[]>;
}

/** What a session acts with. */
export type SessionCredential =
  /** A bearer token, checked again on each request. */
  | { kind: 'token'; token: string }
  /** An identity proven at login (client certificate + key), valid until `notAfterMs`. */
  | { kind: 'identity'; user: DashboardUser; notAfterMs: number };

export interface Session {
  id: string;
  csrfToken: string;
  credential: SessionCredential;
  createdMs: number;
  lastUsedMs: number;
}

export interface SessionStoreOptions {
  /** A session unused this long ends (default 1 hour). */
  idleTimeoutMs?: number;
  /** A session ends this long after login whatever its use (default 12 hours). */
  maxAgeMs?: number;
  /** How long a one-time login code may be redeemed (default 5 minutes). */
  codeTtlMs?: number;
  /** At most this many sessions (default 10,000): the least recently used goes first. */
  maxSessions?: number;
  now?: () => number;
  /** Random bytes (tests inject a fixed source). */
  random?: (n: number) => Buffer;
}

interface LoginCode {
  credential: SessionCredential;
  expiresMs: number;
}

const MAX_CODES = 1000;

/** Sessions and login codes of one server process. Not persisted: a restart logs everyone out. */
export class SessionStore {
  private readonly sessions = new Map<string, Session>();
  private readonly codes = new Map<string, LoginCode>();
  private readonly idleTimeoutMs: number;
  private readonly maxAgeMs: number;
  readonly codeTtlMs: number;
  private readonly maxSessions: number;
  private readonly now: () => number;
  private readonly random: (n: number) => Buffer;

  constructor(o: SessionStoreOptions = {}) {
    this.idleTimeoutMs = o.idleTimeoutMs ?? 60 * 60_000;
    this.maxAgeMs = o.maxAgeMs ?? 12 * 60 * 60_000;
    this.codeTtlMs = o.codeTtlMs ?? 5 * 60_000;
    this.maxSessions = o.maxSessions ?? 10_000;
    this.now = o.now ?? Date.now;
    this.random = o.random ?? randomBytes;
  }

  /** Starts a session for a credential the caller has checked; returns it (id and CSRF token are fresh). */
  create(credential: SessionCredential): Session {
    const now = this.now();
    this.sweep(now);
    while (this.sessions.size >= this.maxSessions) {
      // Map order is insertion order and get() re-inserts on use: the first is the least recently used.
      const oldest = this.sessions.keys().next().value;
      if (oldest === undefined) break;
      this.sessions.delete(oldest);
    }
    const session: Session = {
      id: this.token(),
      csrfToken: this.token(),
      credential,
      createdMs: now,
      lastUsedMs: now,
    };
    this.sessions.set(session.id, session);
    return session;
  }

  /** The live session with this id (its idle clock restarts), or undefined (unknown, expired, logged out). */
  get(id: string | undefined): Session | undefined {
    if (!id) return undefined;
    const s = this.sessions.get(id);
    if (!s) return undefined;
    const now = this.now();
    if (!this.alive(s, now)) {
      this.sessions.delete(id);
      return undefined;
    }
    s.lastUsedMs = now;
    this.sessions.delete(id);
    this.sessions.set(id, s);
    return s;
  }

  /** Ends a session (logout). Idempotent. */
  delete(id: string): void {
    this.sessions.delete(id);
  }

  /** A one-time code that logs in as `credential`, valid for the code TTL. */
  mintCode(credential: SessionCredential): string {
    const now = this.now();
    for (const [code, c] of this.codes) if (c.expiresMs <= now) this.codes.delete(code);
    while (this.codes.size >= MAX_CODES) {
      const oldest = this.codes.keys().next().value;
      if (oldest === undefined) break;
      this.codes.delete(oldest);
    }
    const code = this.token();
    this.codes.set(code, { credential, expiresMs: now + this.codeTtlMs });
    return code;
  }

  /** Redeems a login code: its credential once, undefined when unknown, used or expired. */
  redeemCode(code: string): SessionCredential | undefined {
    const c = this.codes.get(code);
    if (!c) return undefined;
    this.codes.delete(code);
    return c.expiresMs > this.now() ? c.credential : undefined;
  }

  /** Number of live sessions (tests, metrics). */
  get size(): number {
    this.sweep(this.now());
    return this.sessions.size;
  }

  private alive(s: Session, now: number): boolean {
    if (now - s.lastUsedMs >= this.idleTimeoutMs || now - s.createdMs >= this.maxAgeMs) return false;
    return s.credential.kind !== 'identity' || now < s.credential.notAfterMs;
  }

  private sweep(now: number): void {
    for (const [id, s] of this.sessions) if (!this.alive(s, now)) this.sessions.delete(id);
  }

  private token(): string {
    return this.random(32).toString('base64url');
  }
}

/** Constant-time comparison of a presented CSRF token with the session's. */
export function sameToken(presented: string | undefined, expected: string): boolean {
  if (presented === undefined) return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
