/**
 * Authentication of ServiceAccount JWTs, as Kubernetes' JWT token authenticator with its bound
 * (pkg/serviceaccount/claims.go) and legacy (legacy.go) validators, checked against the watch
 * cache (no store read per request).
 *
 *   token ─► verified before? ─no─► issuer ours? ─► RS256 signature ─► remember (bounded)
 *         ─► audiences ─► exp/nbf/iat (60 s leeway) ─► ServiceAccount, bound Pod/Secret (or the
 *            legacy Secret's copy of the token) still there with the same uid ─► user
 *
 * The signature check is synchronous (node:crypto) so that it fits the synchronous request
 * authenticator; each token is verified once and then only its claims are re-checked.
 */
import { timingSafeEqual } from 'node:crypto';
import type { KubeObject } from '../../api/object.js';
import { serviceAccountGroups, serviceAccountUsername } from '../../api/rbac/users.js';
import {
  CREDENTIAL_ID_EXTRA,
  type KubernetesClaim,
  LEGACY_SERVICE_ACCOUNT_ISSUER,
  NODE_NAME_EXTRA,
  NODE_UID_EXTRA,
  POD_NAME_EXTRA,
  POD_UID_EXTRA,
  TOKEN_SECRET_KEYS,
} from '../../api/serviceaccount/token-claims.js';
import { unverifiedPayload, verifyJwtWithAny } from '../../machinery/serviceaccount-token/jwt.js';
import type { TokenAuthentication } from '../auth/token-authentication.js';
import type { UserInfo } from '../auth/user-info.js';
import type { CachedObject, WatchCache } from '../watch-cache.js';
import type { ServiceAccountTokenConfig } from './token-config.js';
import { coreKey } from './token-request.js';

export interface ServiceAccountTokenAuthenticatorOptions {
  cache: WatchCache;
  config: ServiceAccountTokenConfig;
  /** Current time, ms since the epoch (tests move it). */
  now?: () => number;
  /** How many verified tokens to remember (default 4096). */
  maxRemembered?: number;
}

/** go-jose's DefaultLeeway, which Kubernetes' claim validation uses. */
const LEEWAY_SECONDS = 60;

interface Verified {
  legacy: boolean;
  namespace: string;
  serviceAccount: { name: string; uid: string };
  /** Bound tokens: the claims' audiences, times and bound objects. */
  aud: string[];
  exp?: number;
  nbf?: number;
  iat?: number;
  pod?: { name: string; uid: string };
  secret?: { name: string; uid?: string };
  node?: { name: string; uid?: string };
  jti?: string;
  /** The user it authenticates as once every check passed (built once). */
  user: UserInfo;
}

/** What the checks need of a cached object, parsed once per object version. */
interface Facts {
  uid: string;
  /** ms since the epoch, or undefined. */
  deletedAt?: number;
  /** Secrets: the base64 of data.token. */
  token?: string;
}

export class ServiceAccountTokenAuthenticator {
  private readonly remembered = new Map<string, Verified>();
  private readonly facts = new WeakMap<CachedObject, Facts>();
  private readonly now: () => number;
  private readonly max: number;

  constructor(private readonly o: ServiceAccountTokenAuthenticatorOptions) {
    this.now = o.now ?? Date.now;
    this.max = o.maxRemembered ?? 4096;
  }

  /**
   * Authenticates a bearer token for `audiences` (undefined: the API's own audiences). Pure apart
   * from the bounded memo of verified tokens; never throws.
   */
  authenticate(token: string, audiences?: readonly string[]): TokenAuthentication {
    const keys = this.o.config.verificationKeys();
    if (keys.length === 0) return { kind: 'unknown' };
    let v = this.remembered.get(token);
    if (!v) {
      const payload = unverifiedPayload(token);
      if (!payload) return { kind: 'unknown' };
      const iss = payload.iss;
      const legacy = iss === LEGACY_SERVICE_ACCOUNT_ISSUER;
      if (!legacy && (typeof iss !== 'string' || !this.o.config.issuers.includes(iss))) return { kind: 'unknown' };
      const decoded = verifyJwtWithAny(keys, token);
      if (!decoded.ok) return decoded.notJwt ? { kind: 'unknown' } : { kind: 'invalid', message: decoded.message };
      const parsed = legacy ? legacyOf(decoded.payload) : boundOf(decoded.payload);
      if (typeof parsed === 'string') return { kind: 'invalid', message: parsed };
      v = parsed;
      if (this.remembered.size >= this.max) {
        const oldest = this.remembered.keys().next();
        if (!oldest.done) this.remembered.delete(oldest.value);
      }
      this.remembered.set(token, v);
    }
    return this.check(token, v, audiences ?? this.o.config.apiAudiences);
  }

