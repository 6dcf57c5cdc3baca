/**
 * POST serviceaccounts/<name>/token: authentication.k8s.io/v1 TokenRequest, as Kubernetes'
 * TokenREST (pkg/registry/core/serviceaccount/storage/token.go). Nothing is stored: the reply is
 * the request with its defaults filled in and status.token, a JWT bound to the ServiceAccount
 * (and to a Pod, Secret or Node when spec.boundObjectRef names one).
 *
 *   body ─► decode (JSON, YAML, protobuf) ─► defaults, validation ─► ServiceAccount, bound object
 *        ─► claims ─► sign ─► wait for the watch cache to hold what the token names ─► 201
 */
import { randomUUID } from 'node:crypto';
import type { TokenRequest } from 'kubernetes-types/authentication/v1.js';
import { type ApiError, errors, fieldErrors, type FieldError } from '../../api/errors.js';
import type { KubeObject } from '../../api/object.js';
import {
  boundTokenClaims,
  type ClaimRef,
  DEFAULT_TOKEN_EXPIRATION_SECONDS,
  MAX_TOKEN_EXPIRATION_SECONDS,
  MIN_TOKEN_EXPIRATION_SECONDS,
} from '../../api/serviceaccount/token-claims.js';
import { signJwt } from '../../machinery/serviceaccount-token/jwt.js';
import { isPlainObject, mediaType, parseDocument } from '../body.js';
import type { RestContext } from '../rest/rest-context.js';
import { anonymousRequest } from '../admission/plugin.js';
import type { UserInfo } from '../user-info.js';
import { storageKey } from '../rest/storage-key.js';
import { findResourceType } from '../../api/resource-types.js';
import type { ResourceType } from '../../api/resource-type.js';
import type { ServiceAccountTokenConfig } from './token-config.js';

const GROUP = 'authentication.k8s.io';
const KIND = 'TokenRequest';

/**
 * Kubernetes' extended expiration of pod-bound tokens: a kubelet asking for exactly this many
 * seconds with the API audiences gets a token valid for a year that only warns after the hour
 * (`--service-account-extend-token-expiration`, on by default).
 */
export const WARN_ONLY_BOUND_TOKEN_EXPIRATION_SECONDS = 3607;
const EXTENDED_EXPIRATION_SECONDS = 365 * 24 * 3600;

export interface TokenRequestInput {
  namespace: string;
  /** The ServiceAccount's name (from the path). */
  name: string;
  body: Buffer;
  contentType: string | undefined;
  /** The caller, for admission (NodeRestriction lets a node ask only for tokens bound to its pods). */
  user?: UserInfo;
}

/** A stored object as read for the request: its object and the revision the cache must reach. */
interface Read {
  obj: KubeObject;
  revision: number;
}

/**
 * Issues one token. Throws ApiErrors worded as kube-apiserver's: 404 for a missing ServiceAccount
 * or bound object, 400 for an unsupported bound kind or a pod of another ServiceAccount, 409 for a
 * bound uid that differs, 422 for an invalid expiration or a name/namespace that does not match.
 */
