/**
 * Read, replace and patch of an object, shared by the resource itself and by the subresources that
 * are views of the whole object (status, ephemeralcontainers): `subresource` says which part a write
 * may change (see object-lifecycle.ts prepareForUpdate).
 */
import type { IncomingMessage } from 'node:http';
import type { KubeObject } from '../../api/object.js';
import { errors } from '../../api/errors.js';
import { tooDeepMessage, valueTooDeep } from '../../api/nesting-depth.js';
import { applyPatch, applyServerSide } from '../../api/patch/index.js';
import { typeInfoFor } from '../../api/schema/index.js';
import type { ResourceCall, RestContext } from './rest-context.js';
import { parseDocument } from '../body.js';
import { decodeObject, checkObject } from './decode-object.js';
import type { WriteOptions } from './write-options.js';
import { createObject } from './create-object.js';
import { updateObject, mutateObject, readStored } from './update-object.js';
import { storageKey } from './storage-key.js';
import { servedApiVersion } from './version-conversion.js';
import { timestamp } from './object-lifecycle.js';
import { boolParam } from '../../machinery/params/query-params.js';

/** A reply: status code, body (an object or JSON bytes) and warnings. */
export interface Reply {
  code: number;
  body: unknown;
  warnings?: string[];
}

/** GET of one object (in the served version, with its resourceVersion); 404 when absent. */
export async function getObject(ctx: RestContext, call: ResourceCall): Promise<KubeObject> {
  const { rt } = call;
  const stored = await ctx.store.get(storageKey(rt, call.namespace, call.name));
  if (!stored) throw errors.notFound(rt.plural, call.name, rt.group);
  return readStored(ctx, stored, call);
}

/** PUT of an object (or of the part `subresource` names) from a request body. */
export async function replaceObject(
  ctx: RestContext,
  call: ResourceCall,
  subresource: string,
  body: Buffer,
  req: IncomingMessage,
  opts: WriteOptions,
): Promise<Reply> {
  const { obj, warnings } = await decodeObject(body, req.headers['content-type'], call.rt, opts.fieldValidation);
  return { code: 200, body: await updateObject(ctx, call, obj, opts, subresource), warnings };
}

/**
 * PATCH of an object (or of the part `subresource` names) with a patch of media type `type`:
 * JSON, merge and strategic merge patches read-modify-write the live object; an apply patch is
 * server-side apply and creates the object when it is absent (201).
 */
export async function patchObject(
  ctx: RestContext,
  call: ResourceCall,
  subresource: string,
  type: string,
  body: Buffer,
  opts: WriteOptions,
): Promise<Reply> {
  const { rt } = call;
  const typeInfo = typeInfoFor({ group: rt.group, version: rt.version, kind: rt.kind });
  const warnings: string[] = [];
  if (type === 'application/apply-patch+yaml') {
    if (!call.query.get('fieldManager'))
      throw errors.badRequest(
        'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
      );
    if (subresource !== '' && subresource !== 'status')
      throw errors.methodNotAllowed(`apply is not supported on ${rt.plural}/${subresource}`);
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
      subresource,
      (live) => ssa(live),
      async () => {
        created = true;
        return createObject(ctx, call, ssa(undefined), opts, true);
      },
      false,
    );
    return { code: created ? 201 : 200, body: result, warnings };
  }
  const doc = await parseDocument(body, 'json');
  const result = await mutateObject(ctx, call, opts, subresource, (live) => {
    const patched = applyPatch(type, live, doc, typeInfo);
    // Bodies are depth-checked when parsed; a JSON patch alone can nest its result deeper than
    // its body (each op one level under the last), so its result is checked too.
    if (type === 'application/json-patch+json' && valueTooDeep(patched))
      throw errors.badRequest(`object nested too deeply: ${tooDeepMessage()}`);
    const { obj, warnings: w } = checkObject(patched, rt, opts.fieldValidation);
    warnings.push(...w);
    return obj;
  });
  return { code: 200, body: result, warnings };
}
