import type { PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../api/object.js';
import type { KubeClient } from '../../machinery/client/kube-client.js';
import { isAlreadyExists, isNotFound } from '../../machinery/client/client-error.js';
import { equalRevision, newRevision, nextRevisionNumber, type Revision } from './controller-revision.js';
import { CONTROLLER_REVISIONS } from '../../machinery/resources/well-known.js';

export interface RevisionsResult {
  /** The revision of the parent's current template (created, reused or renumbered). */
  update: Revision;
  /** The revision status.currentRevision names, or `update` when it is unknown. */
  current: Revision;
  /** The collisionCount to write to status (raised when a name was taken by different data). */
  collisionCount: number;
  /** Every owned revision, `update` included, oldest first. */
  revisions: Revision[];
}

/**
 * getStatefulSetRevisions / constructHistory, shared by the StatefulSet and DaemonSet controllers:
 * finds the revision equal to the current template; if it is not the newest, gives it the next
 * revision number (a rollback); otherwise creates it, raising collisionCount while the name is
 * taken by different data. `owned` are the parent's revisions from the cache, oldest first.
 * Idempotent; throws on API failures (the caller retries).
 */
export async function syncRevisions(
  client: KubeClient,
  parent: KubeObject,
  template: PodTemplateSpec | undefined,
  owned: Revision[],
  opts: { hashLabel: 'name' | 'hash'; collisionCount: number; currentRevisionName?: string },
): Promise<RevisionsResult> {
  const ns = parent.metadata.namespace ?? '';
  let collisionCount = opts.collisionCount;
  const revisions = [...owned];
  const next = nextRevisionNumber(revisions);
  const probe = newRevision(parent, template, { hashLabel: opts.hashLabel, revision: next, collisionCount });
  const equal = revisions.filter((r) => equalRevision(r, probe));
  let update: Revision;
  const newest = revisions[revisions.length - 1];
  if (equal.length > 0) {
    const found = equal[equal.length - 1];
    if (newest && found !== newest && found.revision !== newest.revision) {
      update = await client.patch<Revision>(CONTROLLER_REVISIONS, ns, found.metadata.name ?? '', 'merge', {
        revision: next,
        metadata: { resourceVersion: found.metadata.resourceVersion },
      });
      revisions.splice(revisions.indexOf(found), 1);
      revisions.push(update);
    } else {
      update = found;
    }
  } else {
    for (;;) {
      const rev = newRevision(parent, template, { hashLabel: opts.hashLabel, revision: next, collisionCount });
      try {
        update = await client.create<Revision>(CONTROLLER_REVISIONS, ns, rev);
        break;
      } catch (err) {
        if (!isAlreadyExists(err)) throw err;
        const existing = await client.get<Revision>(CONTROLLER_REVISIONS, ns, rev.metadata.name ?? '');
        if (
          equalRevision(existing, rev) &&
          existing.metadata.ownerReferences?.some((r) => r.uid === parent.metadata.uid)
        ) {
          update = existing;
          break;
        }
        collisionCount++;
      }
    }
    revisions.push(update);
  }
  const current = revisions.find((r) => r.metadata.name === opts.currentRevisionName) ?? update;
  return { update, current, collisionCount, revisions };
}

/** Deletes the given revisions; one already gone counts as deleted. */
export async function deleteRevisions(client: KubeClient, revisions: readonly Revision[]): Promise<void> {
  for (const r of revisions) {
    try {
      await client.delete(CONTROLLER_REVISIONS, r.metadata.namespace ?? '', r.metadata.name ?? '');
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}