export async function createServiceAccountToken(
  ctx: RestContext,
  config: ServiceAccountTokenConfig,
  input: TokenRequestInput,
): Promise<TokenRequest> {
  const { namespace, name } = input;
  const req = await decodeTokenRequest(input.body, input.contentType);
  const meta = (req.metadata ?? {}) as { name?: string; namespace?: string };
  if (meta.name && meta.name !== name)
    throw invalid(name, [
      fieldErrors.invalid('metadata.name', meta.name, 'must match the service account name if specified'),
    ]);
  if (meta.namespace && meta.namespace !== namespace)
    throw invalid(name, [
      fieldErrors.invalid(
        'metadata.namespace',
        meta.namespace,
        'must match the service account namespace if specified',
      ),
    ]);

  const sa = await read(ctx, coreKey('serviceaccounts', namespace, name));
  if (!sa) throw errors.notFound('serviceaccounts', name);
  const saType = findResourceType('', 'v1', 'serviceaccounts');
  if (saType)
    await ctx.admission.admit('create', saType, req as unknown as KubeObject, sa.obj, {
      ...anonymousRequest(),
      user: input.user,
      subresource: 'token',
      namespace,
      name,
    });

  const spec = req.spec ?? { audiences: [] };
  const audiences = (spec.audiences ?? []).length > 0 ? [...(spec.audiences ?? [])] : [...config.apiAudiences];
  const expirationSeconds = spec.expirationSeconds ?? DEFAULT_TOKEN_EXPIRATION_SECONDS;
  const now = ctx.now();
  const causes: FieldError[] = [];
  if (!Number.isInteger(expirationSeconds) || expirationSeconds < MIN_TOKEN_EXPIRATION_SECONDS)
    causes.push(
      fieldErrors.invalid(
        'spec.expirationSeconds',
        expirationSeconds,
        'may not specify a duration less than 10 minutes',
      ),
    );
  if (expirationSeconds > MAX_TOKEN_EXPIRATION_SECONDS)
    causes.push(
      fieldErrors.invalid(
        'spec.expirationSeconds',
        expirationSeconds,
        'may not specify a duration larger than 2^32 seconds',
      ),
    );
  if (causes.length > 0) throw invalid('', causes);

  const bound: { pod?: Required<ClaimRef>; secret?: Required<ClaimRef>; node?: ClaimRef } = {};
  const reads: Read[] = [sa];
  const ref = spec.boundObjectRef;
  if (ref) {
    const group = groupOf(ref.apiVersion ?? '');
    const refName = ref.name ?? '';
    let found: Read | undefined;
    if (group === '' && ref.kind === 'Pod') {
      found = await read(ctx, coreKey('pods', namespace, refName));
      if (!found) throw errors.notFound('pods', refName);
      const pod = found.obj as KubeObject & { spec?: { serviceAccountName?: string; nodeName?: string } };
      if ((pod.spec?.serviceAccountName ?? 'default') !== name)
        throw errors.badRequest(
          `cannot bind token for serviceaccount "${name}" to pod running with different serviceaccount name.`,
        );
      bound.pod = { name: refName, uid: pod.metadata.uid ?? '' };
      const nodeName = pod.spec?.nodeName;
      if (nodeName) {
        // A node that does not exist (yet) still goes in by name, without a uid (as Kubernetes does).
        const node = ctx.cache.get(coreKey('nodes', '', nodeName));
        bound.node = { name: nodeName, uid: node ? (node.object().metadata.uid ?? undefined) : undefined };
      }
    } else if (group === '' && ref.kind === 'Secret') {
      found = await read(ctx, coreKey('secrets', namespace, refName));
      if (!found) throw errors.notFound('secrets', refName);
      bound.secret = { name: refName, uid: found.obj.metadata.uid ?? '' };
    } else if (group === '' && ref.kind === 'Node') {
      found = await read(ctx, coreKey('nodes', '', refName));
      if (!found) throw errors.notFound('nodes', refName);
      bound.node = { name: refName, uid: found.obj.metadata.uid ?? '' };
    } else {
      throw errors.badRequest(`cannot bind token to object of type ${gvkString(ref.apiVersion ?? '', ref.kind ?? '')}`);
    }
    if (ref.uid && ref.uid !== found.obj.metadata.uid)
      throw errors.conflict(
        ref.kind ?? '',
        refName,
        `the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`,
      );
    reads.push(found);
  }

  // The kubelet's projected volume asks for 3607 s: it gets a year, warned about after the hour.
  let lifetime = expirationSeconds;
  let warnAfterSeconds: number | undefined;
  if (
    bound.pod &&
    expirationSeconds === WARN_ONLY_BOUND_TOKEN_EXPIRATION_SECONDS &&
    audiences.every((a) => config.apiAudiences.includes(a))
  ) {
    warnAfterSeconds = expirationSeconds;
    lifetime = EXTENDED_EXPIRATION_SECONDS;
  }
  const key = await config.loadKey();
  const claims = boundTokenClaims({
    issuer: config.issuer,
    namespace,
    serviceAccount: { name, uid: sa.obj.metadata.uid ?? '' },
    audiences,
    expirationSeconds: lifetime,
    warnAfterSeconds,
    ...bound,
    now,
    jti: randomUUID(),
  });
  const token = await signJwt(key, claims);
  // Requests with this token are checked against the watch cache: let it see what the token names.
  await ctx.cache.waitFor(Math.max(...reads.map((r) => r.revision)));
  return {
    apiVersion: `${GROUP}/v1`,
    kind: KIND,
    metadata: { ...(req.metadata ?? {}), name, namespace, creationTimestamp: timestamp(now) },
    spec: specOut(spec, audiences, expirationSeconds),
    status: { token, expirationTimestamp: timestamp(new Date(now.getTime() + expirationSeconds * 1000)) },
  };
}

