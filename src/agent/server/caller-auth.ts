/**
 * Who may call the agent, as the kubelet's webhook authentication and authorization
 * (pkg/kubelet/server/auth.go): a client certificate verified against the cluster CA (CN → user,
 * O → groups) or a bearer token checked by TokenReview; then a SubjectAccessReview of
 * `<verb> nodes/<subresource> <node>`, the subresource from the path (`/stats/*` → stats,
 * `/metrics*` → metrics, `/logs/*` → log, `/checkpoint/*` → checkpoint, anything else → proxy:
 * containerLogs, exec, attach, portForward). Both reviews go through the API with the agent's own
 * credentials, and their answers are kept briefly as the kubelet does (token 2 min; allowed 5 min,
 * denied 30 s), so a burst of requests costs one review.
 *
 *   request ─► cert (cluster CA) | bearer ─TokenReview─► user ─SubjectAccessReview─► allowed?
 *                    │                                                   └─ no ─► 403 Forbidden (user=..., verb=...)
 *                    └─ neither ─► 401 Unauthorized
 */
import type { IncomingMessage } from 'node:http';
import { TLSSocket } from 'node:tls';
import type { KubeObject } from '../../api/object.js';
import type { KubeClient } from '../../machinery/client/kube-client.js';
import type { ResourceRef } from '../../machinery/client/resource-path.js';

export interface AgentCaller {
  name: string;
  groups: string[];
  uid?: string;
  extra?: Record<string, string[]>;
}

/** The SubjectAccessReview resource attributes of a request to the agent. */
export interface AgentRequestAttributes {
  verb: string;
  resource: 'nodes';
  subresource: string;
  name: string;
}

/** The answer to one request: the caller and the verdict, or why not. */
export type AgentAuthResult = { ok: true; user: AgentCaller } | { ok: false; code: 401 | 403; message: string };

/** The two reviews, as the API answers them (injectable for tests). */
export interface AgentReviews {
  /** The user of a bearer token, undefined when it does not authenticate. */
  tokenReview(token: string): Promise<AgentCaller | undefined>;
  subjectAccessReview(user: AgentCaller, attributes: AgentRequestAttributes): Promise<boolean>;
}

const METHOD_VERBS: Record<string, string> = {
  POST: 'create',
  GET: 'get',
  HEAD: 'get',
  PUT: 'update',
  PATCH: 'patch',
  DELETE: 'delete',
};

function isSubpath(path: string, prefix: string): boolean {
  const p = prefix.replace(/\/+$/, '');
  return path === p || path.startsWith(`${p}/`);
}

/** The kubelet's mapping of an agent request to authorization attributes. Pure. */
export function agentRequestAttributes(method: string, path: string, nodeName: string): AgentRequestAttributes {
  let subresource = 'proxy';
  if (isSubpath(path, '/stats/')) subresource = 'stats';
  else if (isSubpath(path, '/metrics')) subresource = 'metrics';
  else if (isSubpath(path, '/logs/')) subresource = 'log';
  else if (isSubpath(path, '/checkpoint/')) subresource = 'checkpoint';
  return { verb: METHOD_VERBS[method.toUpperCase()] ?? '', resource: 'nodes', subresource, name: nodeName };
}

/** The user of a client certificate the TLS layer verified against the cluster CA, if any. */
export function certificateCaller(req: IncomingMessage): AgentCaller | undefined {
  const socket = req.socket;
  if (!(socket instanceof TLSSocket) || !socket.authorized) return undefined;
  const subject = socket.getPeerCertificate().subject as Record<string, string | string[] | undefined> | undefined;
  const cn = subject?.CN;
  const name = Array.isArray(cn) ? cn[0] : cn;
  if (!name) return undefined;
  const o = subject?.O;
  const groups = o === undefined ? [] : Array.isArray(o) ? [...o] : [o];
  if (!groups.includes('system:authenticated')) groups.push('system:authenticated');
  return { name, groups };
}

interface Cached<T> {
  value: T;
  until: number;
}

/** A small expiring map: at most `max` entries (cleared when full: reviews are cheap to redo). */
class ExpiringCache<T> {
  private readonly entries = new Map<string, Cached<T>>();
  constructor(
    private readonly now: () => number,
    private readonly max = 4096,
  ) {}
  get(key: string): T | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (e.until > this.now()) return e.value;
    this.entries.delete(key);
    return undefined;
  }
  set(key: string, value: T, ttlMs: number): void {
    if (this.entries.size >= this.max) this.entries.clear();
    this.entries.set(key, { value, until: this.now() + ttlMs });
  }
}

