import { PVC_PROTECTION, PV_PROTECTION } from '../../api/storage-protection.js';
import { claimNamesOf, type PodObj, type PV, type PVC } from '../../machinery/storage/volume-resources.js';

/**
 * Whether a pod keeps a claim in use: it names the claim and has not finished. A pod that is
 * terminating still uses it until it is gone (its containers may still be writing). Pure.
 */
export function podUsesClaim(pod: PodObj, claimName: string): boolean {
  if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') return false;
  return claimNamesOf(pod).includes(claimName);
}

/** The claim's finalizers without pvc-protection, when it is being deleted and no pod uses it; undefined = keep. Pure. */
export function releasableClaim(claim: PVC, podsInNamespace: readonly PodObj[]): string[] | undefined {
  const finalizers = claim.metadata.finalizers ?? [];
  if (!claim.metadata.deletionTimestamp || !finalizers.includes(PVC_PROTECTION)) return undefined;
  if (podsInNamespace.some((p) => podUsesClaim(p, claim.metadata.name ?? ''))) return undefined;
  return finalizers.filter((f) => f !== PVC_PROTECTION);
}

/** The volume's finalizers without pv-protection, when it is being deleted and not Bound; undefined = keep. Pure. */
export function releasableVolume(pv: PV): string[] | undefined {
  const finalizers = pv.metadata.finalizers ?? [];
  if (!pv.metadata.deletionTimestamp || !finalizers.includes(PV_PROTECTION)) return undefined;
  if (pv.status?.phase === 'Bound') return undefined;
  return finalizers.filter((f) => f !== PV_PROTECTION);
}
