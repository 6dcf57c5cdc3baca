import type { Pod } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../api/object.js';
import type { ResourceRef } from '../../machinery/client/resource-path.js';
import { type LabelSelector, labelSelectorFromObject } from '../../api/selectors/label-selector.js';
import type { KubeClient } from '../../machinery/client/kube-client.js';
import { isConflict, isNotFound } from '../../machinery/client/client-error.js';
import { adoptPatch, controllerOf, planClaims, releasePatch } from '../replicaset/controller-ref.js';
import { PODS } from '../../machinery/resources/well-known.js';
import type { ObjectOf } from '../../machinery/resources/resource.js';

/**
 * ClaimPods for the StatefulSet and DaemonSet controllers: returns the pods the owner controls
 * and whose labels match its selector, after adopting matching orphans that `canAdopt` accepts
 * (a StatefulSet only adopts pods named like its members) and releasing owned pods that stopped
 * matching. Adoption first re-reads the owner from the server (same uid, not being deleted), as
 * Kubernetes does. A pod that changed or went meanwhile is skipped (its event brings the owner
 * back). An invalid selector claims nothing new and keeps what the owner controls.
 */
export async function claimPods(
  client: KubeClient,
  ownerType: ResourceRef,
  owner: KubeObject,
  pods: readonly ObjectOf<Pod>[],
  canAdopt: (pod: ObjectOf<Pod>) => boolean,
): Promise<ObjectOf<Pod>[]> {
  let selector: LabelSelector;
  try {
    selector = labelSelectorFromObject(
      (owner.spec as { selector?: Parameters<typeof labelSelectorFromObject>[0] } | undefined)?.selector,
    );
  } catch {
    return pods.filter((p) => controllerOf(p)?.uid === owner.metadata.uid);
  }
  const plan = planClaims(
    owner,
    selector,
    pods.filter((p) => controllerOf(p) !== undefined || canAdopt(p)),
  );
  const owned = [...plan.owned];
  if (plan.adopt.length > 0 && (await ownerStillThere(client, ownerType, owner))) {
    for (const pod of plan.adopt) {
      const adopted = await patchPod(client, pod, adoptPatch(pod, owner));
      if (adopted) owned.push(adopted);
    }
  }
  for (const pod of plan.release) await patchPod(client, pod, releasePatch(pod, owner.metadata.uid ?? ''));
  return owned;
}

async function ownerStillThere(client: KubeClient, ownerType: ResourceRef, owner: KubeObject): Promise<boolean> {
  try {
    const fresh = await client.get(ownerType, owner.metadata.namespace ?? '', owner.metadata.name ?? '');
    return fresh.metadata.uid === owner.metadata.uid && !fresh.metadata.deletionTimestamp;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}

async function patchPod(client: KubeClient, pod: KubeObject, body: unknown): Promise<ObjectOf<Pod> | undefined> {
  try {
    return await client.patch(PODS, pod.metadata.namespace ?? '', pod.metadata.name ?? '', 'merge', body);
  } catch (err) {
    if (isNotFound(err) || isConflict(err)) return undefined;
    throw err;
  }
}
