import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KubeObject } from '../../api/object.js';
import { ApiError, errors } from '../../api/errors.js';
import type { ResourceType } from '../../api/resource-type.js';
import type { ResourceRequest } from '../request-info.js';
import type { ResourceCall, RestContext } from './rest-context.js';
import { readBody, mediaType, parseDocument } from '../body.js';
import { writeOptionsOf } from './write-options.js';
import { createFromBody } from './create-object.js';
import { deleteObject, parseDeleteOptions } from './delete-object.js';
import { listObjects, selectionOf, selects, type ListBody } from './list-objects.js';
import { toJson } from './storage-key.js';
import { includeObjectOf, tableJson, tableRowJson } from './table.js';
import { servedApiVersion } from './version-conversion.js';
import { getObject, patchObject, replaceObject, type Reply } from './object-verbs.js';
import { findSubresource } from './subresources.js';

const PATCH_TYPES = new Set([
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
  'application/apply-patch+yaml',
]);

/** Serves one non-watch resource request (CRUD, patch, and the object-like subresources). */
export async function serveResource(
  ctx: RestContext,
  call: ResourceCall,
  info: ResourceRequest,
  format: 'json' | 'table',
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const { rt } = call;
  const sub = info.subresource;
  const send = (code: number, obj: unknown, decodeWarnings: string[] = []) => {
    // Admission may run more than once for one request (a retried update): each text once, as Kubernetes sends them.
    const admissionWarnings = call.admission?.warnings ?? [];
    const warnings =
      admissionWarnings.length > 0 ? [...new Set([...decodeWarnings, ...admissionWarnings])] : decodeWarnings;
    const body =
      format === 'table' && sub === '' && isObjectOf(obj, rt.kind)
        ? tableJson(
            call.strategy.table.columns,
            [tableRowJson(call.strategy, obj as KubeObject, includeObjectOf(call.query), ctx.now())],
            { resourceVersion: (obj as KubeObject).metadata.resourceVersion ?? '' },
          )
        : toJson(obj);
    const headers: Record<string, string | string[]> = {
      'Content-Type': 'application/json',
      'Content-Length': String(Buffer.byteLength(body)),
    };
    if (warnings.length > 0) headers.Warning = warnings.map(warningHeader);
    res.writeHead(code, headers);
    res.end(body);
  };

  if (sub !== '') return serveSubresource(ctx, call, info, req, res, send);
  switch (info.verb) {
    case 'list':
      if (rt.namespaced === false && call.namespace) throw errors.notFound(rt.plural, '');
      return sendList(res, await listObjects(ctx, call, format));
    case 'get':
      return send(200, await getObject(ctx, call));
    case 'create': {
      const body = await readBody(req);
      const opts = writeOptionsOf(call.query, req.headers['user-agent']);
      const created = await createFromBody(ctx, call, body, req.headers['content-type'], opts, format);
      return send(201, created.body, created.warnings);
    }
    case 'update': {
      const body = await readBody(req);
      const opts = writeOptionsOf(call.query, req.headers['user-agent']);
      return sendReply(send, await replaceObject(ctx, call, '', body, req, opts));
    }
    case 'patch': {
      const body = await readBody(req);
      const opts = writeOptionsOf(call.query, req.headers['user-agent']);
      return sendReply(send, await patchObject(ctx, call, '', patchTypeOf(req, call.rt), body, opts));
    }
    case 'delete': {
      const body = await readBody(req);
      const options = parseDeleteOptions(body.length > 0 ? await parseDocument(body, 'json') : undefined, call.query);
      const { object } = await deleteObject(ctx, call, options);
      return send(200, object);
    }
    case 'deletecollection': {
      const body = await readBody(req);
      const options = parseDeleteOptions(body.length > 0 ? await parseDocument(body, 'json') : undefined, call.query);
      const sel = selectionOf(call);
      await ctx.cache.waitFor(await ctx.store.currentRevision());
      const targets = ctx.cache.list(rt.storagePrefix, call.namespace).filter((o) => selects(call, sel, o));
      const deleted: KubeObject[] = [];
      for (const t of targets) {
        try {
          deleted.push((await deleteObject(ctx, { ...call, namespace: t.namespace, name: t.name }, options)).object);
        } catch (e) {
          if (!(e instanceof Error && 'code' in e && (e as { code: number }).code === 404)) throw e;
        }
      }
      return send(200, {
        kind: rt.listKind,
        apiVersion: servedApiVersion(rt),
        metadata: { resourceVersion: String(ctx.cache.revision) },
        items: deleted,
      });
    }
    default:
      throw errors.methodNotAllowed(`${info.verb} is not supported on ${rt.plural}`);
  }
}

