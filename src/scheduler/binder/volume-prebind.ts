import type { KubeClient } from '../../machinery/client/kube-client.js';
import { ANN_SELECTED_NODE } from '../../machinery/storage/volume-resources.js';
import { claimNames, claimsWaitingForNode, type VolumeLister } from '../plugins/volume-binding.js';
import { PVCS } from '../../machinery/resources/well-known.js';

export interface PrebindOptions {
  /** Give up waiting for the claims to be bound after this long (then the pod is retried). */
  timeoutMs?: number;
  pollMs?: number;
}

/**
 * VolumeBinding's PreBind: the pod's WaitForFirstConsumer claims get the chosen node in the
 * `volume.kubernetes.io/selected-node` annotation (the PV controller provisions or binds a local
 * volume there), then the pod's binding waits until every such claim is bound, so the agent never
 * sees a pod whose volumes do not exist yet. Returns at once for pods without such claims.
 */
export async function bindClaimsToNode(
  client: KubeClient,
  lister: VolumeLister,
  pod: { metadata?: { namespace?: string }; spec?: object },
  nodeName: string,
  o: PrebindOptions = {},
): Promise<void> {
  const namespace = pod.metadata?.namespace ?? '';
  const waiting = claimsWaitingForNode(namespace, claimNames(pod as Parameters<typeof claimNames>[0]), lister);
  if (waiting.length === 0) return;
  for (const claim of waiting) {
    if (claim.metadata.annotations?.[ANN_SELECTED_NODE] === nodeName) continue;
    await client.patch(PVCS, namespace, claim.metadata.name ?? '', 'merge', {
      metadata: { annotations: { [ANN_SELECTED_NODE]: nodeName } },
    });
  }
  const deadline = Date.now() + (o.timeoutMs ?? 60_000);
  const unbound = (): string[] =>
    waiting.map((c) => c.metadata.name ?? '').filter((name) => !lister.claim(namespace, name)?.spec?.volumeName);
  for (let left = unbound(); left.length > 0; left = unbound()) {
    if (Date.now() > deadline)
      throw new Error(`persistentvolumeclaims ${left.join(', ')} not bound in time on node ${nodeName}`);
    await new Promise((r) => setTimeout(r, o.pollMs ?? 100));
  }
}