export interface AgentCallerAuthOptions {
  reviews: AgentReviews;
  /** Default Date.now. */
  now?: () => number;
  /** TTLs (kubelet defaults: authentication 2 min, authorized 5 min, unauthorized 30 s). */
  tokenTtlMs?: number;
  allowedTtlMs?: number;
  deniedTtlMs?: number;
}

/** Authenticates and authorizes agent requests; one per agent server. */
export class AgentCallerAuth {
  private readonly now: () => number;
  private readonly tokens: ExpiringCache<AgentCaller | null>;
  private readonly decisions: ExpiringCache<boolean>;

  constructor(private readonly o: AgentCallerAuthOptions) {
    this.now = o.now ?? Date.now;
    this.tokens = new ExpiringCache(this.now);
    this.decisions = new ExpiringCache(this.now);
  }

  /** The verdict on `req` for node `nodeName`. Review failures (API unreachable) answer 401 / 403, never allow. */
  async check(req: IncomingMessage, nodeName: string): Promise<AgentAuthResult> {
    const user = certificateCaller(req) ?? (await this.bearerCaller(req));
    if (!user) return { ok: false, code: 401, message: 'Unauthorized' };
    const url = new URL(req.url ?? '/', 'https://agent');
    const attrs = agentRequestAttributes(req.method ?? 'GET', url.pathname, nodeName);
    if (await this.allowed(user, attrs)) return { ok: true, user };
    return {
      ok: false,
      code: 403,
      message: `Forbidden (user=${user.name}, verb=${attrs.verb}, resource=${attrs.resource}, subresource=${attrs.subresource})`,
    };
  }

  private async bearerCaller(req: IncomingMessage): Promise<AgentCaller | undefined> {
    const token = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
    if (!token) return undefined;
    const known = this.tokens.get(token);
    if (known !== undefined) return known ?? undefined;
    const user = await this.o.reviews.tokenReview(token).catch(() => undefined);
    // Failures are kept for a short while only, so a new token works soon after it is issued.
    this.tokens.set(token, user ?? null, user ? (this.o.tokenTtlMs ?? 120_000) : 10_000);
    return user;
  }

  private async allowed(user: AgentCaller, a: AgentRequestAttributes): Promise<boolean> {
    const key = JSON.stringify([user.name, user.groups, user.uid ?? '', a.verb, a.subresource, a.name]);
    const known = this.decisions.get(key);
    if (known !== undefined) return known;
    const allowed = await this.o.reviews.subjectAccessReview(user, a).catch(() => undefined);
    if (allowed === undefined) return false; // not cached: the next request asks again
    this.decisions.set(key, allowed, allowed ? (this.o.allowedTtlMs ?? 300_000) : (this.o.deniedTtlMs ?? 30_000));
    return allowed;
  }
}

const SUBJECT_ACCESS_REVIEWS: ResourceRef = {
  group: 'authorization.k8s.io',
  version: 'v1',
  plural: 'subjectaccessreviews',
  namespaced: false,
};
const TOKEN_REVIEWS: ResourceRef = {
  group: 'authentication.k8s.io',
  version: 'v1',
  plural: 'tokenreviews',
  namespaced: false,
};

/** The reviews through the API with the agent's client (its node credentials). */
export function apiReviews(client: KubeClient): AgentReviews {
  return {
    async tokenReview(token) {
      const review = (await client.create(TOKEN_REVIEWS, '', {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenReview',
        metadata: {},
        spec: { token },
      } as KubeObject)) as KubeObject & {
        status?: {
          authenticated?: boolean;
          user?: { username?: string; uid?: string; groups?: string[]; extra?: Record<string, string[]> };
        };
      };
      const u = review.status?.user;
      if (!review.status?.authenticated || !u?.username) return undefined;
      return { name: u.username, groups: u.groups ?? [], uid: u.uid, extra: u.extra };
    },
    async subjectAccessReview(user, a) {
      const review = (await client.create(SUBJECT_ACCESS_REVIEWS, '', {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SubjectAccessReview',
        metadata: {},
        spec: {
          user: user.name,
          groups: user.groups,
          ...(user.uid ? { uid: user.uid } : {}),
          ...(user.extra ? { extra: user.extra } : {}),
          resourceAttributes: {
            verb: a.verb,
            group: '',
            version: 'v1',
            resource: a.resource,
            subresource: a.subresource,
            name: a.name,
          },
        },
      } as KubeObject)) as KubeObject & { status?: { allowed?: boolean } };
      return review.status?.allowed === true;
    },
  };
}
