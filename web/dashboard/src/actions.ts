/**
 * The actions on an object, as kubectl makes them: which kinds have which, what the user must be
 * allowed (for SelfSubjectAccessReview), and the exact requests. Pure, so the requests are tested
 * without a browser; views/object-actions.ts runs them with the user's session.
 */
import type { AccessCheck } from './access';
import { type ResourceKind, resourcePath } from './discovery';

export type ActionId = 'scale' | 'restart' | 'undo' | 'pause' | 'resume' | 'cordon' | 'uncordon' | 'drain' | 'delete';

export interface Target {
  kind: Pick<ResourceKind, 'group' | 'version' | 'resource' | 'kind' | 'verbs'>;
  namespace?: string;
  name: string;
}

/** One API request: path (with query), method, body and its content type. */
export interface ApiRequest {
  method: 'POST' | 'PATCH' | 'DELETE';
  path: string;
  contentType: string;
  body: unknown;
}

export const FIELD_MANAGER = 'flotilla-dashboard';
const MERGE = 'application/merge-patch+json';
const STRATEGIC = 'application/strategic-merge-patch+json';
const JSON_PATCH = 'application/json-patch+json';

const is = (t: Target, group: string, ...resources: string[]) =>
  t.kind.group === group && resources.includes(t.kind.resource);

/** The actions an object of this kind offers, in button order. */
export function actionsFor(t: Target): ActionId[] {
  const out: ActionId[] = [];
  if (is(t, 'apps', 'deployments', 'statefulsets', 'replicasets')) out.push('scale');
  if (is(t, 'apps', 'deployments', 'statefulsets', 'daemonsets')) out.push('restart');
  if (is(t, 'apps', 'deployments')) out.push('undo', 'pause', 'resume');
  if (is(t, '', 'nodes')) out.push('cordon', 'uncordon', 'drain');
  if (t.kind.verbs.includes('delete')) out.push('delete');
  return out;
}

/** What the user must be allowed for `action` on `t` (all of them). */
export function accessFor(action: ActionId, t: Target): AccessCheck[] {
  const base = { group: t.kind.group, resource: t.kind.resource, namespace: t.namespace, name: t.name };
  switch (action) {
    case 'scale':
      return [{ ...base, verb: 'patch', subresource: 'scale' }];
    case 'restart':
    case 'pause':
    case 'resume':
    case 'cordon':
    case 'uncordon':
      return [{ ...base, verb: 'patch' }];
    case 'undo':
      return [
        { ...base, verb: 'patch' },
        { verb: 'list', group: 'apps', resource: 'replicasets', namespace: t.namespace },
      ];
    case 'drain':
      return [
        { ...base, verb: 'patch' },
        { verb: 'list', group: '', resource: 'pods' },
        { verb: 'create', group: '', resource: 'pods', subresource: 'eviction' },
      ];
    case 'delete':
      return [{ ...base, verb: 'delete' }];
  }
}

const path = (t: Target, sub = '', query: Record<string, string> = {}) => {
  const q = new URLSearchParams({ fieldManager: FIELD_MANAGER, ...query });
  return `${resourcePath(t.kind, t.namespace, t.name)}${sub ? `/${sub}` : ''}?${q}`;
};

/** `kubectl scale --replicas=N`: a merge patch of the scale subresource. */
export function scaleRequest(t: Target, replicas: number): ApiRequest {
  if (!Number.isInteger(replicas) || replicas < 0) throw new Error('replicas must be a whole number, 0 or more');
  return { method: 'PATCH', path: path(t, 'scale'), contentType: MERGE, body: { spec: { replicas } } };
}

/** `kubectl rollout restart`: a new restartedAt annotation on the pod template. */
export function restartRequest(t: Target, now: Date): ApiRequest {
  return {
    method: 'PATCH',
    path: path(t),
    contentType: STRATEGIC,
    body: {
      spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': now.toISOString() } } } },
    },
  };
}

/** `kubectl rollout pause|resume`. */
export function pauseRequest(t: Target, paused: boolean): ApiRequest {
  return { method: 'PATCH', path: path(t), contentType: STRATEGIC, body: { spec: { paused } } };
}

/** `kubectl cordon|uncordon`. */
export function cordonRequest(t: Target, unschedulable: boolean): ApiRequest {
  return { method: 'PATCH', path: path(t), contentType: STRATEGIC, body: { spec: { unschedulable } } };
}

