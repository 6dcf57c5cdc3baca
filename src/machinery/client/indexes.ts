import type { Pod } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../api/object.js';
import type { ObjectOf } from '../resources/resource.js';
import type { Informer } from './informer.js';

// Index functions several controllers add to the same shared informer. Each is one function
// object, so a second addIndex() of it is a no-op (see Informer.addIndex).

/** Objects by the uid of their controlling owner (the ownerReference with controller: true). */
export const CONTROLLER_UID_INDEX = 'controller-uid';
export function indexByControllerUid(obj: KubeObject): string[] {
  const ref = obj.metadata.ownerReferences?.find((r) => r.controller === true);
  return ref?.uid ? [ref.uid] : [];
}

/** Objects by their controlling owner's `namespace/Kind/name` (finds objects of a deleted or replaced owner). */
export const CONTROLLER_NAME_INDEX = 'controller-name';
export function indexByControllerName(obj: KubeObject): string[] {
  const ref = obj.metadata.ownerReferences?.find((r) => r.controller === true);
  return ref ? [controllerNameKey(obj.metadata.namespace ?? '', ref.kind, ref.name)] : [];
}
export function controllerNameKey(namespace: string, kind: string, name: string): string {
  return `${namespace}/${kind}/${name}`;
}

/** Pods by spec.nodeName (unscheduled pods are not indexed). */
export const NODE_NAME_INDEX = 'spec.nodeName';
export function indexByNodeName(pod: ObjectOf<Pod>): string[] {
  return pod.spec?.nodeName ? [pod.spec.nodeName] : [];
}

/** Objects whose controlling owner has this uid, from the informer's controller-uid index (added on first use). */
export function controlledBy<T extends KubeObject>(informer: Informer<T>, uid: string | undefined): T[] {
  if (!uid) return [];
  informer.addIndex(CONTROLLER_UID_INDEX, indexByControllerUid);
  return informer.byIndex(CONTROLLER_UID_INDEX, uid);
}

/** Pods bound to this node, from the informer's spec.nodeName index (added on first use). */
export function podsOnNode(informer: Informer<ObjectOf<Pod>>, nodeName: string): ObjectOf<Pod>[] {
  informer.addIndex(NODE_NAME_INDEX, indexByNodeName);
  return informer.byIndex(NODE_NAME_INDEX, nodeName);
}

/** Objects whose controlling owner is `kind`/`name` in `namespace`, whatever its uid (added on first use). */
export function controlledByName<T extends KubeObject>(
  informer: Informer<T>,
  namespace: string,
  kind: string,
  name: string,
): T[] {
  informer.addIndex(CONTROLLER_NAME_INDEX, indexByControllerName);
  return informer.byIndex(CONTROLLER_NAME_INDEX, controllerNameKey(namespace, kind, name));
}
