import type { KubeObject } from '../../api/object.js';
import { errors, fieldErrors } from '../../api/errors.js';
import type { ResourceCall, RestContext } from './rest-context.js';
import type { WriteOptions } from './write-options.js';
import { mutateObject } from './update-object.js';
import { timestamp } from './object-lifecycle.js';

type PodCondition = { type: string; status: string; lastProbeTime?: string | null; lastTransitionTime?: string };

/** POST pods/<name>/binding: assigns an unbound pod to a node (the scheduler's write). */
export async function bindPod(ctx: RestContext, call: ResourceCall, body: unknown, opts: WriteOptions): Promise<Record<string, unknown>> {
  const binding = body as { metadata?: { name?: string }; target?: { kind?: string; name?: string } };
  const node = binding?.target?.name;
  if (!node) throw errors.invalid('Binding', call.name, [fieldErrors.required('target.name')]);
  if (binding.metadata?.name && binding.metadata.name !== call.name) throw errors.badRequest(`the name of the binding (${binding.metadata.name}) does not match the pod (${call.name})`);
  // One write sets spec.nodeName and the PodScheduled condition, as Kubernetes' binding does.
  await mutateObject(ctx, call, opts, 'binding', (pod: KubeObject) => {
    const spec = pod.spec as { nodeName?: string };
    if (pod.metadata.deletionTimestamp) throw errors.conflict('pods', call.name, 'pod is being deleted, cannot be assigned to a host');
    if (spec.nodeName) throw errors.conflict('pods', call.name, `pod ${call.name} is already assigned to node "${spec.nodeName}"`);
    spec.nodeName = node;
    const status = (pod.status ??= {}) as { conditions?: PodCondition[] };
    const conditions = (status.conditions ?? []).filter((c) => c.type !== 'PodScheduled');
    conditions.push({ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: timestamp(ctx.now()) });
    status.conditions = conditions;
    return pod;
  });
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 };
}
