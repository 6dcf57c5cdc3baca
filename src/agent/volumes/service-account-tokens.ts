import type { Pod, ServiceAccountTokenProjection } from 'kubernetes-types/core/v1.js';
import type { TokenRequest } from 'kubernetes-types/authentication/v1.js';
import type { KubeObject } from '../../api/object.js';
import type { KubeClient } from '../../machinery/client/kube-client.js';

/** Asks the API for a token: POST serviceaccounts/<name>/token with the request; resolves with the answered TokenRequest. */
export type RequestToken = (namespace: string, serviceAccount: string, request: TokenRequest) => Promise<TokenRequest>;

/** A token is refreshed once this old whatever its lifetime (the kubelet's maxTTL). */
const MAX_TOKEN_AGE_MS = 24 * 3600_000;
/** After a failed renewal (the old token still valid), the next try waits this long. */
const RENEWAL_RETRY_MS = 10_000;
/** Refreshes start up to this much early, at random, so that a node's pods do not ask all at once (the kubelet's maxJitter). */
const MAX_JITTER_MS = 10_000;

export interface ServiceAccountTokensOptions {
  request: RequestToken;
  /** Clock in ms since the epoch (tests). */
  now?: () => number;
  /** A value in [0, 1) for the jitter (tests pass 0). */
  random?: () => number;
}

/** One cached token with the times that decide its refresh (ms since the epoch). */
interface CachedToken {
  token: string;
  podUid: string;
  issuedAt: number;
  expiresAt: number;
  /** After a failed renewal: no new try before this time. */
  retryAt?: number;
}

/**
 * The kubelet's token manager for projected serviceAccountToken volumes: tokens come from the
 * TokenRequest API, bound to the pod, and are cached per pod, ServiceAccount, audience and
 * lifetime. A cached token is refreshed when 80 % of its life has passed or it is older than 24 h
 * (less a random jitter of up to 10 s); when a refresh fails, the old token is kept while it is
 * still valid.
 *
 *   get(pod, projection) --cached and fresh--> token
 *                        --else--> POST serviceaccounts/<sa>/token {audiences, expirationSeconds,
 *                                  boundObjectRef: the pod} --> cached --> token
 */
export class ServiceAccountTokens {
  private readonly tokens = new Map<string, CachedToken>();
  private readonly now: () => number;
  private readonly random: () => number;

  constructor(private readonly o: ServiceAccountTokensOptions) {
    this.now = o.now ?? Date.now;
    this.random = o.random ?? Math.random;
  }

  /**
   * The token for one projection of the pod. Throws `failed to fetch token: ...` (the kubelet's
   * text) when none can be had, and when the cached one has expired and cannot be refreshed.
   */
  async get(pod: Pod, projection: ServiceAccountTokenProjection): Promise<string> {
    const namespace = pod.metadata?.namespace ?? '';
    const serviceAccount = pod.spec?.serviceAccountName || 'default';
    const podUid = pod.metadata?.uid ?? '';
    const audiences = projection.audience ? [projection.audience] : [];
    const expirationSeconds = projection.expirationSeconds ?? 3600;
    const key = JSON.stringify([namespace, serviceAccount, podUid, audiences, expirationSeconds]);
    const cached = this.tokens.get(key);
    if (cached && this.now() < this.dueAt(cached) - this.random() * MAX_JITTER_MS) return cached.token;
    let answer: TokenRequest;
    try {
      answer = await this.o.request(namespace, serviceAccount, {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        spec: {
          audiences,
          expirationSeconds,
          boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: pod.metadata?.name ?? '', uid: podUid },
        },
      });
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      if (!cached) throw new Error(`failed to fetch token: ${reason}`);
      if (this.now() >= cached.expiresAt) throw new Error(`token expired and refresh failed: ${reason}`);
      cached.retryAt = this.now() + RENEWAL_RETRY_MS;
      return cached.token; // still valid: a sync after retryAt tries again
    }
    const token = answer.status?.token;
    const expiresAt = Date.parse(answer.status?.expirationTimestamp ?? '');
    if (!token || Number.isNaN(expiresAt))
      throw new Error('failed to fetch token: the TokenRequest answer has no token');
    const lifetimeMs = (answer.spec?.expirationSeconds ?? expirationSeconds) * 1000;
    this.tokens.set(key, { token, podUid, issuedAt: expiresAt - lifetimeMs, expiresAt });
    return token;
  }

  /** Ms until the first of the pod's cached tokens is due for refresh (0 when overdue); undefined when it has none. */
  refreshDueInMs(podUid: string): number | undefined {
    let due: number | undefined;
    for (const t of this.tokens.values()) {
      if (t.podUid !== podUid) continue;
      const at = this.dueAt(t);
      due = due === undefined ? at : Math.min(due, at);
    }
    return due === undefined ? undefined : Math.max(0, due - this.now());
  }

  /** Drops the pod's tokens (the pod is gone from the node). Idempotent. */
  forget(podUid: string): void {
    for (const [k, t] of this.tokens) if (t.podUid === podUid) this.tokens.delete(k);
  }

  /**
   * When a token needs a new one: at 80 % of its life, or 24 h after it was issued, whichever is
   * first; after a failed renewal not before its retry time (but at expiry at the latest).
   */
  private dueAt(t: CachedToken): number {
    const refresh = Math.min(t.expiresAt - (t.expiresAt - t.issuedAt) * 0.2, t.issuedAt + MAX_TOKEN_AGE_MS);
    return t.retryAt === undefined ? refresh : Math.min(Math.max(refresh, t.retryAt), t.expiresAt);
  }
}

/** RequestToken over the API client: POST /api/v1/namespaces/<ns>/serviceaccounts/<name>/token. */
export function clientTokenRequester(client: KubeClient): RequestToken {
  return async (namespace, serviceAccount, request) => {
    const oneServiceAccount = {
      group: '',
      version: 'v1',
      plural: `serviceaccounts/${encodeURIComponent(serviceAccount)}`,
      namespaced: true,
    };
    const body = { ...request, metadata: {} } as KubeObject;
    const answer: unknown = await client.create(oneServiceAccount, namespace, body, { subresource: 'token' });
    return answer as TokenRequest;
  };
}
