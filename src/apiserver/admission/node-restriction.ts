/**
 * Kubernetes' NodeRestriction admission plugin (plugin/pkg/admission/noderestriction): what a node
 * (`system:node:<name>` in `system:nodes`) may write once the Node authorizer let the request
 * through. Its own Node (no taint changes, no restricted labels), mirror pods bound to itself,
 * status of its own pods (no label changes through status), evictions and deletions of its own
 * pods, its own Lease in kube-node-lease, its own CSINode, PVC status (nothing else of the claim),
 * and tokens only for pods bound to it. The 403 texts are Kubernetes' words.
 *
 *   request ─► node user? ─no─► (nothing to do)
 *                  └─yes─► pods / pods/status / pods/eviction / nodes / leases / csinodes /
 *                          pvc status / serviceaccounts/token ─► own? ─no─► 403
 *
 * Not pure: reads the watch cache for the node's UID (mirror pods) and the pod a token is bound to;
 * it acts only on requests of node users, so other creates still go to write workers.
 */
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { ApiError, type StatusDetails } from '../../api/errors.js';
import { deepEqual } from '../../api/deep-equal.js';
import { podReferences } from '../../api/kinds/pod-references.js';
import type { KubeObject } from '../../api/object.js';
import { nodeIdentity } from '../../api/rbac/node-identity.js';
import type { ResourceType } from '../../api/resource-type.js';
import type { AdmissionOperation, AdmissionPlugin, AdmissionRequest } from './plugin.js';

export const NODE_RESTRICTION = 'NodeRestriction';
const MIRROR_POD_ANNOTATION = 'kubernetes.io/config.mirror';
const NODE_LEASE_NAMESPACE = 'kube-node-lease';
const NODE_RESTRICTION_LABEL_NAMESPACE = 'node-restriction.kubernetes.io';

/** What the plugin reads besides the request: objects by kind, namespace and name (the watch cache). */
export interface NodeRestrictionLookup {
  node(name: string): Node | undefined;
  pod(namespace: string, name: string): Pod | undefined;
}

/** What the checks read of a request: its caller, subresource, namespace and name, operation and resource. */
type Attrs = Pick<AdmissionRequest, 'user' | 'subresource'> & {
  namespace: string;
  name: string;
  operation: AdmissionOperation;
  rt: ResourceType;
};

/** The plugin over a lookup (the server passes the watch cache's). */
export function nodeRestriction(lookup: NodeRestrictionLookup | undefined): AdmissionPlugin {
  return {
    name: NODE_RESTRICTION,
    kind: 'validating',
    pure: false,
    handles: (rt, _operation, attributes) =>
      attributes?.user !== undefined && nodeIdentity(attributes.user) !== undefined && restricted(rt),
    admit(operation, rt, obj, old, attributes) {
      if (!attributes?.user) return;
      const nodeName = nodeIdentity(attributes.user);
      if (nodeName === undefined) return;
      if (!lookup) throw new Error('NodeRestriction needs the watch cache (it never runs in a write worker)');
      const a: Attrs = {
        user: attributes.user,
        subresource: attributes.subresource,
        namespace: attributes.namespace ?? obj.metadata.namespace ?? '',
        name: attributes.name ?? '',
        operation,
        rt,
      };
      if (nodeName === '') throw forbidden(a, obj, `could not determine node from user "${attributes.user.name}"`);
      admitNodeRequest(nodeName, a, obj, old, lookup);
    },
  };
}

function restricted(rt: ResourceType): boolean {
  if (rt.group === '') return ['Pod', 'Node', 'PersistentVolumeClaim', 'ServiceAccount'].includes(rt.kind);
  return (
    (rt.group === 'coordination.k8s.io' && rt.kind === 'Lease') ||
    (rt.group === 'storage.k8s.io' && rt.kind === 'CSINode')
  );
}

/** The checks of one node request; throws the 403. Exported for tests. */
export function admitNodeRequest(
  nodeName: string,
  a: Attrs,
  obj: KubeObject,
  old: KubeObject | undefined,
  lookup: NodeRestrictionLookup,
): void {
  switch (a.rt.kind) {
    case 'Pod':
      if (a.subresource === '') admitPod(nodeName, a, obj, old, lookup);
      else if (a.subresource === 'status') admitPodStatus(nodeName, a, obj, old);
      else if (a.subresource === 'eviction') admitPodEviction(nodeName, a, obj, old);
      else
        throw forbidden(a, obj, `unexpected subresource "${a.subresource}", only 'status' and 'eviction' are allowed`);
      break;
    case 'Node':
      admitNode(nodeName, a, obj as Node, old as Node | undefined);
      break;
    case 'PersistentVolumeClaim':
      if (a.subresource !== 'status') throw forbidden(a, obj, 'may only update PVC status');
      admitPvcStatus(nodeName, a, obj, old);
      break;
    case 'ServiceAccount':
      admitServiceAccountToken(nodeName, a, obj, lookup);
      break;
    case 'Lease':
      admitLease(a, obj as Lease, nodeName);
      break;
    case 'CSINode':
      admitCsiNode(nodeName, a, obj);
      break;
  }
}

