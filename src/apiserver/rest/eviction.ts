import { ApiError, errors } from '../../api/errors.js';
import { labelSelectorFromObject } from '../../api/selectors/index.js';
import type { ResourceCall, RestContext } from './rest-context.js';
import { deleteObject, parseDeleteOptions } from './delete-object.js';
import { storageKey } from './storage-key.js';
import { readStored } from './update-object.js';

type Pdb = { metadata: { name?: string }; spec?: { selector?: Parameters<typeof labelSelectorFromObject>[0] }; status?: { disruptionsAllowed?: number } };

/**
 * POST pods/<name>/eviction: deletes the pod unless a PodDisruptionBudget covering it allows no
 * more disruptions (429, as `kubectl drain` expects, which then retries).
 */
export async function evictPod(ctx: RestContext, call: ResourceCall, body: unknown): Promise<Record<string, unknown>> {
  const eviction = (body ?? {}) as { deleteOptions?: unknown };
  const stored = await ctx.store.get(storageKey(call.rt, call.namespace, call.name));
  if (!stored) throw errors.notFound('pods', call.name);
  const pod = readStored(stored, call);
  const phase = (pod.status as { phase?: string } | undefined)?.phase;
  const terminal = phase === 'Succeeded' || phase === 'Failed';
  if (!terminal && !pod.metadata.deletionTimestamp) {
    for (const o of ctx.cache.list('/registry/policy/poddisruptionbudgets/', call.namespace)) {
      const pdb = o.object() as unknown as Pdb;
      if (!labelSelectorFromObject(pdb.spec?.selector).matches(pod.metadata.labels)) continue;
      if ((pdb.status?.disruptionsAllowed ?? 0) < 1) {
        throw new ApiError(429, 'TooManyRequests', "Cannot evict pod as it would violate the pod's disruption budget.", {
          causes: [{ reason: 'DisruptionBudget', message: `The disruption budget ${pdb.metadata.name} needs ${(pdb.status as { desiredHealthy?: number })?.desiredHealthy ?? 0} healthy pods and has ${(pdb.status as { currentHealthy?: number })?.currentHealthy ?? 0} currently` }],
        });
      }
    }
  }
  await deleteObject(ctx, call, parseDeleteOptions(eviction.deleteOptions, new URLSearchParams()));
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 };
}
