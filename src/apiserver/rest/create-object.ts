import type { KubeObject } from '../../api/object.js';
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
export async function createObject(ctx: RestContext, call: ResourceCall, obj: KubeObject, opts: WriteOptions, managedFieldsDone = false): Promise<KubeObject> {
  const { rt, strategy } = call;
  const m = obj.metadata;
  if (rt.namespaced) {
    if (m.namespace && call.namespace && m.namespace !== call.namespace) {
      throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    call.namespace ||= m.namespace ?? '';
    if (!call.namespace) throw errors.badRequest('the server could not find the requested resource: a namespace is required');
    await checkNamespaceOpen(ctx, call.namespace);
  }
  if (!m.name && !m.generateName) {
    throw errors.invalid(rt.kind, '', [fieldErrors.required('metadata.name', 'name or generateName is required')], rt.group);
  }
  if (call.name && m.name && call.name !== m.name) throw errors.badRequest(`the name of the object (${m.name}) does not match the name on the URL (${call.name})`);

  // Keep the request as sent when the name is generated, so a collision can retry with a new one.
  const template = !m.name && m.generateName ? structuredClone(obj) : undefined;
  const type = typeInfoFor({ group: rt.group, version: rt.version, kind: rt.kind });
  for (let attempt = 0; ; attempt++) {
    const candidate = attempt === 0 || !template ? obj : structuredClone(template);
    const now = ctx.now();
    prepareForCreate(candidate, rt, call.namespace, now);
    strategy.applyDefaults?.(candidate);
    const problems = strategy.validate?.(candidate) ?? [];
    if (problems.length > 0) throw errors.invalid(rt.kind, candidate.metadata.name ?? '', problems, rt.group);
    const managed = managedFieldsDone ? candidate : updateManagedFields(undefined, candidate, { manager: opts.fieldManager, operation: 'Update', apiVersion: servedApiVersion(rt), now: timestamp(now), type });
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
      return served === stored ? rememberJson(stored, withResourceVersion(bytes.toString('utf8'), result.revision)) : served;
    }
    // A generated name that collided: try another, as Kubernetes does.
    if (template && attempt < 8) continue;
    throw errors.alreadyExists(rt.plural, name, rt.group);
  }
}