function admitPod(
  nodeName: string,
  a: Attrs,
  obj: KubeObject,
  old: KubeObject | undefined,
  lookup: NodeRestrictionLookup,
): void {
  if (a.operation === 'create') {
    admitMirrorPod(nodeName, a, obj as Pod, lookup);
    return;
  }
  if (a.operation === 'delete') {
    // only allow a node to delete a pod bound to itself
    if ((old as Pod | undefined)?.spec?.nodeName !== nodeName)
      throw forbidden(a, obj, `node "${nodeName}" can only delete pods with spec.nodeName set to itself`);
    return;
  }
  throw forbidden(
    a,
    obj,
    `unexpected operation "${opName(a.operation)}", node "${nodeName}" can only create and delete mirror pods`,
  );
}

function admitMirrorPod(nodeName: string, a: Attrs, pod: Pod, lookup: NodeRestrictionLookup): void {
  const deny = (message: string) => forbidden(a, pod, message);
  if (pod.metadata?.annotations?.[MIRROR_POD_ANNOTATION] === undefined)
    throw deny(
      `pod does not have "${MIRROR_POD_ANNOTATION}" annotation, node "${nodeName}" can only create mirror pods`,
    );
  if (pod.spec?.nodeName !== nodeName)
    throw deny(`node "${nodeName}" can only create pods with spec.nodeName set to itself`);
  const owners = pod.metadata?.ownerReferences ?? [];
  if (owners.length > 1)
    throw deny(`node "${nodeName}" can only create pods with a single owner reference set to itself`);
  if (owners.length === 0) throw deny(`node "${nodeName}" can only create pods with an owner reference set to itself`);
  const owner = owners[0];
  if (owner.apiVersion !== 'v1' || owner.kind !== 'Node' || owner.name !== nodeName)
    throw deny(`node "${nodeName}" can only create pods with an owner reference set to itself`);
  if (owner.controller !== true)
    throw deny(`node "${nodeName}" can only create pods with a controller owner reference set to itself`);
  if (owner.blockOwnerDeletion === true)
    throw deny(`node "${nodeName}" must not set blockOwnerDeletion on an owner reference`);
  const node = lookup.node(nodeName);
  if (!node) throw new ApiError(404, 'NotFound', `nodes "${nodeName}" not found`, { name: nodeName, kind: 'nodes' });
  if (owner.uid !== node.metadata?.uid)
    throw deny(`node ${nodeName} UID mismatch: expected ${node.metadata?.uid ?? ''} got ${owner.uid}`);
  // don't allow a node to create a pod that references any other API objects
  const refs = podReferences(pod);
  if (pod.spec?.serviceAccountName)
    throw deny(`node "${nodeName}" can not create pods that reference a service account`);
  if (refs.secrets.length > 0) throw deny(`node "${nodeName}" can not create pods that reference secrets`);
  if (refs.configMaps.length > 0) throw deny(`node "${nodeName}" can not create pods that reference configmaps`);
  for (const v of pod.spec?.volumes ?? []) {
    if (v.persistentVolumeClaim)
      throw deny(`node "${nodeName}" can not create pods that reference persistentvolumeclaims`);
    if (v.ephemeral) throw deny(`node "${nodeName}" can not create pods that use generic ephemeral volumes`);
  }
  if (((pod.spec as { resourceClaims?: unknown[] } | undefined)?.resourceClaims ?? []).length > 0)
    throw deny(`node "${nodeName}" can not create pods that reference resourceclaims`);
}

