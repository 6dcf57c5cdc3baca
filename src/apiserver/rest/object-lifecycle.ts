import { randomUUID, randomInt } from 'node:crypto';
import type { KubeObject } from '../../api/object.js';
import type { ResourceType } from '../../api/resource-type.js';
import { deepEqual } from '../../api/deep-equal.js';
import { errors } from '../../api/errors.js';

let lastSecond = NaN;
let lastTimestamp = '';

/** Kubernetes' timestamp form: RFC 3339 at second precision, UTC. (Formatted once per second.) */
export function timestamp(d: Date): string {
  const second = Math.floor(d.getTime() / 1000);
  if (second !== lastSecond) {
    lastTimestamp = d.toISOString().replace(/\.\d{3}Z$/, 'Z');
    lastSecond = second;
  }
  return lastTimestamp;
}

/**
 * ObjectMeta's maps and lists are `omitempty` in Kubernetes: an emptied `labels` or `annotations`
 * (e.g. after `kubectl label x k-`) is not kept as `{}`.
 */
export function pruneEmptyMetadata(obj: KubeObject): void {
  const m = obj.metadata as Record<string, unknown>;
  for (const k of ['labels', 'annotations', 'finalizers', 'ownerReferences', 'managedFields']) {
    const v = m[k];
    if (
      v === null ||
      (Array.isArray(v) && v.length === 0) ||
      (typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 0)
    )
      delete m[k];
  }
}

/** Kinds whose strategies track metadata.generation (bumped when anything but metadata and status changes). */
const TRACKS_GENERATION = new Set([
  'Deployment',
  'ReplicaSet',
  'StatefulSet',
  'DaemonSet',
  'Job',
  'CronJob',
  'HorizontalPodAutoscaler',
  'PodDisruptionBudget',
  'NetworkPolicy',
  'Ingress',
  'CustomResourceDefinition',
]);

// Kubernetes' generateName alphabet: no vowels, no 0/1/3 (names.SimpleNameGenerator).
const NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** Five random characters of Kubernetes' generateName alphabet (names.SimpleNameGenerator's suffix). */
export function randomNameSuffix(): string {
  let suffix = '';
  for (let i = 0; i < 5; i++) suffix += NAME_ALPHABET[randomInt(NAME_ALPHABET.length)];
  return suffix;
}

/**
 * Fills the server-owned metadata of an object about to be created: name from generateName, uid,
 * creationTimestamp, generation, and the kind's initial status. Clears what a client may not set.
 */
export function prepareForCreate(obj: KubeObject, rt: ResourceType, namespace: string, now: Date): void {
  const m = obj.metadata;
  pruneEmptyMetadata(obj);
  if (!m.name && m.generateName) m.name = m.generateName.slice(0, 58) + randomNameSuffix();
  if (rt.namespaced) m.namespace = namespace;
  else delete m.namespace;
  m.uid = randomUUID();
  m.creationTimestamp = timestamp(now);
  delete m.resourceVersion;
  delete m.deletionTimestamp;
  delete m.deletionGracePeriodSeconds;
  delete (m as Record<string, unknown>).selfLink;
  // Custom resources always track generation, as kube-apiserver's custom resource strategy does.
  if (TRACKS_GENERATION.has(rt.kind) || rt.custom) m.generation = 1;
  else delete m.generation;
  if (rt.subresources.includes('status')) {
    if (rt.custom) delete obj.status;
    else obj.status = initialStatus(rt.kind, obj);
  }
}

function initialStatus(kind: string, obj: KubeObject): Record<string, unknown> {
  switch (kind) {
    case 'Pod':
      return { phase: 'Pending', qosClass: qosClass(obj) };
    case 'Namespace':
      return { phase: 'Active' };
    case 'PersistentVolumeClaim':
      return { phase: 'Pending' };
    case 'PersistentVolume':
      return { phase: 'Pending' };
    case 'Node':
      return (obj.status as Record<string, unknown> | undefined) ?? {}; // kubelets register with status
    case 'Service':
      return { loadBalancer: {} };
    default:
      return {};
  }
}

type Resources = { requests?: Record<string, string>; limits?: Record<string, string> };

/** The pod's QoS class (Guaranteed, Burstable, BestEffort) from its containers' cpu and memory. */
export function qosClass(pod: KubeObject): string {
  const spec = (pod.spec ?? {}) as {
    containers?: { resources?: Resources }[];
    initContainers?: { resources?: Resources }[];
  };
  const containers = [...(spec.containers ?? []), ...(spec.initContainers ?? [])];
  let any = false;
  let guaranteed = true;
  for (const c of containers) {
    const r = c.resources ?? {};
    for (const res of ['cpu', 'memory']) {
      const req = r.requests?.[res];
      const lim = r.limits?.[res];
      if (req !== undefined || lim !== undefined) any = true;
      if (lim === undefined || (req !== undefined && req !== lim)) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

/**
 * Subresources whose writes change only status: `status`, and a CertificateSigningRequest's
 * `approval` (its conditions; the kind's strategy narrows what each may change).
 */
export const STATUS_WRITERS: ReadonlySet<string> = new Set(['status', 'approval']);

/**
 * Carries server-owned fields from the stored object into an update: identity and timestamps,
 * status (or everything but status, for the status subresource), and bumps generation on spec changes.
 * Throws 400/422 when the client tries to change the name or namespace.
 */
export function prepareForUpdate(next: KubeObject, old: KubeObject, rt: ResourceType, subresource: string): void {
  const m = next.metadata;
  const o = old.metadata;
  pruneEmptyMetadata(next);
  if (m.name !== o.name)
    throw errors.badRequest(`the name of the object (${m.name}) does not match the name on the URL (${o.name})`);
  if (rt.namespaced && (m.namespace ?? o.namespace) !== o.namespace) {
    throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
  m.namespace = o.namespace;
  if (!rt.namespaced) delete m.namespace;
  m.uid = o.uid;
  m.creationTimestamp = o.creationTimestamp;
  if (o.deletionTimestamp) {
    m.deletionTimestamp = o.deletionTimestamp;
    m.deletionGracePeriodSeconds = o.deletionGracePeriodSeconds;
  } else {
    delete m.deletionTimestamp;
    delete m.deletionGracePeriodSeconds;
  }
  if (STATUS_WRITERS.has(subresource)) {
    // Only status may change through the status subresource; keep the stored rest.
    for (const k of Object.keys(next))
      if (k !== 'status' && k !== 'metadata' && k !== 'apiVersion' && k !== 'kind') delete next[k];
    for (const k of Object.keys(old)) if (k !== 'status' && k !== 'metadata') next[k] = old[k];
    const managedFields = m.managedFields;
    next.metadata = { ...o, resourceVersion: m.resourceVersion, managedFields: managedFields ?? o.managedFields };
    return;
  }
  // Only the status subresource (and a pod binding, which sets the PodScheduled condition) may write status.
  if (rt.subresources.includes('status') && subresource !== 'binding') {
    if (old.status === undefined) delete next.status;
    else next.status = old.status;
  }
  if (o.generation !== undefined) {
    m.generation = specChanged(next, old) ? o.generation + 1 : o.generation;
  }
}

function specChanged(next: KubeObject, old: KubeObject): boolean {
  const keys = new Set([...Object.keys(next), ...Object.keys(old)]);
  for (const k of keys) {
    if (k === 'metadata' || k === 'status' || k === 'apiVersion' || k === 'kind') continue;
    if (!deepEqual(next[k], old[k])) return true;
  }
  return false;
}
