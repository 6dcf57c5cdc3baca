/**
 * Patch semantics of the Kubernetes API server: JSON patch, JSON merge patch, strategic merge
 * patch, server-side apply and managedFields tracking. Pure functions over plain JSON.
 */
export { applyJsonPatch } from './json-patch.js';
export { applyMergePatch } from './merge-patch.js';
export { applyStrategicMergePatch } from './strategic-merge-patch.js';
export { applyPatch, JSON_PATCH, MERGE_PATCH, STRATEGIC_MERGE_PATCH, APPLY_PATCH_YAML } from './apply-patch.js';
export { applyServerSide, type ApplyOptions } from './server-side-apply.js';
export { updateManagedFields, type UpdateManagedFieldsOptions } from './managed-fields.js';
export { fieldSetOf } from './to-field-set.js';
export { FieldSet } from './field-set.js';
export { formatPath, type FieldPath, type PathElement } from './field-path.js';
export { decodeManagedFields, encodeManagedFields, type Manager } from './managed-fields-codec.js';
