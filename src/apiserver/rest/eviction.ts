import { ApiError, errors } from '../../api/errors.js';
import type { KubeObject } from '../../api/object.js';
import { findResourceType } from '../../api/resource-types.js';
import { getStrategy } from '../../api/kinds/index.js';
import { labelSelectorFromObject } from '../../api/selectors/index.js';
import type { ResourceCall, RestContext } from './rest-context.js';
import { newAdmissionNotes } from '../admission/plugin.js';
import { deleteObject, parseDeleteOptions } from './delete-object.js';
import { storageKey } from './storage-key.js';
import { readStored, mutateObject } from './update-object.js';
import { timestamp } from './object-lifecycle.js';

type PdbStatus = {
  disruptionsAllowed?: number;
  desiredHealthy?: number;
  currentHealthy?: number;
  disruptedPods?: Record<string, string>;
};
type Pdb = KubeObject & { spec?: { selector?: Parameters<typeof labelSelectorFromObject>[0] }; status?: PdbStatus };

const PDBS = findResourceType('policy', 'v1', 'poddisruptionbudgets');

/**
 * POST pods/<name>/eviction, as Kubernetes' eviction REST: when a PodDisruptionBudget covers the
 * pod, the eviction first takes one allowed disruption from it — decrementing
 * status.disruptionsAllowed and recording the pod in status.disruptedPods in one write guarded by
 * the budget's resourceVersion — and only then deletes the pod. No disruption left, or a
 * concurrent eviction that changed the budget first: 429, which `kubectl drain` retries.
 */
export async function evictPod(ctx: RestContext, call: ResourceCall, body: unknown): Promise<Record<string, unknown>> {
  const eviction = (body ?? {}) as { deleteOptions?: unknown };
  const stored = await ctx.store.get(storageKey(call.rt, call.namespace, call.name));
  if (!stored) throw errors.notFound('pods', call.name);
  const pod = await readStored(ctx, stored, call);
  await ctx.admission.admit('create', call.rt, evictionObject(body, call), pod, {
    user: call.user,
    subresource: 'eviction',
    namespace: call.namespace,
    name: call.name,
    dryRun: false,
    notes: (call.admission ??= newAdmissionNotes()),
  });
  const phase = (pod.status as { phase?: string } | undefined)?.phase;
  const terminal = phase === 'Succeeded' || phase === 'Failed';
  if (!terminal && !pod.metadata.deletionTimestamp) {
    const budgets = ctx.cache
      .list('/registry/policy/poddisruptionbudgets/', call.namespace)
      .map((o) => o.object() as Pdb)
      .filter((pdb) => labelSelectorFromObject(pdb.spec?.selector).matches(pod.metadata.labels));
    if (budgets.length > 1)
      throw errors.internal(
        'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.',
      );
    if (budgets.length === 1) await takeDisruption(ctx, call, budgets[0], pod.metadata.name ?? call.name);
  }
  await deleteObject(ctx, call, parseDeleteOptions(eviction.deleteOptions, new URLSearchParams()));
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 };
}

/** The Eviction as admission sees it (the request's body, named after the pod when it names none). */
function evictionObject(body: unknown, call: ResourceCall): KubeObject {
  const b = (body && typeof body === 'object' ? body : {}) as Partial<KubeObject>;
  return {
    ...b,
    apiVersion: b.apiVersion ?? 'policy/v1',
    kind: 'Eviction',
    metadata: { ...(b.metadata ?? {}), name: b.metadata?.name ?? call.name, namespace: call.namespace },
  } as KubeObject;
}

async function takeDisruption(ctx: RestContext, call: ResourceCall, pdb: Pdb, podName: string): Promise<void> {
  const name = pdb.metadata.name ?? '';
  const refuse = (status: PdbStatus | undefined) =>
    new ApiError(429, 'TooManyRequests', "Cannot evict pod as it would violate the pod's disruption budget.", {
      causes: [
        {
          reason: 'DisruptionBudget',
          message: `The disruption budget ${name} needs ${status?.desiredHealthy ?? 0} healthy pods and has ${status?.currentHealthy ?? 0} currently`,
        },
      ],
    });
  if ((pdb.status?.disruptionsAllowed ?? 0) < 1) throw refuse(pdb.status);
  if (!PDBS) return;
  const pdbCall: ResourceCall = {
    rt: PDBS,
    strategy: getStrategy('policy', 'PodDisruptionBudget'),
    namespace: call.namespace,
    name,
    query: new URLSearchParams(),
    user: call.user,
  };
  try {
    await mutateObject(
      ctx,
      pdbCall,
      { dryRun: false, fieldManager: 'flotilla-eviction', fieldValidation: 'Ignore' },
      'status',
      (live) => {
        // The budget as the decision saw it: any change since (another eviction) is a conflict.
        live.metadata.resourceVersion = pdb.metadata.resourceVersion;
        const status = (live.status ??= {}) as PdbStatus;
        if ((status.disruptionsAllowed ?? 0) < 1) throw refuse(status);
        status.disruptionsAllowed = (status.disruptionsAllowed ?? 0) - 1;
        status.disruptedPods = { ...status.disruptedPods, [podName]: timestamp(ctx.now()) };
        return live;
      },
    );
  } catch (e) {
    if (e instanceof ApiError && e.code === 409) throw refuse(pdb.status);
    throw e;
  }
}