function admitPodStatus(nodeName: string, a: Attrs, obj: KubeObject, old: KubeObject | undefined): void {
  if (a.operation !== 'update') throw forbidden(a, obj, `unexpected operation "${opName(a.operation)}"`);
  const before = old as Pod | undefined;
  // only allow a node to update status of a pod bound to itself
  if (before?.spec?.nodeName !== nodeName)
    throw forbidden(a, obj, `node "${nodeName}" can only update pod status for pods with spec.nodeName set to itself`);
  if (!deepEqual(before.metadata?.labels ?? {}, obj.metadata.labels ?? {}))
    throw forbidden(a, obj, `node "${nodeName}" cannot update labels through pod status`);
  const claims = (p: object | undefined) =>
    (p as { status?: { resourceClaimStatuses?: unknown[] } } | undefined)?.status?.resourceClaimStatuses ?? [];
  if (!deepEqual(claims(before), claims(obj)))
    throw forbidden(a, obj, `node "${nodeName}" cannot update resource claim statues`);
}

function admitPodEviction(nodeName: string, a: Attrs, obj: KubeObject, pod: KubeObject | undefined): void {
  if (a.operation !== 'create') throw forbidden(a, obj, `unexpected operation ${opName(a.operation)}`);
  // only allow a node to evict a pod bound to itself
  if ((pod as Pod | undefined)?.spec?.nodeName !== nodeName)
    throw forbidden(a, obj, `node ${nodeName} can only evict pods with spec.nodeName set to itself`);
}

function admitNode(nodeName: string, a: Attrs, node: Node, old: Node | undefined): void {
  const requested = a.name || node.metadata?.name || '';
  if (requested !== nodeName)
    throw forbidden(a, node, `node "${nodeName}" is not allowed to modify node "${requested}"`);
  const configSource = (n: Node | undefined) => (n?.spec as { configSource?: unknown } | undefined)?.configSource;
  if (a.operation === 'create') {
    if (configSource(node) != null)
      throw forbidden(a, node, `node "${nodeName}" is not allowed to create pods with a non-nil configSource`);
    const labels = forbiddenLabels(modifiedLabels(node.metadata?.labels, undefined));
    if (labels.length > 0)
      throw forbidden(a, node, `node "${nodeName}" is not allowed to set the following labels: ${labels.join(', ')}`);
  }
  if (a.operation === 'update' && old) {
    if (configSource(node) != null && !deepEqual(configSource(node), configSource(old)))
      throw forbidden(
        a,
        node,
        `node "${nodeName}" is not allowed to update configSource to a new non-nil configSource`,
      );
    if (!deepEqual(node.spec?.taints ?? [], old.spec?.taints ?? []))
      throw forbidden(a, node, `node "${nodeName}" is not allowed to modify taints`);
    const labels = forbiddenLabels(modifiedLabels(node.metadata?.labels, old.metadata?.labels));
    if (labels.length > 0) throw forbidden(a, node, `is not allowed to modify labels: ${labels.join(', ')}`);
  }
}

function admitPvcStatus(nodeName: string, a: Attrs, obj: KubeObject, old: KubeObject | undefined): void {
  if (a.operation !== 'update') throw forbidden(a, obj, `unexpected operation "${opName(a.operation)}"`);
  // Only status.capacity, status.conditions and the resize fields may change.
  const strip = (p: KubeObject | undefined) => {
    const c = structuredClone(p ?? {}) as {
      metadata?: Record<string, unknown>;
      status?: Record<string, unknown>;
    };
    if (c.metadata) {
      delete c.metadata.resourceVersion;
      delete c.metadata.managedFields;
    }
    if (c.status) {
      for (const f of ['capacity', 'conditions', 'allocatedResources', 'allocatedResourceStatuses']) delete c.status[f];
    }
    return c;
  };
  if (!deepEqual(strip(old), strip(obj)))
    throw forbidden(
      a,
      obj,
      `node "${nodeName}" is not allowed to update fields other than status.capacity and status.conditions`,
    );
}

function admitServiceAccountToken(nodeName: string, a: Attrs, obj: KubeObject, lookup: NodeRestrictionLookup): void {
  if (a.operation !== 'create' || a.subresource !== 'token') return;
  const ref = (
    obj as { spec?: { boundObjectRef?: { apiVersion?: string; kind?: string; name?: string; uid?: string } } }
  ).spec?.boundObjectRef;
  // TokenRequests from a node must have a pod binding. That pod must be scheduled on the node.
  if (ref?.apiVersion !== 'v1' || ref.kind !== 'Pod' || !ref.name)
    throw forbidden(a, obj, 'node requested token not bound to a pod');
  if (!ref.uid) throw forbidden(a, obj, 'node requested token with a pod binding without a uid');
  const pod = lookup.pod(a.namespace, ref.name);
  if (!pod) throw new ApiError(404, 'NotFound', `pods "${ref.name}" not found`, { name: ref.name, kind: 'pods' });
  if (ref.uid !== pod.metadata?.uid)
    throw forbidden(
      a,
      obj,
      `the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`,
    );
  if (pod.spec?.nodeName !== nodeName)
    throw forbidden(a, obj, 'node requested token bound to a pod scheduled on a different node');
}

