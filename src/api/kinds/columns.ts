import type { TableColumn } from '../kind-strategy.js';

/** Column builders matching Kubernetes' printers (type string unless told; descriptions shortened). */
export const NAME_DESCRIPTION =
  'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names';
export const AGE_DESCRIPTION =
  'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata';

export const nameColumn = (): TableColumn => ({
  name: 'Name',
  type: 'string',
  format: 'name',
  description: NAME_DESCRIPTION,
  priority: 0,
});
export const ageColumn = (): TableColumn => ({
  name: 'Age',
  type: 'string',
  format: '',
  description: AGE_DESCRIPTION,
  priority: 0,
});

/** Any other column: `col('Ready', 'string', 'The aggregate readiness ...')`, `wide` for priority 1. */
export function col(name: string, type: TableColumn['type'] = 'string', description = '', wide = false): TableColumn {
  return { name, type, format: '', description, priority: wide ? 1 : 0 };
}

export const containersColumn = (): TableColumn =>
  col('Containers', 'string', 'Names of each container in the template.', true);
export const imagesColumn = (): TableColumn =>
  col('Images', 'string', 'Images referenced by each container in the template.', true);
export const selectorColumn = (
  description = 'A label query over pods that should match the replica count.',
): TableColumn => col('Selector', 'string', description, true);
