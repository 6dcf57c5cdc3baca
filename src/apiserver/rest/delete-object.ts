import { CRD_CLEANUP_FINALIZER } from '../../api/kinds/custom-resource-definition.js';
import type { KubeObject } from '../../api/object.js';
import { errors } from '../../api/errors.js';
import type { ResourceCall, RestContext } from './rest-context.js';
import { newAdmissionNotes } from '../admission/plugin.js';
import { storageKey, encodeObject } from './storage-key.js';
import { readStored, hasFinalizers } from './update-object.js';
import { timestamp } from './object-lifecycle.js';
import { storageObject } from './version-conversion.js';
import { isPlainObject } from '../body.js';
import { boolParam, intParam } from '../../machinery/params/query-params.js';

/** metav1.DeleteOptions, from the body and/or the query string. */
export interface DeleteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun: boolean;
}

export function parseDeleteOptions(body: unknown, query: URLSearchParams): DeleteOptions {
  const b = isPlainObject(body) ? body : {};
  const grace = b.gracePeriodSeconds ?? intParam(query, 'gracePeriodSeconds');
  if (grace !== undefined && (typeof grace !== 'number' || !Number.isInteger(grace) || grace < 0)) {
    throw errors.badRequest('gracePeriodSeconds must be a non-negative integer');
  }
  let policy = (b.propagationPolicy ?? query.get('propagationPolicy') ?? undefined) as string | undefined;
  if (policy === undefined && (b.orphanDependents === true || boolParam(query, 'orphanDependents'))) policy = 'Orphan';
  if (policy !== undefined && !['Orphan', 'Background', 'Foreground'].includes(policy)) {
    throw errors.badRequest(
      `propagationPolicy: Unsupported value: "${policy}": supported values: "Foreground", "Background", "Orphan"`,
    );
  }
  const dryRun = [...query.getAll('dryRun'), ...(Array.isArray(b.dryRun) ? (b.dryRun as string[]) : [])];
  const pre = isPlainObject(b.preconditions) ? (b.preconditions as DeleteOptions['preconditions']) : undefined;
  return {
    gracePeriodSeconds: grace as number | undefined,
    propagationPolicy: policy as DeleteOptions['propagationPolicy'],
    preconditions: pre,
    dryRun: dryRun.includes('All'),
  };
}

/** Kinds whose default propagation (when the client sends none) orphans dependents, as in Kubernetes' REST strategies. */
const ORPHAN_BY_DEFAULT = new Set(['ReplicationController']);

/**
 * DELETE one object. Objects with finalizers (including the orphan / foregroundDeletion ones the
 * propagation policy adds) and bound, running pods with a grace period are only marked
 * (deletionTimestamp); everything else is removed at once. Returns the object as last stored.
 */
