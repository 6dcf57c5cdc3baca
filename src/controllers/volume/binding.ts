import {
  ANN_BIND_COMPLETED,
  ANN_BOUND_BY_CONTROLLER,
  type PV,
  type PVC,
} from '../../machinery/storage/volume-resources.js';

/**
 * The volume with its claimRef pointing at the claim (kind, namespace, name, uid, apiVersion,
 * resourceVersion) and, when the controller made the link, `pv.kubernetes.io/bound-by-controller:
 * "yes"` — as Kubernetes' bindVolumeToClaim. undefined when the volume already is so (nothing to
 * write). Never mutates its inputs. Pure.
 */
export function volumeClaimedBy(pv: PV, claim: PVC): PV | undefined {
  const ref = pv.spec?.claimRef;
  const refOk =
    ref?.name === claim.metadata.name && ref?.namespace === claim.metadata.namespace && ref?.uid === claim.metadata.uid;
  const byController = !refOk && !(ref?.name === claim.metadata.name && ref?.namespace === claim.metadata.namespace);
  if (refOk) return undefined;
  const next = structuredClone(pv);
  next.spec = {
    ...next.spec,
    claimRef: {
      kind: 'PersistentVolumeClaim',
      namespace: claim.metadata.namespace,
      name: claim.metadata.name,
      uid: claim.metadata.uid,
      apiVersion: 'v1',
      resourceVersion: claim.metadata.resourceVersion,
    },
  };
  if (byController) next.metadata.annotations = { ...next.metadata.annotations, [ANN_BOUND_BY_CONTROLLER]: 'yes' };
  return next;
}

/**
 * The claim with spec.volumeName = the volume and the `bind-completed` annotation (plus
 * `bound-by-controller` when the controller chose the volume), as Kubernetes' bindClaimToVolume.
 * undefined when nothing changes. Pure.
 */
export function claimBoundTo(claim: PVC, pv: PV): PVC | undefined {
  const name = pv.metadata.name ?? '';
  const ann = claim.metadata.annotations ?? {};
  const byController = claim.spec?.volumeName !== name;
  if (!byController && ann[ANN_BIND_COMPLETED] === 'yes') return undefined;
  const next = structuredClone(claim);
  next.spec = { ...next.spec, volumeName: name };
  next.metadata.annotations = {
    ...next.metadata.annotations,
    [ANN_BIND_COMPLETED]: 'yes',
    ...(byController ? { [ANN_BOUND_BY_CONTROLLER]: 'yes' } : {}),
  };
  return next;
}

/** The claim's status as Bound to the volume: phase, capacity and accessModes from the volume. undefined when already so. Pure. */
export function claimStatusBound(claim: PVC, pv: PV): PVC | undefined {
  const st = claim.status ?? {};
  const capacity = pv.spec?.capacity ?? {};
  const modes = pv.spec?.accessModes ?? [];
  if (
    st.phase === 'Bound' &&
    JSON.stringify(st.capacity ?? {}) === JSON.stringify(capacity) &&
    JSON.stringify(st.accessModes ?? []) === JSON.stringify(modes)
  )
    return undefined;
  return {
    ...structuredClone(claim),
    status: { ...structuredClone(st), phase: 'Bound', capacity: { ...capacity }, accessModes: [...modes] },
  };
}

/** The volume's status with `phase` (and reason/message when given, cleared otherwise). undefined when already so. Pure. */
export function volumeWithPhase(pv: PV, phase: string, reason?: string, message?: string): PV | undefined {
  const st = pv.status ?? {};
  if (st.phase === phase && st.reason === reason && st.message === message) return undefined;
  return { ...structuredClone(pv), status: { phase, ...(reason ? { reason } : {}), ...(message ? { message } : {}) } };
}
