import type { KubeObject } from '../../api/object.js';
import type { ResourceType } from '../../api/resource-type.js';
import type { KindStrategy } from '../../api/kind-strategy.js';
import { errors, fieldErrors } from '../../api/errors.js';
import { updateManagedFields } from '../../api/patch/index.js';
import type { ResourceCall, RestContext } from './rest-context.js';
import type { WriteOptions } from './write-options.js';
import { prepareForCreate, timestamp } from './object-lifecycle.js';
import { typeInfoFor } from '../../api/schema/index.js';
import { checkNamespaceOpen } from './namespace-check.js';
import { servedApiVersion, toServed, toStorage } from './version-conversion.js';
import { storageKey, encodeObject, rememberJson, withResourceVersion } from './storage-key.js';

/**
 * Creates an object (already decoded and structurally checked, in the served version):
 * defaults, validation, server-owned metadata, managed fields, admission, then the store.
 * Returns the created object in the served version with its resourceVersion.
 */
export async function createObject(
  ctx: RestContext,
  call: ResourceCall,
  obj: KubeObject,
  opts: WriteOptions,
  managedFieldsDone = false,
): Promise<KubeObject> {
  const { rt, strategy } = call;
  call.namespace = createNamespaceOf(rt, call.namespace, obj);
  if (rt.namespaced) await checkNamespaceOpen(ctx, call.namespace);
  checkCreateName(rt, call.name, obj);

  // Keep the request as sent when the name is generated, so a collision can retry with a new one.
  const template = !obj.metadata.name && obj.metadata.generateName ? structuredClone(obj) : undefined;
  for (let attempt = 0; ; attempt++) {
    const candidate = attempt === 0 || !template ? obj : structuredClone(template);
    const managed = prepareNewObject(candidate, rt, strategy, call.namespace, ctx.now(), opts, managedFieldsDone);
    await ctx.admit?.('create', rt, managed, undefined);
    const stored = toStorage(managed, rt, strategy);
    const name = stored.metadata.name as string;
    if (opts.dryRun) return toServed(stored, rt, strategy);
    const key = storageKey(rt, call.namespace, name);
    const bytes = encodeObject(stored);
    const forget = ctx.cache.expect(key, bytes, stored);
    const result = await ctx.store.create(key, bytes).finally(forget);
    if (result.ok) {
      stored.metadata.resourceVersion = String(result.revision);
      const served = toServed(stored, rt, strategy);
      return served === stored
        ? rememberJson(stored, withResourceVersion(bytes.toString('utf8'), result.revision))
        : served;
    }
    // A generated name that collided: try another, as Kubernetes does.
    if (template && attempt < 8) continue;
    throw errors.alreadyExists(rt.plural, name, rt.group);
  }
}

/**
 * The namespace a create goes to: the URL's, else the object's (namespaced kinds only; '' for
 * cluster-scoped ones). Throws 400 when they differ or neither names one. Pure (write workers call it).
 */
export function createNamespaceOf(rt: ResourceType, urlNamespace: string, obj: KubeObject): string {
  if (!rt.namespaced) return urlNamespace;
  const m = obj.metadata;
  if (m.namespace && urlNamespace && m.namespace !== urlNamespace) {
    throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
  const namespace = urlNamespace || (m.namespace ?? '');
  if (!namespace) throw errors.badRequest('the server could not find the requested resource: a namespace is required');
  return namespace;
}

/** Checks the name of an object to create (after the namespace checks): 422 without name or generateName, 400 when it differs from the URL's. Pure. */
export function checkCreateName(rt: ResourceType, urlName: string, obj: KubeObject): void {
  const m = obj.metadata;
  if (!m.name && !m.generateName) {
    throw errors.invalid(
      rt.kind,
      '',
      [fieldErrors.required('metadata.name', 'name or generateName is required')],
      rt.group,
    );
  }
  if (urlName && m.name && urlName !== m.name)
    throw errors.badRequest(`the name of the object (${m.name}) does not match the name on the URL (${urlName})`);
}

/**
 * One create attempt up to admission: server-owned metadata (a name from generateName), defaults,
 * validation (422), managed fields. Mutates and returns `candidate`'s managed form. Pure apart from
 * the random uid and name (write workers call it).
 */
export function prepareNewObject(
  candidate: KubeObject,
  rt: ResourceType,
  strategy: KindStrategy,
  namespace: string,
  now: Date,
  opts: WriteOptions,
  managedFieldsDone = false,
): KubeObject {
  prepareForCreate(candidate, rt, namespace, now);
  strategy.applyDefaults?.(candidate);
  const problems = strategy.validate?.(candidate) ?? [];
  if (problems.length > 0) throw errors.invalid(rt.kind, candidate.metadata.name ?? '', problems, rt.group);
  if (managedFieldsDone) return candidate;
  const type = typeInfoFor({ group: rt.group, version: rt.version, kind: rt.kind });
  return updateManagedFields(undefined, candidate, {
    manager: opts.fieldManager,
    operation: 'Update',
    apiVersion: servedApiVersion(rt),
    now: timestamp(now),
    type,
  });
}