export async function deleteObject(
  ctx: RestContext,
  call: ResourceCall,
  opts: DeleteOptions,
): Promise<{ object: KubeObject; deleted: boolean }> {
  const { rt, strategy } = call;
  const key = storageKey(rt, call.namespace, call.name);
  for (let attempt = 0; attempt < 20; attempt++) {
    const stored = await ctx.store.get(key);
    if (!stored) throw errors.notFound(rt.plural, call.name, rt.group);
    const obj = await readStored(ctx, stored, call);
    const m = obj.metadata;
    if (opts.preconditions?.uid && opts.preconditions.uid !== m.uid) {
      throw errors.conflict(
        rt.plural,
        call.name,
        `Precondition failed: UID in precondition: ${opts.preconditions.uid}, UID in object meta: ${m.uid}`,
        rt.group,
      );
    }
    if (opts.preconditions?.resourceVersion && opts.preconditions.resourceVersion !== m.resourceVersion) {
      throw errors.conflict(
        rt.plural,
        call.name,
        `Precondition failed: ResourceVersion in precondition: ${opts.preconditions.resourceVersion}, ResourceVersion in object meta: ${m.resourceVersion}`,
        rt.group,
      );
    }
    call.admission ??= newAdmissionNotes();
    await ctx.admission.admit('delete', rt, obj, obj, {
      user: call.user,
      subresource: '',
      namespace: call.namespace,
      name: call.name,
      dryRun: opts.dryRun,
      notes: call.admission,
    });

    // Only metadata (and a Namespace's status) change: a shallow copy, which also works for an
    // object nested too deeply for structuredClone.
    const next: KubeObject = { ...obj, metadata: { ...obj.metadata } };
    const nm = next.metadata;
    let changed = false;
    const policy = opts.propagationPolicy ?? (ORPHAN_BY_DEFAULT.has(rt.kind) ? 'Orphan' : 'Background');
    const finalizers = new Set(nm.finalizers ?? []);
    if (policy === 'Orphan' && !finalizers.has('orphan')) {
      finalizers.add('orphan');
      finalizers.delete('foregroundDeletion');
      changed = true;
    }
    if (policy === 'Foreground' && !finalizers.has('foregroundDeletion')) {
      finalizers.add('foregroundDeletion');
      finalizers.delete('orphan');
      changed = true;
    }
    if (policy === 'Background' && (finalizers.delete('orphan') || finalizers.delete('foregroundDeletion')))
      changed = true;
    // A CRD's first deletion waits for its custom objects to go (the CRD registrar removes them).
    if (rt.group === 'apiextensions.k8s.io' && rt.kind === 'CustomResourceDefinition' && !nm.deletionTimestamp) {
      if (!finalizers.has(CRD_CLEANUP_FINALIZER)) {
        finalizers.add(CRD_CLEANUP_FINALIZER);
        changed = true;
      }
    }
    // Adding orphan/foreground finalizers only makes sense when something can own dependents; Kubernetes adds them regardless.
    if (changed) nm.finalizers = [...finalizers];

    const grace = gracePeriodFor(next, opts);
    const now = ctx.now();
    if (grace > 0 || hasFinalizers(next)) {
      const deadline = new Date(now.getTime() + grace * 1000);
      if (!nm.deletionTimestamp) {
        nm.deletionTimestamp = timestamp(deadline);
        nm.deletionGracePeriodSeconds = grace;
        if (nm.generation !== undefined) nm.generation += 1;
        if (next.kind === 'Namespace') next.status = { ...(next.status as object | undefined), phase: 'Terminating' };
        changed = true;
      } else if (grace < (nm.deletionGracePeriodSeconds ?? Infinity)) {
        // A shorter grace period may cut a pending graceful deletion short.
        nm.deletionTimestamp = timestamp(deadline);
        nm.deletionGracePeriodSeconds = grace;
        changed = true;
      }
      if (grace === 0 && !hasFinalizers(next)) {
        // fall through to removal
      } else {
        if (!changed || opts.dryRun) return { object: next, deleted: false };
        const toStore = await storageObject(ctx.cache, next, rt, strategy);
        delete toStore.metadata.resourceVersion;
        const result = await ctx.store.update(key, encodeObject(toStore), stored.modRevision);
        if (!result.ok) continue;
        next.metadata.resourceVersion = String(result.revision);
        return { object: next, deleted: false };
      }
    }
    if (opts.dryRun) return { object: obj, deleted: true };
    const result = await ctx.store.delete(key, stored.modRevision);
    if (!result.ok) {
      if (result.reason === 'not-found') throw errors.notFound(rt.plural, call.name, rt.group);
      continue;
    }
    obj.metadata.resourceVersion = String(result.revision);
    return { object: obj, deleted: true };
  }
  throw errors.conflict(rt.plural, call.name, 'the object kept changing while being deleted; try again', rt.group);
}

/** Pods bound to a node and still running get their grace period; everything else none. */
function gracePeriodFor(obj: KubeObject, opts: DeleteOptions): number {
  if (obj.kind !== 'Pod') return 0;
  const spec = obj.spec as { nodeName?: string; terminationGracePeriodSeconds?: number } | undefined;
  const phase = (obj.status as { phase?: string } | undefined)?.phase;
  if (!spec?.nodeName || phase === 'Succeeded' || phase === 'Failed') return 0;
  const grace = opts.gracePeriodSeconds ?? spec.terminationGracePeriodSeconds ?? 30;
  // Kubernetes turns an explicit 0 into 1 for bound pods unless forced; the agent then finishes quickly.
  return grace;
}
