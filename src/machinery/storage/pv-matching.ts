import type { Node } from 'kubernetes-types/core/v1.js';
import { parseQuantity } from '../../api/validation/quantity.js';
import { selectorMatches } from '../../api/validation/label-selector.js';
import { anyTermMatches } from '../scheduling/node-selector.js';
import { volumeClassOf, type PV, type PVC } from './volume-resources.js';

/** The storage a claim asks for, in bytes (0 when unset or unparsable). Pure. */
export function requestedBytes(claim: PVC): number {
  return parseQuantity(claim.spec?.resources?.requests?.storage) ?? 0;
}

/** A volume's capacity in bytes (0 when unset or unparsable). Pure. */
export function capacityBytes(pv: PV): number {
  return parseQuantity(pv.spec?.capacity?.storage) ?? 0;
}

/** Whether the volume's claimRef names this claim (by namespace and name, and uid when both have one). Pure. */
export function isVolumeBoundToClaim(pv: PV, claim: PVC): boolean {
  const ref = pv.spec?.claimRef;
  if (!ref || ref.name !== claim.metadata.name || ref.namespace !== claim.metadata.namespace) return false;
  return !ref.uid || ref.uid === claim.metadata.uid;
}

/** Whether a volume's required nodeAffinity admits the node (no affinity admits every node). Pure. */
export function volumeFitsNode(
  pv: PV,
  node: Node & { metadata?: { name?: string; labels?: Record<string, string> } },
): boolean {
  const terms = pv.spec?.nodeAffinity?.required?.nodeSelectorTerms;
  if (!terms) return true;
  return anyTermMatches(terms, node.metadata?.labels ?? {}, node.metadata?.name ?? '');
}

/** Claim volumeMode (default Filesystem) equals the volume's (default Filesystem). Pure. */
function volumeModeMatches(pv: PV, claim: PVC): boolean {
  return (pv.spec?.volumeMode ?? 'Filesystem') === (claim.spec?.volumeMode ?? 'Filesystem');
}

/**
 * The volume a claim should bind to, as Kubernetes' findMatchingVolume: volumes too small or of
 * another volumeMode never match; a volume pre-bound to the claim (claimRef names it) is taken
 * first; otherwise an Available, unclaimed, not deleting volume whose class equals `claimClass`
 * ('' for no class), whose accessModes include all the claim's, whose labels satisfy the claim's
 * selector and (when `node` is given) whose nodeAffinity admits the node; the smallest wins
 * (ties: fewer access modes, then name). undefined = no match. Pure.
 */
export function findBestMatch(claim: PVC, volumes: readonly PV[], claimClass: string, node?: Node): PV | undefined {
  const want = requestedBytes(claim);
  const modes = claim.spec?.accessModes ?? [];
  let best: PV | undefined;
  for (const pv of volumes) {
    if (capacityBytes(pv) < want || !volumeModeMatches(pv, claim)) continue;
    if (node && !volumeFitsNode(pv, node)) continue;
    if (isVolumeBoundToClaim(pv, claim)) return pv;
    if (pv.metadata.deletionTimestamp || pv.spec?.claimRef || pv.status?.phase !== 'Available') continue;
    if (claim.spec?.selector && !selectorMatches(claim.spec.selector, pv.metadata.labels)) continue;
    if (volumeClassOf(pv) !== claimClass) continue;
    const pvModes = pv.spec?.accessModes ?? [];
    if (!modes.every((m) => pvModes.includes(m))) continue;
    if (!best || smaller(pv, best)) best = pv;
  }
  return best;
}

function smaller(a: PV, b: PV): boolean {
  const d = capacityBytes(a) - capacityBytes(b);
  if (d !== 0) return d < 0;
  const m = (a.spec?.accessModes?.length ?? 0) - (b.spec?.accessModes?.length ?? 0);
  if (m !== 0) return m < 0;
  return (a.metadata.name ?? '') < (b.metadata.name ?? '');
}
