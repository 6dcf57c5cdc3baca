import { addProtectionFinalizer, protectionFinalizerOf } from '../../api/storage-protection.js';
import type { AdmissionPlugin } from './plugin.js';

/** Kubernetes' StorageObjectInUseProtection: a new PVC or PV gets its protection finalizer. Pure. */
export const storageObjectInUseProtection: AdmissionPlugin = {
  name: 'StorageObjectInUseProtection',
  kind: 'mutating',
  pure: true,
  handles: (rt, operation) => operation === 'create' && rt.group === '' && protectionFinalizerOf(rt.kind) !== undefined,
  admit: (_operation, rt, obj) => addProtectionFinalizer(rt.kind, obj),
};
