/**
 * The review APIs Kubernetes serves without storing anything: authorization.k8s.io/v1
 * SelfSubjectAccessReview (`kubectl auth can-i`), SelfSubjectRulesReview (`can-i --list`),
 * SubjectAccessReview, LocalSubjectAccessReview, and authentication.k8s.io SelfSubjectReview
 * (`kubectl auth whoami`; v1, and v1beta1 / v1alpha1 for kubectl 1.27) and TokenReview (a bearer token
 * authenticated for a set of audiences, what webhook token authenticators ask). Each is create-only: a
 * POST of the review answers 201 with the same object and its status filled in.
 *
 *   POST review ─► validate spec ─► attributesFromAccessReview ─► authorizer ─► status
 *                                 └─ rules review ─► rule resolver ─► status
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SubjectAccessReviewSpec } from 'kubernetes-types/authorization/v1.js';
import { ApiError, errors, type FieldError } from '../../api/errors.js';
import { handlerServedType, type ResourceType } from '../../api/resource-type.js';
import { REVIEW_KINDS } from '../../api/review-kinds.js';
import type { TokenAuthentication } from '../auth/token-authentication.js';
import type { UserInfo } from '../auth/user-info.js';
import {
  accessReviewStatus,
  attributesFromAccessReview,
  subjectRulesReviewStatus,
  userFromAccessReview,
} from '../authz/access-review.js';
import type { Authorizer, RuleResolver } from '../authz/authorizer.js';
import { isPlainObject, mediaType, parseDocument, readBody } from '../body.js';
import type { ResourceRequest } from '../request-info.js';
import { sendJson } from '../send.js';

export { AUTHENTICATION_GROUP, AUTHORIZATION_GROUP } from '../../api/review-kinds.js';

const reviewType = (group: string, version: string, kind: string, plural: string, namespaced: boolean) =>
  handlerServedType({
    group,
    version,
    kind,
    plural,
    namespaced,
    verbs: ['create'],
    storagePrefix: `/reviews/${group}/${plural}/`,
  });

/** What discovery advertises for the review APIs (as kube-apiserver: create only). */
export const REVIEW_RESOURCE_TYPES = REVIEW_KINDS.map((k) =>
  reviewType(k.group, k.version, k.kind, k.plural, k.namespaced),
);

export interface ReviewApiOptions {
  authorizer: Authorizer;
  ruleResolver: RuleResolver;
  /** Authenticates TokenReview's token for its audiences (undefined: the API's); without it no token authenticates. */
  authenticateToken?: (token: string, audiences?: readonly string[]) => TokenAuthentication;
}

type Review = Record<string, unknown> & { spec?: Record<string, unknown>; metadata?: Record<string, unknown> };

export class ReviewApi {
  constructor(private readonly o: ReviewApiOptions) {}

  /**
   * Serves one request of the two groups; `user` is the (already authorized) requester. Throws
   * ApiErrors (the caller writes them as Status): 404 for what is not served, 405 for any verb
   * but create, 400/422 for a malformed review.
   */
  async serve(info: ResourceRequest, req: IncomingMessage, res: ServerResponse, user: UserInfo): Promise<void> {
    const rt = REVIEW_RESOURCE_TYPES.find(
      (t) => t.group === info.group && t.version === info.version && t.plural === info.resource,
    );
    if (!rt || info.subresource !== '' || (!rt.namespaced && info.namespace !== ''))
      throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
    if (info.verb !== 'create' || info.name !== '')
      throw errors.methodNotAllowed(`${info.verb} is not supported on ${rt.plural}.${rt.group}`);
    const review = await readReview(req, rt);
    const status = this.review(rt, review, info.namespace, user);
    const out = { ...review, apiVersion: `${rt.group}/${rt.version}`, kind: rt.kind, status };
    out.metadata = { creationTimestamp: null, ...(review.metadata ?? {}) };
    sendJson(res, 201, JSON.stringify(out));
  }

