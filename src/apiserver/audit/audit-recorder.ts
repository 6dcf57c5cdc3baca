import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { attributesFromRequest } from '../authz/attributes.js';
import { onBodyRead } from '../body.js';
import type { RequestInfo } from '../request-info.js';
import type { UserInfo } from '../user-info.js';
import type { AuditDecision, AuditPolicy, AuditStage } from './audit-policy.js';

/** Where events go: one JSON line each. */
export interface AuditSink {
  write(line: string): void;
}

/** Bodies larger than this are left out of the event (as a truncated object would mislead). */
const MAX_CAPTURED_BYTES = 1024 * 1024;

const annotationsOf = new WeakMap<IncomingMessage, Record<string, string>>();

/** Adds an annotation to the audit event of `req` (admission plugins record their findings this way). */
export function addAuditAnnotation(req: IncomingMessage, key: string, value: string): void {
  let a = annotationsOf.get(req);
  if (!a) annotationsOf.set(req, (a = {}));
  a[key] ??= value;
}

interface AuditUser {
  username: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

/**
 * Kubernetes' audit filter: after authentication and authorization, the policy decides a request's
 * level; an audited request gets an Audit-ID header and events at its stages (RequestReceived,
 * ResponseStarted for watches, ResponseComplete), with the request and response objects at the
 * Request and RequestResponse levels. Requests the policy leaves at None cost one rule walk.
 */
export class AuditRecorder {
  constructor(
    private readonly policy: AuditPolicy,
    private readonly sink: AuditSink,
  ) {}

