import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { TLSSocket } from 'node:tls';
import { joinTokenSecret } from './cluster-tokens.js';
import type { TokenAuthentication } from './token-authentication.js';
import { ALL_UNAUTHENTICATED, ANONYMOUS } from '../../api/rbac/users.js';
import { AUTHENTICATED_GROUP, type UserInfo } from './user-info.js';

export interface AuthenticatorOptions {
  /** Bearer token of user `admin` in group system:masters. */
  adminToken: string;
  /** Cluster join token (full `K10...::server:<secret>` form; agents may send either it or the secret). */
  joinToken: string;
  /**
   * Whether the join token may name a node with `X-Flotilla-Node-Name` (default true). The server
   * turns it off with the Node authorizer: a node identity must then come from a node certificate,
   * or any holder of the join token could act as any node and read what its pods use.
   */
  joinTokenNodeNames?: boolean;
  /** Further bearer tokens; undefined = not this token. */
  lookupToken?: (token: string) => UserInfo | undefined;
  /**
   * ServiceAccount JWTs for `audiences` (undefined: the API's own). Asked on every request that
   * carries one (tokens can be revoked), so it must be cheap.
   */
  serviceAccountTokens?: (token: string, audiences?: readonly string[]) => TokenAuthentication;
  /**
   * The API's audiences (`--api-audiences`). The cluster tokens know no audience: as Kubernetes
   * wraps such authenticators, they are valid only for a review asking for one of these (or none).
   */
  apiAudiences?: readonly string[];
  /**
   * Kubernetes' `--anonymous-auth`: a request that presents no credentials at all (no bearer
   * token, no client certificate) is user `system:anonymous` in group `system:unauthenticated`,
   * left to authorization. Credentials that do not authenticate stay unauthenticated (401), never
   * anonymous. Default false.
   */
  anonymous?: boolean;
}

export interface Authenticator {
  /**
   * The user a request authenticates as, or undefined (the caller answers 401). Tries, like
   * Kubernetes' union authenticator, a client certificate the TLS layer verified against the
   * cluster CA (CN → name, O → groups), then the bearer token; with `anonymous` on, a request
   * with neither is the anonymous user (see isAnonymous). Pure and synchronous.
   */
  authenticate(req: IncomingMessage): UserInfo | undefined;
  /**
   * One bearer token on its own, for TokenReview: the cluster tokens (the join token without a
   * node name is the bootstrapper), ServiceAccount JWTs, then lookupToken. `audiences` undefined
   * means the API's own; the answer says which of them the token is valid for.
   */
  authenticateToken(token: string, audiences?: readonly string[]): TokenAuthentication;
}

/** Header an agent sets beside the join token to name its node (user `system:node:<name>`). */
export const NODE_NAME_HEADER = 'x-flotilla-node-name';

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function digestOf(secret: string): Buffer {
  return createHash('sha256').update(secret).digest();
}

/** Compares a presented secret's digest with a known one in constant time (digests, so lengths may differ). */
function sameDigest(presented: Buffer, known: Buffer): boolean {
  return timingSafeEqual(presented, known);
}

/** The user of a request without credentials when anonymous authentication is on (Kubernetes' anonymous authenticator). */
export function anonymousUser(): UserInfo {
  return { name: ANONYMOUS, groups: [ALL_UNAUTHENTICATED] };
}

/** True for the anonymous user: it holds no credential (a dashboard login, for one, must not start from it). */
export function isAnonymous(user: { name: string; groups: readonly string[] }): boolean {
  return user.name === ANONYMOUS && user.groups.includes(ALL_UNAUTHENTICATED);
}

/**
 * Whether the request came over TLS with a client certificate. Asked only once the certificate
 * did not authenticate (the CA did not verify it, or it names nobody): as Kubernetes' x509
 * authenticator, a bad certificate is a failed login, not the absence of one.
 */
function presentedCertificate(req: IncomingMessage): boolean {
  const socket = req.socket;
  if (!(socket instanceof TLSSocket)) return false;
  return Object.keys(socket.getPeerCertificate() ?? {}).length > 0;
}

function withAuthenticated(groups: string[]): string[] {
  return groups.includes(AUTHENTICATED_GROUP) ? groups : [...groups, AUTHENTICATED_GROUP];
}