/** `kubectl delete` (background propagation, as kubectl's default cascade). */
export function deleteRequest(t: Target): ApiRequest {
  return {
    method: 'DELETE',
    path: `${resourcePath(t.kind, t.namespace, t.name)}`,
    contentType: 'application/json',
    body: { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background' },
  };
}

interface Meta {
  name?: string;
  uid?: string;
  annotations?: Record<string, string>;
  labels?: Record<string, string>;
  ownerReferences?: { uid: string; controller?: boolean; kind?: string }[];
}
export interface Deployment {
  metadata: Meta;
  spec?: {
    selector?: { matchLabels?: Record<string, string> };
    template?: { metadata?: Meta } & Record<string, unknown>;
  };
}
export interface ReplicaSet {
  metadata: Meta;
  spec?: { template?: { metadata?: Meta } & Record<string, unknown> };
}

const REVISION = 'deployment.kubernetes.io/revision';
/** Annotations that belong to the Deployment, not its template (kubectl's annotationsToSkip). */
const SKIPPED_ANNOTATIONS = new Set([
  'kubectl.kubernetes.io/last-applied-configuration',
  REVISION,
  'deployment.kubernetes.io/revision-history',
  'deployment.kubernetes.io/desired-replicas',
  'deployment.kubernetes.io/max-replicas',
  'deprecated.deployment.rollback.to',
]);

/**
 * `kubectl rollout undo [--to-revision=N]`: the ReplicaSets the Deployment controls, by revision;
 * the JSON patch puts the chosen one's template (without pod-template-hash) and annotations back.
 * `toRevision` 0 is the one before the current. Throws with kubectl's messages when there is none.
 */
export function undoRequest(t: Target, d: Deployment, replicaSets: ReplicaSet[], toRevision = 0): ApiRequest {
  const owned = replicaSets
    .filter((rs) => rs.metadata.ownerReferences?.some((o) => o.controller && o.uid === d.metadata.uid))
    .map((rs) => ({ rs, revision: Number(rs.metadata.annotations?.[REVISION] ?? '0') }))
    .sort((a, b) => a.revision - b.revision);
  let chosen: ReplicaSet | undefined;
  if (toRevision > 0) {
    chosen = owned.find((o) => o.revision === toRevision)?.rs;
    if (!chosen) throw new Error(`unable to find specified revision ${toRevision} in history`);
  } else {
    if (owned.length < 2) throw new Error(`no rollout history found for deployment "${t.name}"`);
    chosen = owned[owned.length - 2]?.rs;
  }
  const template = structuredClone(chosen?.spec?.template ?? {});
  if (template.metadata?.labels) delete template.metadata.labels['pod-template-hash'];
  const annotations: Record<string, string> = {};
  for (const [k, v] of Object.entries(d.metadata.annotations ?? {})) if (SKIPPED_ANNOTATIONS.has(k)) annotations[k] = v;
  for (const [k, v] of Object.entries(chosen?.metadata.annotations ?? {}))
    if (!SKIPPED_ANNOTATIONS.has(k)) annotations[k] = v;
  return {
    method: 'PATCH',
    path: path(t),
    contentType: JSON_PATCH,
    body: [
      { op: 'replace', path: '/spec/template', value: template },
      { op: 'replace', path: '/metadata/annotations', value: annotations },
    ],
  };
}

/** The label selector of a Deployment's matchLabels, for listing its ReplicaSets. */
export function selectorOf(d: Deployment): string {
  return Object.entries(d.spec?.selector?.matchLabels ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

export interface Pod {
  metadata: Meta & { namespace?: string };
  spec?: { volumes?: { name: string; emptyDir?: unknown }[] };
  status?: { phase?: string };
}

export interface DrainOptions {
  /** Evict pods no controller will recreate (kubectl --force). */
  force: boolean;
  /** Evict pods with emptyDir volumes, whose data is lost (kubectl --delete-emptydir-data). */
  deleteEmptyDirData: boolean;
}

export interface DrainPlan {
  evict: Pod[];
  /** Left alone, as kubectl does: DaemonSet pods (--ignore-daemonsets) and mirror pods. */
  skipped: { pod: Pod; reason: string }[];
  /** Stop the drain unless an option allows them (kubectl refuses the whole drain). */
  blocked: { pod: Pod; reason: string }[];
}

/** kubectl drain's pod filters, in its order: mirror, DaemonSet, finished, unreplicated, emptyDir. Pure. */
export function drainPlan(pods: Pod[], o: DrainOptions): DrainPlan {
  const plan: DrainPlan = { evict: [], skipped: [], blocked: [] };
  for (const pod of pods) {
    const controller = pod.metadata.ownerReferences?.find((r) => r.controller);
    const finished = pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
    if (pod.metadata.annotations?.['kubernetes.io/config.mirror'] !== undefined)
      plan.skipped.push({ pod, reason: 'mirror pod' });
    else if (controller?.kind === 'DaemonSet') plan.skipped.push({ pod, reason: 'DaemonSet-managed' });
    else if (!finished && !controller && !o.force)
      plan.blocked.push({ pod, reason: 'not managed by a controller (force deletes it)' });
    else if (!finished && !o.deleteEmptyDirData && pod.spec?.volumes?.some((v) => v.emptyDir !== undefined))
      plan.blocked.push({ pod, reason: 'has emptyDir data (allow deleting it)' });
    else plan.evict.push(pod);
  }
  return plan;
}

/** POST pods/<name>/eviction (policy/v1), as kubectl drain. */
export function evictionRequest(pod: Pod): ApiRequest {
  const ns = pod.metadata.namespace ?? 'default';
  const name = pod.metadata.name ?? '';
  return {
    method: 'POST',
    path: `/api/v1/namespaces/${encodeURIComponent(ns)}/pods/${encodeURIComponent(name)}/eviction`,
    contentType: 'application/json',
    body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace: ns } },
  };
}