type Send = (code: number, obj: unknown, warnings?: string[]) => void;

/** Serves a request on a subresource through its entry in the subresource table (404 when absent, 405 for a verb it lacks). */
async function serveSubresource(
  ctx: RestContext,
  call: ResourceCall,
  info: ResourceRequest,
  req: IncomingMessage,
  res: ServerResponse,
  send: Send,
): Promise<void> {
  const { rt } = call;
  const sub = info.subresource;
  const storage = findSubresource(rt, sub);
  if (!storage) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
  const r = { ctx, call, subresource: sub, req, res };
  const notSupported = () => errors.methodNotAllowed(`${info.verb} is not supported on ${rt.plural}/${sub}`);
  switch (info.verb) {
    case 'get':
      if (!storage.get) throw notSupported();
      return sendReply(send, await storage.get(r));
    case 'connect':
      if (!storage.connect) throw notSupported();
      return storage.connect(r);
    case 'create':
    case 'update':
    case 'patch': {
      const handler = storage[info.verb];
      if (!handler) throw notSupported();
      const body = await readBody(req);
      const opts = writeOptionsOf(call.query, req.headers['user-agent']);
      const patchType = info.verb === 'patch' ? patchTypeOf(req, call.rt) : '';
      return sendReply(send, await handler(r, { body, opts, patchType }));
    }
    default:
      throw notSupported();
  }
}

function sendReply(send: Send, reply: Reply): void {
  send(reply.code, reply.body, reply.warnings);
}

/** The patch's media type; 415 for any other. */
function patchTypeOf(req: IncomingMessage, rt: ResourceType): string {
  const type = mediaType(req.headers['content-type']);
  if (!PATCH_TYPES.has(type)) throw errors.unsupportedMediaType(req.headers['content-type'] ?? '');
  // Custom resources have no Go struct tags to merge by: kube-apiserver refuses strategic merge patch.
  if (rt.custom && type === 'application/strategic-merge-patch+json')
    throw new ApiError(
      415,
      'UnsupportedMediaType',
      `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml`,
    );
  return type;
}

function isObjectOf(obj: unknown, kind: string): boolean {
  return typeof obj === 'object' && obj !== null && (obj as { kind?: string }).kind === kind;
}

/** Streams a list; waits for the socket to drain between batches so a big list doesn't hog memory. */
async function sendList(res: ServerResponse, body: ListBody): Promise<void> {
  const comma = Buffer.from(',');
  if (body.items <= 500) {
    const pieces: (string | Buffer)[] = [body.head];
    let first = true;
    for (const part of body.parts()) {
      if (!first) pieces.push(comma);
      pieces.push(part);
      first = false;
    }
    pieces.push(body.tail);
    const whole = Buffer.concat(pieces.map((p) => (typeof p === 'string' ? Buffer.from(p) : p)));
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': whole.length });
    res.end(whole);
    return;
  }
  res.writeHead(200, { 'Content-Type': 'application/json' });
  res.write(body.head);
  let first = true;
  for (const part of body.parts()) {
    if (res.destroyed) return;
    if (!first) res.write(comma);
    if (!res.write(part)) await drained(res);
    first = false;
  }
  res.end(body.tail);
}

function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/**
 * A `Warning: 299 - "text"` header value. Header values must be printable ASCII, and a write that
 * already happened must never turn into an error because of its warning: anything else is escaped.
 */
export function warningHeader(text: string): string {
  const quoted = JSON.stringify(text).replace(
    /[^\x20-\x7e]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return `299 - ${quoted}`;
}