  private check(token: string, v: Verified, requested: readonly string[]): TokenAuthentication {
    const tokenAudiences = v.legacy ? [...this.o.config.apiAudiences] : v.aud;
    const audiences = tokenAudiences.filter((a) => requested.includes(a));
    if (audiences.length === 0)
      return {
        kind: 'invalid',
        message: `token audiences ${goQuoted(tokenAudiences)} is invalid for the target audiences ${goQuoted(requested)}`,
      };
    const nowMs = this.now();
    const now = Math.floor(nowMs / 1000);
    if (!v.legacy) {
      if (v.exp !== undefined && now > v.exp + LEEWAY_SECONDS)
        return { kind: 'invalid', message: 'service account token has expired' };
      if (v.nbf !== undefined && now + LEEWAY_SECONDS < v.nbf)
        return { kind: 'invalid', message: 'service account token is not valid yet' };
      if (v.iat !== undefined && now + LEEWAY_SECONDS < v.iat)
        return { kind: 'invalid', message: 'service account token is issued in the future' };
    }
    // Objects deleted (deletionTimestamp) more than the leeway ago no longer back a token.
    const deletedBefore = nowMs - LEEWAY_SECONDS * 1000;
    const ns = v.namespace;

    if (v.legacy) {
      const secretName = v.secret?.name ?? '';
      const secret = this.factsOf(coreKey('secrets', ns, secretName));
      if (!secret || gone(secret, deletedBefore)) return { kind: 'invalid', message: 'Token has been invalidated' };
      if (!sameToken(secret.token, token)) return { kind: 'invalid', message: "Token does not match server's copy" };
    }
    const sa = this.factsOf(coreKey('serviceaccounts', ns, v.serviceAccount.name));
    if (!sa) return { kind: 'invalid', message: `serviceaccounts "${v.serviceAccount.name}" not found` };
    if (gone(sa, deletedBefore))
      return { kind: 'invalid', message: `service account ${ns}/${v.serviceAccount.name} has been deleted` };
    if (sa.uid !== v.serviceAccount.uid)
      return {
        kind: 'invalid',
        message: `service account UID (${sa.uid}) does not match claim (${v.serviceAccount.uid})`,
      };
    if (!v.legacy) {
      if (v.secret) {
        const secret = this.factsOf(coreKey('secrets', ns, v.secret.name));
        if (!secret || gone(secret, deletedBefore))
          return { kind: 'invalid', message: 'service account token has been invalidated' };
        if (secret.uid !== v.secret.uid)
          return { kind: 'invalid', message: `secret UID (${secret.uid}) does not match claim (${v.secret.uid})` };
      }
      if (v.pod) {
        const pod = this.factsOf(coreKey('pods', ns, v.pod.name));
        if (!pod || gone(pod, deletedBefore))
          return { kind: 'invalid', message: 'service account token has been invalidated' };
        if (pod.uid !== v.pod.uid)
          return { kind: 'invalid', message: `pod UID (${pod.uid}) does not match claim (${v.pod.uid})` };
      } else if (v.node) {
        // A token bound to a Node alone lives as long as that Node.
        const node = this.factsOf(coreKey('nodes', '', v.node.name));
        if (!node || gone(node, deletedBefore))
          return { kind: 'invalid', message: 'service account token has been invalidated' };
        if (node.uid !== v.node.uid)
          return { kind: 'invalid', message: `node UID (${node.uid}) does not match claim (${v.node.uid})` };
      }
    }
    return { kind: 'user', user: v.user, audiences };
  }

