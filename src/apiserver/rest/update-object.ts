import type { KubeObject } from '../../api/object.js';
import type { StoredValue } from '../../store/store.js';
import { ApiError, errors } from '../../api/errors.js';
import { deepEqual } from '../../api/deep-equal.js';
import { dropTooDeepManagedFields, jsonTooDeep } from '../../api/nesting-depth.js';
import { updateManagedFields } from '../../api/patch/index.js';
import { typeInfoFor } from '../../api/schema/index.js';
import type { ResourceCall, RestContext } from './rest-context.js';
import type { WriteOptions } from './write-options.js';
import { prepareForUpdate, STATUS_WRITERS, timestamp } from './object-lifecycle.js';
import { servedApiVersion, servedObject, storageObject } from './version-conversion.js';
import { storageKey, encodeObject, decodeObject } from './storage-key.js';
import { admissionRequest } from './admission-request.js';

/**
 * The stored object in the served version, with its resourceVersion. An object stored nested
 * deeper than the limit (before it existed) loses its too-deep managedFields entries here.
 */
export function readStored(ctx: RestContext, stored: StoredValue, call: ResourceCall): Promise<KubeObject> {
  const obj = decodeObject<KubeObject>(stored.value);
  if (jsonTooDeep(stored.value)) dropTooDeepManagedFields(obj);
  obj.metadata.resourceVersion = String(stored.modRevision);
  return servedObject(ctx.cache, obj, call.rt, call.strategy);
}

/** Thrown when the store's compare-and-swap lost a race the caller may retry (not a client precondition). */
class LostRace extends Error {}

/** PUT: replaces an object (or its status); a stale resourceVersion is a 409. */
export async function updateObject(
  ctx: RestContext,
  call: ResourceCall,
  next: KubeObject,
  opts: WriteOptions,
  subresource: string,
): Promise<KubeObject> {
  const stored = await ctx.store.get(storageKey(call.rt, call.namespace, call.name));
  if (!stored) throw errors.notFound(call.rt.plural, call.name, call.rt.group);
  try {
    return await commitUpdate(ctx, call, stored, next, opts, subresource, false);
  } catch (e) {
    if (e instanceof LostRace)
      throw errors.conflict(
        call.rt.plural,
        call.name,
        'the object has been modified; please apply your changes to the latest version and try again',
        call.rt.group,
      );
    throw e;
  }
}

/**
 * PATCH and other read-modify-write operations: reads the live object, lets `mutate` produce the
 * new one, and writes it with compare-and-swap, retrying when another writer got there first
 * (unless the patch itself pinned a resourceVersion). `onMissing` handles an absent object
 * (server-side apply creates it); without it, absent is a 404.
 */
export async function mutateObject(
  ctx: RestContext,
  call: ResourceCall,
  opts: WriteOptions,
  subresource: string,
  mutate: (live: KubeObject) => KubeObject | Promise<KubeObject>,
  onMissing?: () => Promise<KubeObject>,
  managed = true,
): Promise<KubeObject> {
  for (let attempt = 0; ; attempt++) {
    const stored = await ctx.store.get(storageKey(call.rt, call.namespace, call.name));
    if (!stored) {
      if (onMissing) return onMissing();
      throw errors.notFound(call.rt.plural, call.name, call.rt.group);
    }
    const live = await readStored(ctx, stored, call);
    const next = await mutate(structuredClone(live));
    if (next.metadata?.resourceVersion === live.metadata.resourceVersion) delete next.metadata.resourceVersion;
    try {
      return await commitUpdate(ctx, call, stored, next, opts, subresource, !managed);
    } catch (e) {
      if (e instanceof LostRace && attempt < 20) continue;
      if (e instanceof LostRace)
        throw errors.conflict(
          call.rt.plural,
          call.name,
          'the object has been modified; please apply your changes to the latest version and try again',
          call.rt.group,
        );
      throw e;
    }
  }
}

