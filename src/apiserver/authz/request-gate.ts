import type { IncomingMessage } from 'node:http';
import { ApiError } from '../../api/errors.js';
import type { UserInfo } from '../auth/user-info.js';
import type { RequestInfo } from '../request-info.js';
import { attributesFromRequest } from './attributes.js';
import type { Authorizer, AuthzUser, RuleResolver } from './authorizer.js';
import { forbiddenError } from './forbidden.js';
import { type ImpersonationRequest, impersonationPlan } from './impersonation.js';

/**
 * What the request path does between authentication and the handlers, as Kubernetes' filter
 * chain: impersonation (`Impersonate-*` headers, each asked of the authorizer with the
 * `impersonate` verb), then authorization of the request as the resulting user.
 *
 *   user ─► impersonate? ─► attributesFromRequest ─► authorizer ─► allow: the user to run as
 *                                                              └─► deny / no opinion: 403
 */
export class RequestGate {
  constructor(
    readonly authorizer: Authorizer,
    /** Answers SelfSubjectRulesReview. */
    readonly ruleResolver: RuleResolver,
  ) {}

  /**
   * The user the request runs as; throws the 403 ApiError (Kubernetes' text) when it may not,
   * a 400 for impersonation headers without a user. Synchronous, no I/O.
   */
  admit(req: IncomingMessage, info: RequestInfo, authenticated: UserInfo): UserInfo {
    const user = this.impersonate(req, authenticated);
    if (this.authorizer.allowsEverything) return user;
    const attributes = attributesFromRequest(user, req.method ?? 'GET', info);
    const result = this.authorizer.authorize(attributes);
    if (result.decision !== 'allow') throw forbiddenError(attributes, result.reason);
    // A WebSocket exec/attach/port-forward is a GET, yet it runs commands: Kubernetes (1.31+)
    // also asks for `create`, as the SPDY POST needs, so `get pods/exec` alone does not suffice.
    if (attributes.resourceRequest && attributes.verb === 'get' && isWebSocketStream(req, attributes)) {
      const create = { ...attributes, verb: 'create' };
      const r = this.authorizer.authorize(create);
      if (r.decision !== 'allow') throw forbiddenError(create, r.reason);
    }
    return user;
  }

  private impersonate(req: IncomingMessage, user: UserInfo): UserInfo {
    const asked = impersonationHeaders(req);
    if (!asked) return user;
    const plan = impersonationPlan(user as AuthzUser, asked);
    if (!plan) throw new ApiError(400, 'BadRequest', 'requested impersonation without impersonating a user');
    for (const check of plan.checks) {
      const r = this.authorizer.authorize(check);
      if (r.decision !== 'allow') throw forbiddenError(check, r.reason);
    }
    const out: UserInfo = { name: plan.user.name, groups: [...plan.user.groups] };
    if (plan.user.uid) out.uid = plan.user.uid;
    if (plan.user.extra) out.extra = plan.user.extra as Record<string, string[]>;
    return out;
  }
}

const EXTRA_PREFIX = 'impersonate-extra-';
const STREAMS = new Set(['exec', 'attach', 'portforward']);

function isWebSocketStream(req: IncomingMessage, a: { resource: string; subresource: string }): boolean {
  if (a.resource !== 'pods' || !STREAMS.has(a.subresource)) return false;
  return (req.headersDistinct?.upgrade ?? []).some((v) => v.toLowerCase() === 'websocket');
}

/** The Impersonate-* headers of a request, or undefined when it has none. */
export function impersonationHeaders(req: IncomingMessage): ImpersonationRequest | undefined {
  // Most requests have none: check the parsed headers before building the per-name arrays.
  if (!Object.keys(req.headers).some((name) => name.startsWith('impersonate-'))) return undefined;
  const h = req.headersDistinct;
  const user = h['impersonate-user']?.[0];
  const groups = h['impersonate-group'] ?? [];
  const uid = h['impersonate-uid']?.[0];
  const extra: Record<string, string[]> = {};
  for (const [name, values] of Object.entries(h)) {
    if (!name.startsWith(EXTRA_PREFIX) || !values) continue;
    let key = name.slice(EXTRA_PREFIX.length);
    try {
      key = decodeURIComponent(key);
    } catch {
      /* kept as sent */
    }
    extra[key.toLowerCase()] = [...values];
  }
  if (user === undefined && groups.length === 0 && uid === undefined && Object.keys(extra).length === 0)
    return undefined;
  const out: ImpersonationRequest = { user, groups };
  if (uid !== undefined) out.uid = uid;
  if (Object.keys(extra).length > 0) out.extra = extra;
  return out;
}
