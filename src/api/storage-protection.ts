import type { KubeObject } from './object.js';

/**
 * Finalizers Kubernetes' StorageObjectInUseProtection admission puts on every new claim and volume:
 * the API server's admission adds them, the volume-protection controller removes them once the
 * claim is unused (or the volume unbound).
 */
export const PVC_PROTECTION = 'kubernetes.io/pvc-protection';
export const PV_PROTECTION = 'kubernetes.io/pv-protection';

/** The protection finalizer of a core kind, or undefined for kinds without one. Pure. */
export function protectionFinalizerOf(kind: string): string | undefined {
  return kind === 'PersistentVolumeClaim' ? PVC_PROTECTION : kind === 'PersistentVolume' ? PV_PROTECTION : undefined;
}

/** Adds the kind's protection finalizer to `obj` when it is missing (mutates obj; a no-op for other kinds). Idempotent. */
export function addProtectionFinalizer(kind: string, obj: KubeObject): void {
  const finalizer = protectionFinalizerOf(kind);
  if (!finalizer) return;
  const list = obj.metadata.finalizers ?? [];
  if (!list.includes(finalizer)) obj.metadata.finalizers = [...list, finalizer];
}