  private factsOf(key: string): Facts | undefined {
    const cached = this.o.cache.get(key);
    if (!cached) return undefined;
    let f = this.facts.get(cached);
    if (!f) {
      const obj = cached.object() as KubeObject & { data?: Record<string, string> };
      const deletion = obj.metadata.deletionTimestamp;
      f = {
        uid: obj.metadata.uid ?? '',
        deletedAt: deletion ? Date.parse(deletion) : undefined,
        token: obj.data?.[TOKEN_SECRET_KEYS.token],
      };
      this.facts.set(cached, f);
    }
    return f;
  }
}

/** Deleted (deletionTimestamp) before `deletedBefore` (ms): no longer backs a token. */
function gone(f: Facts, deletedBefore: number): boolean {
  return f.deletedAt !== undefined && f.deletedAt < deletedBefore;
}

/** The legacy Secret's data.token (base64) against the presented token, in constant time. */
function sameToken(stored: string | undefined, token: string): boolean {
  if (stored === undefined) return false;
  const a = Buffer.from(stored, 'base64');
  const b = Buffer.from(token, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Go's %q of a []string: `["a" "b"]`. */
function goQuoted(list: readonly string[]): string {
  return `[${list.map((a) => JSON.stringify(a)).join(' ')}]`;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

function refOf(v: unknown): { name: string; uid?: string } | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const r = v as { name?: unknown; uid?: unknown };
  const name = str(r.name);
  return name ? { name, uid: str(r.uid) } : undefined;
}

/** A bound token's claims, or the reason they are unusable. */
function boundOf(p: Record<string, unknown>): Verified | string {
  const k = p['kubernetes.io'] as KubernetesClaim | undefined;
  if (typeof k !== 'object' || k === null) return 'service account token claims could not be validated';
  const namespace = str(k.namespace);
  const sa = refOf(k.serviceaccount);
  if (!namespace || !sa?.uid) return 'service account token claims could not be validated';
  const aud =
    typeof p.aud === 'string' ? [p.aud] : Array.isArray(p.aud) ? p.aud.filter((a) => typeof a === 'string') : [];
  const pod = refOf(k.pod);
  if (pod && !pod.uid) return 'service account token claims could not be validated';
  const v: Verified = {
    legacy: false,
    namespace,
    serviceAccount: { name: sa.name, uid: sa.uid },
    aud,
    exp: num(p.exp),
    nbf: num(p.nbf),
    iat: num(p.iat),
    pod: pod ? { name: pod.name, uid: pod.uid ?? '' } : undefined,
    secret: refOf(k.secret),
    node: refOf(k.node),
    jti: str(p.jti),
    user: { name: '', groups: [] },
  };
  const extra: Record<string, string[]> = {};
  if (v.pod) {
    extra[POD_NAME_EXTRA] = [v.pod.name];
    extra[POD_UID_EXTRA] = [v.pod.uid];
  }
  if (v.jti) extra[CREDENTIAL_ID_EXTRA] = [`JTI=${v.jti}`];
  if (v.node) {
    extra[NODE_NAME_EXTRA] = [v.node.name];
    if (v.node.uid) extra[NODE_UID_EXTRA] = [v.node.uid];
  }
  v.user = userOf(namespace, v.serviceAccount, extra);
  return v;
}

/** A legacy token's claims (all four required, as Kubernetes' legacy validator). */
function legacyOf(p: Record<string, unknown>): Verified | string {
  const namespace = str(p['kubernetes.io/serviceaccount/namespace']);
  const secretName = str(p['kubernetes.io/serviceaccount/secret.name']);
  const name = str(p['kubernetes.io/serviceaccount/service-account.name']);
  const uid = str(p['kubernetes.io/serviceaccount/service-account.uid']);
  if (!namespace) return 'namespace claim is missing';
  if (!secretName) return 'secretName claim is missing';
  if (!name) return 'serviceAccountName claim is missing';
  if (!uid) return 'serviceAccountUID claim is missing';
  return {
    legacy: true,
    namespace,
    serviceAccount: { name, uid },
    aud: [],
    secret: { name: secretName },
    user: userOf(namespace, { name, uid }, {}),
  };
}

function userOf(namespace: string, sa: { name: string; uid: string }, extra: Record<string, string[]>): UserInfo {
  const user: UserInfo = {
    name: serviceAccountUsername(namespace, sa.name),
    uid: sa.uid,
    groups: serviceAccountGroups(namespace),
  };
  if (Object.keys(extra).length > 0) user.extra = extra;
  return user;
}