  private review(rt: ResourceType, review: Review, namespace: string, user: UserInfo): unknown {
    const spec = (review.spec ?? {}) as SubjectAccessReviewSpec & { namespace?: string };
    switch (rt.kind) {
      case 'SelfSubjectReview':
        return { userInfo: userInfoOf(user) };
      case 'TokenReview':
        return this.tokenReview(review.spec ?? {});
      case 'SelfSubjectRulesReview':
        if (!spec.namespace) throw errors.badRequest('no namespace on request');
        return subjectRulesReviewStatus(this.o.ruleResolver, user, spec.namespace);
      case 'SelfSubjectAccessReview':
        validateAttributes(rt, spec);
        return this.decide(user, spec);
      case 'SubjectAccessReview':
        validateAttributes(rt, spec);
        if (!spec.user && (spec.groups ?? []).length === 0)
          throw invalid(rt, [
            {
              field: 'spec.user',
              reason: 'FieldValueRequired',
              message: 'Required value: at least one of user or group must be specified',
            },
          ]);
        return this.decide(userFromAccessReview(spec), spec);
      default: {
        // LocalSubjectAccessReview: the namespace of the path, and resource attributes only.
        validateAttributes(rt, spec);
        const causes: FieldError[] = [];
        if (spec.nonResourceAttributes)
          causes.push({
            field: 'spec.nonResourceAttributes',
            reason: 'FieldValueInvalid',
            message: 'Invalid value: "": disallowed on this kind of request',
          });
        if (spec.resourceAttributes && (spec.resourceAttributes.namespace ?? '') !== namespace)
          causes.push({
            field: 'spec.resourceAttributes.namespace',
            reason: 'FieldValueInvalid',
            message: `Invalid value: "${spec.resourceAttributes.namespace ?? ''}": must match metadata.namespace`,
          });
        if (!spec.user && (spec.groups ?? []).length === 0)
          causes.push({
            field: 'spec.user',
            reason: 'FieldValueRequired',
            message: 'Required value: at least one of user or group must be specified',
          });
        if (causes.length > 0) throw invalid(rt, causes);
        return this.decide(userFromAccessReview(spec), spec);
      }
    }
  }

  /** Kubernetes' TokenReview REST: the token authenticated for spec.audiences, or the API's audiences. */
  private tokenReview(spec: Record<string, unknown>): unknown {
    const token = spec.token;
    if (typeof token !== 'string' || token === '')
      throw errors.badRequest('token is required for TokenReview in authentication');
    const raw = spec.audiences;
    if (raw !== undefined && raw !== null && !(Array.isArray(raw) && raw.every((a) => typeof a === 'string')))
      throw errors.badRequest('TokenReview.spec.audiences must be a list of strings');
    const audiences = (raw ?? []) as string[];
    const answer = this.o.authenticateToken?.(token, audiences.length > 0 ? audiences : undefined) ?? {
      kind: 'unknown',
    };
    switch (answer.kind) {
      case 'user':
        return {
          authenticated: true,
          user: { extra: {}, ...userInfoOf(answer.user) },
          audiences: answer.audiences,
        };
      case 'invalid':
        // As kube-apiserver's bearer-token authenticator words a known token that failed.
        return { user: {}, error: `[invalid bearer token, ${answer.message}]` };
      default:
        return { user: {}, error: 'invalid bearer token' };
    }
  }

  private decide(user: UserInfo | ReturnType<typeof userFromAccessReview>, spec: SubjectAccessReviewSpec): unknown {
    const attributes = attributesFromAccessReview(user, spec);
    if (!attributes) throw errors.badRequest('no resourceAttributes or nonResourceAttributes');
    return accessReviewStatus(this.o.authorizer.authorize(attributes));
  }
}

/** authentication.k8s.io UserInfo of a user. */
function userInfoOf(user: UserInfo): Record<string, unknown> {
  const out: Record<string, unknown> = { username: user.name, groups: user.groups };
  if (user.uid) out.uid = user.uid;
  if (user.extra && Object.keys(user.extra).length > 0) out.extra = user.extra;
  return out;
}

/** Exactly one of resourceAttributes and nonResourceAttributes (Kubernetes' ValidateSubjectAccessReviewSpec). */
function validateAttributes(rt: ResourceType, spec: SubjectAccessReviewSpec): void {
  if (spec.resourceAttributes && spec.nonResourceAttributes)
    throw invalid(rt, [
      {
        field: 'spec.nonResourceAttributes',
        reason: 'FieldValueInvalid',
        message: 'Invalid value: "": cannot be specified in combination with resourceAttributes',
      },
    ]);
  if (!spec.resourceAttributes && !spec.nonResourceAttributes)
    throw invalid(rt, [
      {
        field: 'spec.resourceAttributes',
        reason: 'FieldValueRequired',
        message: 'Required value: exactly one of nonResourceAttributes or resourceAttributes must be specified',
      },
    ]);
}

function invalid(rt: ResourceType, causes: FieldError[]): ApiError {
  return errors.invalid(rt.kind, '', causes, rt.group);
}

async function readReview(req: IncomingMessage, rt: ResourceType): Promise<Review> {
  const type = mediaType(req.headers['content-type']);
  const body = await readBody(req);
  let doc: unknown;
  if (type === 'application/vnd.kubernetes.protobuf') {
    // kubectl sends its reviews as protobuf; the schemas load on first use.
    doc = (await import('../../api/protobuf/index.js')).decodeProtobufObject(body);
  } else if (type === '' || type === 'application/json' || type === 'application/yaml') {
    doc = await parseDocument(body, type === 'application/yaml' ? 'yaml' : 'json');
  } else {
    throw errors.unsupportedMediaType(req.headers['content-type'] ?? '');
  }
  if (!isPlainObject(doc)) throw errors.badRequest(`the body of a ${rt.kind} must be an object`);
  const spec = doc.spec;
  if (spec !== undefined && spec !== null && !isPlainObject(spec))
    throw errors.badRequest(`${rt.kind}.spec must be an object`);
  return doc as Review;
}