/** The spec as Kubernetes answers it: defaults filled, a null boundObjectRef left out (omitempty). */
function specOut(spec: TokenRequest['spec'], audiences: string[], expirationSeconds: number): TokenRequest['spec'] {
  const { boundObjectRef, ...rest } = spec;
  return boundObjectRef
    ? { ...rest, audiences, expirationSeconds, boundObjectRef }
    : { ...rest, audiences, expirationSeconds };
}

async function read(ctx: RestContext, key: string): Promise<Read | undefined> {
  const stored = await ctx.store.get(key);
  if (!stored) return undefined;
  return { obj: JSON.parse(Buffer.from(stored.value).toString('utf8')) as KubeObject, revision: stored.modRevision };
}

const coreTypes = new Map<string, ResourceType>();

/** The store key of a core/v1 object (the resource type looked up once per plural: asked per request). */
export function coreKey(plural: string, namespace: string, name: string): string {
  let rt = coreTypes.get(plural);
  if (!rt) {
    rt = findResourceType('', 'v1', plural);
    if (!rt) throw errors.internal(`core/v1 ${plural} is not served`);
    coreTypes.set(plural, rt);
  }
  return storageKey(rt, namespace, name);
}

function timestamp(d: Date): string {
  return `${d.toISOString().slice(0, 19)}Z`;
}

function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/** schema.GroupVersionKind's String(): `/v1, Kind=ConfigMap`, `apps/v1, Kind=Deployment`. */
function gvkString(apiVersion: string, kind: string): string {
  const slash = apiVersion.indexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
  return `${group}/${version}, Kind=${kind}`;
}

function invalid(name: string, causes: FieldError[]): ApiError {
  return errors.invalid(KIND, name, causes, GROUP);
}

/** The TokenRequest of a request body: JSON, YAML or Kubernetes protobuf (client-go may send either). */
async function decodeTokenRequest(body: Buffer, contentType: string | undefined): Promise<TokenRequest> {
  if (body.length === 0) return { spec: { audiences: [] } };
  const type = mediaType(contentType);
  let doc: unknown;
  if (type === 'application/vnd.kubernetes.protobuf') {
    doc = (await import('../../api/protobuf/index.js')).decodeProtobufObject(body);
  } else if (type === '' || type === 'application/json' || type === 'application/yaml') {
    doc = await parseDocument(body, type === 'application/yaml' ? 'yaml' : 'json');
  } else {
    throw errors.unsupportedMediaType(contentType ?? '');
  }
  if (!isPlainObject(doc)) throw errors.badRequest('the body of a TokenRequest must be an object');
  if (doc.spec !== undefined && doc.spec !== null && !isPlainObject(doc.spec))
    throw errors.badRequest('TokenRequest.spec must be an object');
  const spec = (doc.spec ?? {}) as Record<string, unknown>;
  if (spec.audiences !== undefined && spec.audiences !== null) {
    if (!Array.isArray(spec.audiences) || !spec.audiences.every((a) => typeof a === 'string'))
      throw errors.badRequest('TokenRequest.spec.audiences must be a list of strings');
  }
  if (spec.expirationSeconds !== undefined && spec.expirationSeconds !== null) {
    if (typeof spec.expirationSeconds !== 'number')
      throw errors.badRequest('TokenRequest.spec.expirationSeconds must be an integer');
  } else delete spec.expirationSeconds;
  if (spec.boundObjectRef !== undefined && spec.boundObjectRef !== null && !isPlainObject(spec.boundObjectRef))
    throw errors.badRequest('TokenRequest.spec.boundObjectRef must be an object');
  return { ...doc, spec: spec as unknown as TokenRequest['spec'] } as TokenRequest;
}