async function commitUpdate(
  ctx: RestContext,
  call: ResourceCall,
  stored: StoredValue,
  next: KubeObject,
  opts: WriteOptions,
  subresource: string,
  managedFieldsDone: boolean,
): Promise<KubeObject> {
  const { rt, strategy } = call;
  const old = await readStored(ctx, stored, call);
  if (!next.metadata || typeof next.metadata !== 'object') next.metadata = {};
  const wanted = next.metadata.resourceVersion;
  if (wanted !== undefined && wanted !== '' && wanted !== old.metadata.resourceVersion) {
    throw errors.conflict(
      rt.plural,
      call.name,
      'the object has been modified; please apply your changes to the latest version and try again',
      rt.group,
    );
  }
  if (next.metadata.name === undefined) next.metadata.name = old.metadata.name;
  next.apiVersion = old.apiVersion;
  next.kind = old.kind;
  prepareForUpdate(next, old, rt, subresource);
  strategy.prepareForUpdate?.(next, old, subresource, ctx.now());
  strategy.applyDefaults?.(next);
  const problems = STATUS_WRITERS.has(subresource)
    ? (strategy.validateStatus?.(next, old) ?? [])
    : (strategy.validate?.(next, old) ?? []);
  if (problems.length > 0) throw errors.invalid(rt.kind, call.name, problems, rt.group);
  ctx.checkUpdate?.(call, subresource, next, old);
  const now = ctx.now();
  const withFields = managedFieldsDone
    ? next
    : updateManagedFields(old, next, {
        manager: opts.fieldManager,
        operation: 'Update',
        apiVersion: servedApiVersion(rt),
        now: timestamp(now),
        subresource: subresource || undefined,
        type: typeInfoFor({ group: rt.group, version: rt.version, kind: rt.kind }),
      });
  await ctx.admission.admit('update', rt, withFields, old, admissionRequest(call, subresource, opts));
  const toStore = await storageObject(ctx.cache, withFields, rt, strategy);
  delete toStore.metadata.resourceVersion;
  const key = storageKey(rt, call.namespace, call.name);

  if (toStore.metadata.deletionTimestamp && !hasFinalizers(toStore)) {
    // The last finalizer is gone: the deletion that was waiting for it completes now.
    if (opts.dryRun) return servedObject(ctx.cache, toStore, rt, strategy);
    const result = await ctx.store.delete(key, stored.modRevision);
    if (!result.ok) throw new LostRace();
    toStore.metadata.resourceVersion = String(result.revision);
    return servedObject(ctx.cache, toStore, rt, strategy);
  }
  if (isNoop(toStore, old, rt.storageApiVersion === old.apiVersion ? undefined : decodeStoredPlain(stored))) {
    return old;
  }
  if (opts.dryRun) {
    toStore.metadata.resourceVersion = old.metadata.resourceVersion;
    return servedObject(ctx.cache, toStore, rt, strategy);
  }
  const bytes = encodeObject(toStore);
  const forget = ctx.cache.expect(key, bytes, toStore);
  const result = await ctx.store.update(key, bytes, stored.modRevision).finally(forget);
  if (!result.ok) {
    if (result.reason === 'not-found') throw errors.notFound(rt.plural, call.name, rt.group);
    throw new LostRace();
  }
  toStore.metadata.resourceVersion = String(result.revision);
  return servedObject(ctx.cache, toStore, rt, strategy);
}

export function hasFinalizers(obj: KubeObject): boolean {
  if ((obj.metadata.finalizers ?? []).length > 0) return true;
  const spec = obj.spec as { finalizers?: string[] } | undefined;
  return obj.kind === 'Namespace' && (spec?.finalizers ?? []).length > 0;
}

function decodeStoredPlain(stored: StoredValue): KubeObject {
  return decodeObject<KubeObject>(stored.value);
}

/** An update that changes nothing but managedFields timestamps is not written (resourceVersion stays). */
function isNoop(next: KubeObject, old: KubeObject, oldInStorage: KubeObject | undefined): boolean {
  const a = { ...next, metadata: { ...next.metadata, managedFields: undefined, resourceVersion: undefined } };
  const base = oldInStorage ?? old;
  const b = { ...base, metadata: { ...base.metadata, managedFields: undefined, resourceVersion: undefined } };
  return deepEqual(a, b);
}

export { ApiError };