function admitLease(a: Attrs, lease: Lease, nodeName: string): void {
  if (a.namespace !== NODE_LEASE_NAMESPACE)
    throw forbidden(a, lease, `can only access leases in the "${NODE_LEASE_NAMESPACE}" system namespace`);
  const name = a.operation === 'create' ? (lease.metadata?.name ?? '') : a.name;
  if (name !== nodeName)
    throw forbidden(a, lease, 'can only access node lease with the same name as the requesting node');
}

function admitCsiNode(nodeName: string, a: Attrs, obj: KubeObject): void {
  const name = a.operation === 'create' ? (obj.metadata.name ?? '') : a.name;
  if (name !== nodeName) throw forbidden(a, obj, 'can only access CSINode with the same name as the requesting node');
}

/** Labels added, removed or changed between two label sets. */
function modifiedLabels(next: Record<string, string> | undefined, prev: Record<string, string> | undefined): string[] {
  const out = new Set<string>();
  for (const [k, v] of Object.entries(next ?? {})) if (prev?.[k] !== v) out.add(k);
  for (const k of Object.keys(prev ?? {})) if (!(k in (next ?? {}))) out.add(k);
  return [...out];
}

/** The kubelet's own labels (kubeletapis.IsKubeletLabel): the only kubernetes.io / k8s.io labels a node may set. */
const KUBELET_LABELS = new Set([
  'kubernetes.io/hostname',
  'topology.kubernetes.io/zone',
  'topology.kubernetes.io/region',
  'failure-domain.beta.kubernetes.io/zone',
  'failure-domain.beta.kubernetes.io/region',
  'beta.kubernetes.io/instance-type',
  'node.kubernetes.io/instance-type',
  'kubernetes.io/os',
  'kubernetes.io/arch',
  'beta.kubernetes.io/os',
  'beta.kubernetes.io/arch',
]);
const KUBELET_LABEL_NAMESPACES = ['kubelet.kubernetes.io', 'node.kubernetes.io'];

function labelNamespace(key: string): string {
  const i = key.indexOf('/');
  return i < 0 ? '' : key.slice(0, i);
}

const inNamespace = (ns: string, domain: string) => ns === domain || ns.endsWith(`.${domain}`);

function isKubeletLabel(key: string): boolean {
  if (KUBELET_LABELS.has(key)) return true;
  const ns = labelNamespace(key);
  return KUBELET_LABEL_NAMESPACES.some((d) => inNamespace(ns, d));
}

/**
 * The labels a node may not add, remove or change (getForbiddenLabels): anything under
 * node-restriction.kubernetes.io, and kubernetes.io / k8s.io labels that are not the kubelet's own.
 * Sorted, as Kubernetes' sets.String.List().
 */
export function forbiddenLabels(modified: readonly string[]): string[] {
  const out = new Set<string>();
  for (const label of modified) {
    const ns = labelNamespace(label);
    if (inNamespace(ns, NODE_RESTRICTION_LABEL_NAMESPACE)) out.add(label);
    const kubernetes = inNamespace(ns, 'kubernetes.io') || inNamespace(ns, 'k8s.io');
    if (kubernetes && !isKubeletLabel(label)) out.add(label);
  }
  return [...out].sort();
}

/** Kubernetes' operation names in messages (admission.Operation). */
function opName(op: AdmissionOperation): string {
  return op.toUpperCase();
}

/**
 * admission.NewForbidden: `<resource> "<name>" is forbidden: <message>`, the resource qualified by
 * its group, the name from the request or else the object.
 */
function forbidden(a: Attrs, obj: { metadata?: { name?: string } } | undefined, message: string): ApiError {
  const name = a.name || obj?.metadata?.name || '';
  const resource = a.rt.group ? `${a.rt.plural}.${a.rt.group}` : a.rt.plural;
  const details: StatusDetails = { kind: a.rt.plural };
  if (name) details.name = name;
  if (a.rt.group) details.group = a.rt.group;
  const text = name ? `${resource} "${name}" is forbidden: ${message}` : `${resource} is forbidden: ${message}`;
  return new ApiError(403, 'Forbidden', text, details);
}
