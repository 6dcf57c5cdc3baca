import type { Pod, PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../api/object.js';
import { controllerRefTo } from './controller-ref.js';
import type { ObjectOf } from '../../machinery/resources/resource.js';

/** Longest generateName prefix that still leaves room for the 5 random characters in a 63-character name. */
const MAX_PREFIX = 58;

/**
 * The pod a controller creates from its template (controller.GetPodFromTemplate): template labels,
 * annotations and finalizers, a copy of the template spec, generateName `<owner>-` and the owner's
 * controller reference (controller=true, blockOwnerDeletion=true). Pure.
 */
export function podFromTemplate(template: PodTemplateSpec | undefined, owner: KubeObject): ObjectOf<Pod> {
  const meta = template?.metadata ?? {};
  const name = owner.metadata.name ?? '';
  const prefix = `${name}-`.length <= MAX_PREFIX ? `${name}-` : name.slice(0, MAX_PREFIX);
  const pod: ObjectOf<Pod> = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { generateName: prefix, namespace: owner.metadata.namespace, ownerReferences: [controllerRefTo(owner)] },
    spec: structuredClone(template?.spec ?? { containers: [] }),
  };
  const m = pod.metadata;
  if (meta.labels) m.labels = { ...meta.labels };
  if (meta.annotations) m.annotations = { ...meta.annotations };
  if (meta.finalizers?.length) m.finalizers = [...meta.finalizers];
  return pod;
}