/** Builds the authenticator of one server from its tokens. The TLS server must request (and verify against the CA) client certificates for certificate authentication to apply. */
export function createAuthenticator(options: AuthenticatorOptions): Authenticator {
  const joinSecret = joinTokenSecret(options.joinToken);
  // The known secrets are hashed once; each request hashes only the token it presents.
  const adminDigest = digestOf(options.adminToken);
  const joinDigest = digestOf(options.joinToken);
  const joinSecretDigest = joinSecret === undefined ? undefined : digestOf(joinSecret);

  function fromCertificate(req: IncomingMessage): UserInfo | undefined {
    const socket = req.socket;
    if (!(socket instanceof TLSSocket) || !socket.authorized) return undefined;
    const subject = socket.getPeerCertificate().subject as Record<string, string | string[] | undefined> | undefined;
    const cn = subject?.CN;
    const name = Array.isArray(cn) ? cn[0] : cn;
    if (!name) return undefined;
    const o = subject?.O;
    const groups = o === undefined ? [] : Array.isArray(o) ? o : [o];
    return { name, groups: withAuthenticated(groups) };
  }

  function bearerToken(req: IncomingMessage): string | undefined {
    const header = req.headers.authorization;
    if (!header) return undefined;
    return /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1] || undefined;
  }

  /** The admin token or the join token; undefined for any other token. */
  function fromClusterToken(token: string, node: unknown): UserInfo | undefined {
    const presented = digestOf(token);
    if (sameDigest(presented, adminDigest)) return { name: 'admin', groups: ['system:masters', AUTHENTICATED_GROUP] };
    if (
      sameDigest(presented, joinDigest) ||
      (joinSecretDigest !== undefined && sameDigest(presented, joinSecretDigest))
    ) {
      const named = options.joinTokenNodeNames === false ? undefined : node;
      const nodeName =
        typeof named === 'string' && named.length <= 253 && DNS_SUBDOMAIN.test(named) ? named : undefined;
      return nodeName
        ? { name: `system:node:${nodeName}`, groups: ['system:nodes', AUTHENTICATED_GROUP] }
        : { name: 'system:node-bootstrapper', groups: ['system:bootstrappers', 'system:nodes', AUTHENTICATED_GROUP] };
    }
    return undefined;
  }

  function fromLookup(token: string): UserInfo | undefined {
    const sa = options.serviceAccountTokens?.(token);
    const found = sa?.kind === 'user' ? sa.user : sa?.kind === 'invalid' ? undefined : options.lookupToken?.(token);
    return found ? { ...found, groups: withAuthenticated(found.groups) } : undefined;
  }

  const apiAudiences = options.apiAudiences ?? [];
  /** The API audiences a review asked for, or undefined when it asked only for others. */
  function apiAudiencesOf(requested: readonly string[] | undefined): string[] | undefined {
    if (requested === undefined || requested.length === 0) return [...apiAudiences];
    const both = requested.filter((a) => apiAudiences.includes(a));
    return both.length > 0 || apiAudiences.length === 0 ? both : undefined;
  }

  // A keep-alive connection sends the same credentials request after request: the last answer of
  // the certificate and the cluster tokens (fixed for the server's life) is kept per socket and
  // reused while the headers are the same strings. Both strings came from that connection, so
  // comparing them reveals nothing about a secret; a new credential still goes through the
  // constant-time digest comparison. Looked-up tokens can be revoked: asked every time.
  const lastAnswer = new WeakMap<object, { credentials: string; user: UserInfo }>();

  return {
    authenticate(req) {
      const node = req.headers[NODE_NAME_HEADER];
      const credentials = `${req.headers.authorization ?? ''}\u0000${typeof node === 'string' ? node : ''}`;
      const last = lastAnswer.get(req.socket);
      if (last && last.credentials === credentials) return last.user;
      const token = bearerToken(req);
      const fixed =
        fromCertificate(req) ??
        (token === undefined ? undefined : fromClusterToken(token, req.headers[NODE_NAME_HEADER]));
      if (fixed) {
        lastAnswer.set(req.socket, { credentials, user: fixed });
        return fixed;
      }
      if (token !== undefined) return fromLookup(token);
      // Only a request with no credentials at all is anonymous: an Authorization header that is not
      // a bearer token counts as none (as Kubernetes' bearer token authenticator), a bad
      // certificate does not.
      return options.anonymous && !presentedCertificate(req) ? anonymousUser() : undefined;
    },
    authenticateToken(token, audiences) {
      const requested = audiences && audiences.length > 0 ? audiences : undefined;
      const sa = options.serviceAccountTokens?.(token, requested);
      if (sa && sa.kind !== 'unknown')
        return sa.kind === 'user' ? { ...sa, user: { ...sa.user, groups: withAuthenticated(sa.user.groups) } } : sa;
      const auds = apiAudiencesOf(requested);
      if (auds === undefined) return { kind: 'unknown' };
      const user = fromClusterToken(token, undefined) ?? fromLookup(token);
      return user ? { kind: 'user', user, audiences: auds } : { kind: 'unknown' };
    },
  };
}