  /**
   * Starts the record of one request. `user` is who it runs as (after impersonation; undefined
   * when authorization refused it), `authenticated` who authenticated.
   */
  begin(
    req: IncomingMessage,
    res: ServerResponse,
    info: RequestInfo,
    authenticated: UserInfo,
    user: UserInfo | undefined,
  ): void {
    const attrs = attributesFromRequest(
      { name: authenticated.name, groups: authenticated.groups },
      req.method ?? 'GET',
      info,
    );
    const decision = this.policy.decide({
      user: authenticated.name,
      groups: authenticated.groups,
      verb: attrs.verb,
      resourceRequest: attrs.resourceRequest,
      ...(attrs.resourceRequest
        ? {
            apiGroup: attrs.apiGroup,
            resource: attrs.resource,
            subresource: attrs.subresource,
            namespace: attrs.namespace,
            name: attrs.name,
          }
        : { path: attrs.path }),
    });
    if (decision.level === 'None') return;
    const headerId = req.headers['audit-id'];
    const auditID = typeof headerId === 'string' && headerId !== '' ? headerId : randomUUID();
    res.setHeader('Audit-Id', auditID);
    const received = timestamp();
    const base: Record<string, unknown> = {
      kind: 'Event',
      apiVersion: 'audit.k8s.io/v1',
      level: decision.level,
      auditID,
      requestURI: req.url,
      verb: attrs.verb,
      user: auditUser(authenticated),
      ...impersonated(req, authenticated, user),
      sourceIPs: sourceIps(req),
      ...(req.headers['user-agent'] ? { userAgent: req.headers['user-agent'] } : {}),
      ...(info.isResource ? { objectRef: objectRef(info) } : {}),
      requestReceivedTimestamp: received,
    };
    const emit = (stage: AuditStage, extra: Record<string, unknown> = {}) => {
      if (decision.omitStages.has(stage)) return;
      this.sink.write(`${JSON.stringify({ ...base, stage, ...extra, stageTimestamp: timestamp() })}\n`);
    };
    emit('RequestReceived');

    let requestBody: Buffer | undefined;
    // A create's name is in its body: read it at every level for objectRef.name, as Kubernetes fills it.
    const wantsBody = decision.level !== 'Metadata' || attrs.verb === 'create';
    if (wantsBody) onBodyRead(req, (body) => (requestBody = body));
    const captured = captureResponse(res, decision, attrs.verb === 'watch', () => {
      if (attrs.verb === 'watch') emit('ResponseStarted', { responseStatus: { metadata: {}, code: res.statusCode } });
    });
    let done = false;
    const complete = async () => {
      if (done) return;
      done = true;
      const annotations: Record<string, string> = {
        'authorization.k8s.io/decision': user ? 'allow' : 'forbid',
        'authorization.k8s.io/reason': '',
        ...annotationsOf.get(req),
      };
      const response = captured.body();
      const status = res.statusCode >= 400 ? statusFields(response) : {};
      const objects: Record<string, unknown> = {};
      const requestObject = requestBody && (await bodyObject(requestBody, req.headers['content-type'], decision));
      if (requestObject !== undefined) {
        if (decision.level !== 'Metadata') objects.requestObject = requestObject;
        fillNameFromObject(base, requestObject);
      }
      if (decision.level === 'RequestResponse' && response) {
        const responseObject = await bodyObject(response, String(res.getHeader('content-type') ?? ''), decision);
        if (responseObject !== undefined) objects.responseObject = responseObject;
      }
      emit('ResponseComplete', {
        responseStatus: { metadata: {}, ...status, code: res.statusCode },
        ...objects,
        annotations,
      });
    };
    const completeOnce = () => void complete();
    res.once('finish', completeOnce);
    res.once('close', completeOnce);
  }
}

/** Wraps write/end of one response to keep its body (RequestResponse, or any error Status). */
function captureResponse(
  res: ServerResponse,
  decision: AuditDecision,
  streaming: boolean,
  onFirstWrite: () => void,
): { body(): Buffer | undefined } {
  const chunks: Buffer[] = [];
  let size = 0;
  let started = false;
  const keep = (chunk: unknown) => {
    if (!started) {
      started = true;
      onFirstWrite();
    }
    if (streaming || chunk === undefined || chunk === null || typeof chunk === 'function') return;
    if (decision.level !== 'RequestResponse' && res.statusCode < 400) return;
    const b = Buffer.isBuffer(chunk)
      ? chunk
      : typeof chunk === 'string'
        ? Buffer.from(chunk)
        : Buffer.from(chunk as Uint8Array);
    size += b.length;
    if (size <= MAX_CAPTURED_BYTES) chunks.push(b);
  };
  const write = res.write.bind(res);
  const end = res.end.bind(res);
  res.write = ((chunk: unknown, ...rest: unknown[]) => {
    keep(chunk);
    return (write as (...a: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof res.write;
  res.end = ((chunk?: unknown, ...rest: unknown[]) => {
    keep(chunk);
    return (end as (...a: unknown[]) => ServerResponse)(chunk, ...rest);
  }) as typeof res.end;
  return { body: () => (size === 0 || size > MAX_CAPTURED_BYTES ? undefined : Buffer.concat(chunks)) };
}

type ProtobufCodec = typeof import('../../api/protobuf/index.js');
let protobufCodec: Promise<ProtobufCodec> | undefined;

const PROTOBUF = 'application/vnd.kubernetes.protobuf';

/** The object in a JSON or protobuf body (kubectl's generators send protobuf), as JSON; else undefined. */
async function bodyObject(body: Buffer, contentType: string | undefined, decision: AuditDecision): Promise<unknown> {
  if (body.length === 0 || body.length > MAX_CAPTURED_BYTES) return undefined;
  let obj: { metadata?: { managedFields?: unknown } };
  try {
    if (contentType?.startsWith(PROTOBUF))
      obj = (await (protobufCodec ??= import('../../api/protobuf/index.js'))).decodeProtobufObject(body);
    else if (!contentType || contentType.includes('json')) obj = JSON.parse(body.toString('utf8'));
    else return undefined;
  } catch {
    return undefined;
  }
  if (decision.omitManagedFields && obj?.metadata?.managedFields) delete obj.metadata.managedFields;
  return obj;
}

/** A create names its object in the body: the event's objectRef gets that name, as Kubernetes fills it. */
function fillNameFromObject(base: Record<string, unknown>, obj: unknown): void {
  const ref = base.objectRef as { name?: string } | undefined;
  const name = (obj as { metadata?: { name?: unknown } })?.metadata?.name;
  if (ref && !ref.name && typeof name === 'string') ref.name = name;
}

function statusFields(body: Buffer | undefined): Record<string, unknown> {
  if (!body) return {};
  try {
    const s = JSON.parse(body.toString('utf8')) as {
      kind?: string;
      status?: string;
      message?: string;
      reason?: string;
    };
    if (s.kind !== 'Status') return {};
    return { status: s.status, message: s.message, reason: s.reason };
  } catch {
    return {};
  }
}

function objectRef(info: Extract<RequestInfo, { isResource: true }>): Record<string, string> {
  const ref: Record<string, string> = { resource: info.resource };
  if (info.namespace) ref.namespace = info.namespace;
  if (info.name) ref.name = info.name;
  if (info.group) ref.apiGroup = info.group;
  ref.apiVersion = info.version;
  if (info.subresource) ref.subresource = info.subresource;
  return ref;
}

function auditUser(u: UserInfo): AuditUser {
  return {
    username: u.name,
    ...(u.uid ? { uid: u.uid } : {}),
    groups: u.groups,
    ...(u.extra && Object.keys(u.extra).length > 0 ? { extra: u.extra } : {}),
  };
}

/** The user a request asked to act as: the gate's answer, or (when it refused) the Impersonate-* headers. */
function impersonated(req: IncomingMessage, authenticated: UserInfo, user: UserInfo | undefined) {
  if (user) return user.name !== authenticated.name ? { impersonatedUser: auditUser(user) } : {};
  const name = req.headers['impersonate-user'];
  if (typeof name !== 'string') return {};
  const groups = req.headers['impersonate-group'];
  return { impersonatedUser: { username: name, groups: groups === undefined ? [] : [groups].flat() } };
}

function sourceIps(req: IncomingMessage): string[] {
  const forwarded = req.headers['x-forwarded-for'];
  const list =
    typeof forwarded === 'string'
      ? forwarded
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : [];
  const remote = req.socket.remoteAddress?.replace(/^::ffff:/, '');
  if (remote && !list.includes(remote)) list.push(remote);
  return list;
}

/** RFC 3339 with microseconds, as Kubernetes' MicroTime. */
function timestamp(): string {
  const ms = performance.timeOrigin + performance.now();
  const micros = String(Math.floor((ms * 1000) % 1000)).padStart(3, '0');
  return `${new Date(Math.floor(ms)).toISOString().slice(0, -1)}${micros}Z`;
}
