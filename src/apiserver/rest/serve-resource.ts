import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KubeObject } from '../../api/object.js';
import { errors } from '../../api/errors.js';
import { applyPatch, applyServerSide } from '../../api/patch/index.js';
import { typeInfoFor } from '../../api/schema/index.js';
import type { ResourceRequest } from '../request-info.js';
import type { ResourceCall, RestContext } from './rest-context.js';
import { readBody, mediaType, parseDocument } from '../body.js';
import { decodeObject, checkObject } from './decode-object.js';
import { writeOptionsOf, type WriteOptions } from './write-options.js';
import { createFromBody, createObject } from './create-object.js';
import { updateObject, mutateObject, readStored } from './update-object.js';
import { deleteObject, parseDeleteOptions } from './delete-object.js';
import { listObjects, selectionOf, selects, type ListBody } from './list-objects.js';
import { storageKey, toJson } from './storage-key.js';
import { includeObjectOf, tableJson, tableRowJson } from './table.js';
import { toScale, applyScale } from './scale.js';
import { bindPod } from './binding.js';
import { evictPod } from './eviction.js';
import { servedApiVersion } from './version-conversion.js';
import { timestamp } from './object-lifecycle.js';
import { servePodLogs } from './pod-logs.js';
import { boolParam } from '../../machinery/params/query-params.js';

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
  const send = (code: number, obj: unknown, warnings: string[] = []) => {
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

  switch (info.verb) {
    case 'list':
      if (rt.namespaced === false && call.namespace) throw errors.notFound(rt.plural, '');
      return sendList(res, await listObjects(ctx, call, format));
    case 'get': {
      const stored = await ctx.store.get(storageKey(rt, call.namespace, call.name));
      if (!stored) throw errors.notFound(rt.plural, call.name, rt.group);
      const obj = readStored(stored, call);
      if (sub === 'scale') return send(200, toScale(obj));
      return send(200, obj);
    }
    case 'create': {
      const body = await readBody(req);
      const opts = writeOptionsOf(call.query, req.headers['user-agent']);
      if (sub === 'binding')
        return send(
          201,
          await bindPod(
            ctx,
            call,
            await parseDocument(body, mediaType(req.headers['content-type']) === 'application/yaml' ? 'yaml' : 'json'),
            opts,
          ),
        );
      if (sub === 'eviction') return send(201, await evictPod(ctx, call, await parseDocument(body, 'json')));
      if (sub !== '') throw errors.methodNotAllowed(`create is not supported on ${rt.plural}/${sub}`);
      const created = await createFromBody(ctx, call, body, req.headers['content-type'], opts, format);
      return send(201, created.body, created.warnings);
    }
    case 'update': {
      const body = await readBody(req);
      const opts = writeOptionsOf(call.query, req.headers['user-agent']);
      if (sub === 'scale') {
        const scale = await parseDocument(body, 'json');
        const updated = await mutateObject(ctx, call, opts, '', (live) => applyScale(live, scale));
        return send(200, toScale(updated));
      }
      if (sub === 'finalize')
        return send(200, await finalizeNamespace(ctx, call, await parseDocument(body, 'json'), opts));
      const { obj, warnings } = await decodeObject(body, req.headers['content-type'], rt, opts.fieldValidation);
      return send(200, await updateObject(ctx, call, obj, opts, sub), warnings);
    }
    case 'patch': {
      const body = await readBody(req);
      const opts = writeOptionsOf(call.query, req.headers['user-agent']);
      const type = mediaType(req.headers['content-type']);
      if (!PATCH_TYPES.has(type)) throw errors.unsupportedMediaType(req.headers['content-type'] ?? '');
      return patch(ctx, call, sub, type, body, opts, req, send);
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
    case 'connect':
      if (rt.group === '' && rt.plural === 'pods' && sub === 'log') return servePodLogs(ctx, call, req, res);
      throw errors.methodNotAllowed(`${info.verb} is not supported on ${rt.plural}${sub ? '/' + sub : ''} yet`);
    default:
      throw errors.methodNotAllowed(`${info.verb} is not supported on ${rt.plural}${sub ? '/' + sub : ''} yet`);
  }
}

async function patch(
  ctx: RestContext,
  call: ResourceCall,
  sub: string,
  type: string,
  body: Buffer,
  opts: WriteOptions,
  req: IncomingMessage,
  send: (code: number, obj: unknown, warnings?: string[]) => void,
): Promise<void> {
  const { rt } = call;
  const typeInfo = typeInfoFor({ group: rt.group, version: rt.version, kind: rt.kind });
  const warnings: string[] = [];
  if (type === 'application/apply-patch+yaml') {
    if (!call.query.get('fieldManager'))
      throw errors.badRequest(
        'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
      );
    if (sub !== '' && sub !== 'status') throw errors.methodNotAllowed(`apply is not supported on ${rt.plural}/${sub}`);
    const { obj: applied, warnings: w } = checkObject(await parseDocument(body, 'yaml'), rt, opts.fieldValidation);
    warnings.push(...w);
    if (applied.metadata.name && applied.metadata.name !== call.name)
      throw errors.badRequest(
        `the name of the object (${applied.metadata.name}) does not match the name on the URL (${call.name})`,
      );
    applied.metadata.name = call.name;
    const force = boolParam(call.query, 'force');
    const ssa = (live: KubeObject | undefined) =>
      applyServerSide(live, applied, {
        manager: opts.fieldManager,
        force,
        type: typeInfo,
        apiVersion: servedApiVersion(rt),
        now: timestamp(ctx.now()),
      }).object;
    let created = false;
    const result = await mutateObject(
      ctx,
      call,
      opts,
      sub,
      (live) => ssa(live),
      async () => {
        created = true;
        return createObject(ctx, call, ssa(undefined), opts, true);
      },
      false,
    );
    return send(created ? 201 : 200, result, warnings);
  }
  const doc = await parseDocument(body, 'json');
  const result = await mutateObject(ctx, call, opts, sub === 'scale' ? '' : sub, (live) => {
    if (sub === 'scale') return applyScale(live, applyPatch(type, toScale(live), doc, undefined));
    const patched = applyPatch(type, live, doc, typeInfo);
    const { obj, warnings: w } = checkObject(patched, rt, opts.fieldValidation);
    warnings.push(...w);
    return obj;
  });
  return send(200, sub === 'scale' ? toScale(result) : result, warnings);
}

/** PUT namespaces/<name>/finalize: sets spec.finalizers; the namespace goes once none are left. */
async function finalizeNamespace(
  ctx: RestContext,
  call: ResourceCall,
  body: unknown,
  opts: WriteOptions,
): Promise<KubeObject> {
  const wanted = (body as { spec?: { finalizers?: string[] } })?.spec?.finalizers ?? [];
  return mutateObject(ctx, call, opts, '', (live) => {
    (live.spec as { finalizers?: string[] }) = { ...(live.spec as object), finalizers: wanted };
    return live;
  });
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
