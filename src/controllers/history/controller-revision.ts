import type { ControllerRevision } from 'kubernetes-types/apps/v1.js';
import type { PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../api/object.js';
import { deepEqual } from '../../api/deep-equal.js';
import { fnv32a, stableJson } from '../deployment/pod-template-hash.js';
import { controllerOf, controllerRefTo } from '../replicaset/controller-ref.js';

/** The label on ControllerRevisions and on the pods made from them (StatefulSet: revision name; DaemonSet: the hash). */
export const CONTROLLER_REVISION_HASH = 'controller-revision-hash';

/** Names are at most 253 characters; Kubernetes keeps 223 for the prefix (ControllerRevisionName). */
const MAX_PREFIX = 223;

/** SafeEncodeString's alphabet (as the pod-template-hash). */
const SAFE = 'bcdfghjklmnpqrstvwxz2456789';

export type Revision = KubeObject & ControllerRevision;

/**
 * The data a StatefulSet or DaemonSet stores in its ControllerRevision (getPatch in Kubernetes):
 * a strategic merge patch that replaces the whole template. Pure.
 */
export function revisionData(template: PodTemplateSpec | undefined): Record<string, unknown> {
  return { spec: { template: { ...structuredClone(template ?? {}), $patch: 'replace' } } };
}

/** The pod template stored in a revision made by revisionData (undefined when it holds none). Pure. */
export function templateOfRevision(rev: ControllerRevision): PodTemplateSpec | undefined {
  const t = (rev.data as { spec?: { template?: PodTemplateSpec & { $patch?: string } } } | undefined)?.spec?.template;
  if (!t) return undefined;
  const { $patch: _ignored, ...rest } = t;
  return rest;
}

/**
 * history.HashControllerRevision: FNV-32a of the data (stable JSON; Kubernetes hashes the raw
 * bytes), then collisionCount as 4 little-endian bytes when set, in decimal through
 * SafeEncodeString. Pure.
 */
export function hashRevisionData(data: unknown, collisionCount?: number): string {
  let h = fnv32a(new TextEncoder().encode(stableJson(data)));
  if (collisionCount !== undefined) {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, collisionCount >>> 0, true);
    h = fnv32a(b, h);
  }
  return [...String(h)].map((c) => SAFE[c.charCodeAt(0) % SAFE.length]).join('');
}

/** `<parent>-<hash>` with the parent name cut to 223 characters (ControllerRevisionName). Pure. */
export function revisionName(parent: string, hash: string): string {
  return `${parent.length > MAX_PREFIX ? parent.slice(0, MAX_PREFIX) : parent}-${hash}`;
}

export interface NewRevisionOptions {
  /** The value of the controller-revision-hash label: 'name' (StatefulSet) or 'hash' (DaemonSet). */
  hashLabel: 'name' | 'hash';
  revision: number;
  collisionCount?: number;
}

/**
 * The ControllerRevision for a parent's current template (history.NewControllerRevision): named
 * `<parent>-<hash>`, labelled with the template's labels plus controller-revision-hash, controlled
 * by the parent, in its namespace. Pure.
 */
export function newRevision(
  parent: KubeObject,
  template: PodTemplateSpec | undefined,
  opts: NewRevisionOptions,
): Revision {
  const data = revisionData(template);
  const hash = hashRevisionData(data, opts.collisionCount);
  const name = revisionName(parent.metadata.name ?? '', hash);
  return {
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: {
      name,
      namespace: parent.metadata.namespace,
      labels: {
        ...(template?.metadata?.labels ?? {}),
        [CONTROLLER_REVISION_HASH]: opts.hashLabel === 'name' ? name : hash,
      },
      ownerReferences: [controllerRefTo(parent)],
    },
    data,
    revision: opts.revision,
  };
}

/** Whether two revisions hold the same data (history.EqualRevision, ignoring hashes). Pure. */
export function equalRevision(a: ControllerRevision, b: ControllerRevision): boolean {
  return deepEqual(a.data ?? null, b.data ?? null);
}

/** The revisions controlled by the parent (by uid), oldest revision number first (then by name). Pure. */
export function ownedRevisions(parent: KubeObject, all: readonly KubeObject[]): Revision[] {
  return (all as Revision[])
    .filter((r) => controllerOf(r)?.uid === parent.metadata.uid && r.metadata.namespace === parent.metadata.namespace)
    .sort((a, b) => a.revision - b.revision || (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
}

/** One more than the highest revision number, 1 for none (nextRevision). Pure. */
export function nextRevisionNumber(revisions: readonly ControllerRevision[]): number {
  return revisions.reduce((m, r) => Math.max(m, r.revision), 0) + 1;
}

/**
 * Old revisions to delete beyond revisionHistoryLimit: the oldest first, never one in `live`
 * (the current and update revisions, and those pods still carry). Pure.
 */
export function revisionsToPrune(revisions: readonly Revision[], live: ReadonlySet<string>, limit: number): Revision[] {
  const dead = revisions.filter((r) => !live.has(r.metadata.name ?? ''));
  const excess = dead.length - Math.max(0, limit);
  return excess > 0 ? dead.slice(0, excess) : [];
}
