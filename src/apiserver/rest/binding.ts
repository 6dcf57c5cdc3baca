import type { KubeObject } from '../../api/object.js';
import { errors, fieldErrors } from '../../api/errors.js';
import type { ResourceCall, RestContext } from './rest-context.js';
import type { WriteOptions } from './write-options.js';
import { timestamp } from './object-lifecycle.js';
import { decodeObject, encodeObject, storageKey } from './storage-key.js';

type PodCondition = { type: string; status: string; lastProbeTime?: string | null; lastTransitionTime?: string };
type BindingBody = { metadata?: { name?: string; uid?: string }; target?: { kind?: string; name?: string } };

/** Attempts before a binding that keeps losing compare-and-swap races gives up with a 409. */
const MAX_ATTEMPTS = 20;

/**
 * POST pods/<name>/binding: assigns an unbound pod to a node (the scheduler's write). As Kubernetes'
 * BindingREST, this is a direct storage update of spec.nodeName and the PodScheduled condition in
 * one write: no update validation, defaulting or managed-fields tracking on the pod (a binding is
 * not a pod update), one decode and one encode. It is the hottest write while a cluster scales up.
 */
export async function bindPod(
  ctx: RestContext,
  call: ResourceCall,
  body: unknown,
  opts: WriteOptions,
): Promise<Record<string, unknown>> {
  const binding = body as BindingBody;
  const node = binding?.target?.name;
  if (!node) throw errors.invalid('Binding', call.name, [fieldErrors.required('target.name')]);
  if (binding.metadata?.name && binding.metadata.name !== call.name)
    throw errors.badRequest(`the name of the binding (${binding.metadata.name}) does not match the pod (${call.name})`);
  const key = storageKey(call.rt, call.namespace, call.name);
  for (let attempt = 1; ; attempt++) {
    const stored = await ctx.store.get(key);
    if (!stored) throw errors.notFound('pods', call.name);
    const pod = decodeObject<KubeObject>(stored.value);
    assign(pod, node, binding.metadata?.uid, call.name, timestamp(ctx.now()));
    if (opts.dryRun) break;
    const bytes = encodeObject(pod);
    const forget = ctx.cache.expect(key, bytes, pod);
    const result = await ctx.store.update(key, bytes, stored.modRevision).finally(forget);
    if (result.ok) break;
    if (result.reason === 'not-found') throw errors.notFound('pods', call.name);
    if (attempt >= MAX_ATTEMPTS)
      throw errors.conflict(
        'pods',
        call.name,
        'the object has been modified; please apply your changes to the latest version and try again',
      );
  }
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 };
}

/** Sets the node and PodScheduled=True on a stored pod, refusing what Kubernetes refuses (409). */
function assign(pod: KubeObject, node: string, uid: string | undefined, name: string, now: string): void {
  const spec = (pod.spec ??= {}) as { nodeName?: string };
  if (uid && pod.metadata.uid !== uid)
    throw errors.conflict(
      'pods',
      name,
      `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${pod.metadata.uid ?? ''}`,
    );
  if (pod.metadata.deletionTimestamp)
    throw errors.conflict('pods', name, 'pod is being deleted, cannot be assigned to a host');
  if (spec.nodeName) throw errors.conflict('pods', name, `pod ${name} is already assigned to node "${spec.nodeName}"`);
  spec.nodeName = node;
  const status = (pod.status ??= {}) as { conditions?: PodCondition[] };
  const conditions = (status.conditions ?? []).filter((c) => c.type !== 'PodScheduled');
  conditions.push({ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: now });
  status.conditions = conditions;
}
