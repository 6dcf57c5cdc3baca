import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import type { ResourceType } from '../../api/resource-type.js';
import type { KubeObject } from '../../api/object.js';
import { objectKey } from '../../machinery/client/object-key.js';

/** Where an object lives in the informer caches. */
export interface NodeRef {
  rt: ResourceType;
  /** `namespace/name` or `name`. */
  key: string;
}

/**
 * The garbage collector's view of the ownership graph, built from informer events: every object
 * by uid, and for each owner uid the uids of objects that reference it (owners need not exist:
 * a dangling reference is exactly what the collector looks for). Not thread-safe; one per collector.
 */
export class OwnerIndex {
  private readonly byUid = new Map<string, NodeRef>();
  private readonly ownersOf = new Map<string, string[]>();
  private readonly dependents = new Map<string, Set<string>>();

  /** Records an added or updated object; returns the owner uids it gained or lost. */
  upsert(rt: ResourceType, obj: KubeObject): { changedOwners: string[] } {
    const uid = obj.metadata.uid;
    if (!uid) return { changedOwners: [] };
    this.byUid.set(uid, { rt, key: objectKey(obj) });
    const next = ownerUids(obj.metadata.ownerReferences);
    const prev = this.ownersOf.get(uid) ?? [];
    const changed = [...next.filter((u) => !prev.includes(u)), ...prev.filter((u) => !next.includes(u))];
    for (const o of prev) if (!next.includes(o)) this.unlink(o, uid);
    for (const o of next) {
      let set = this.dependents.get(o);
      if (!set) {
        set = new Set();
        this.dependents.set(o, set);
      }
      set.add(uid);
    }
    if (next.length > 0) this.ownersOf.set(uid, next);
    else this.ownersOf.delete(uid);
    return { changedOwners: changed };
  }

  /** Forgets a deleted object; returns its owners' uids and its dependents' uids. */
  remove(obj: KubeObject): { owners: string[]; dependents: string[] } {
    const uid = obj.metadata.uid;
    if (!uid) return { owners: [], dependents: [] };
    this.byUid.delete(uid);
    const owners = this.ownersOf.get(uid) ?? [];
    for (const o of owners) this.unlink(o, uid);
    this.ownersOf.delete(uid);
    return { owners, dependents: this.dependentsOf(uid) };
  }

  lookup(uid: string): NodeRef | undefined {
    return this.byUid.get(uid);
  }

  /** Uids of the objects whose ownerReferences name this uid. */
  dependentsOf(uid: string): string[] {
    return [...(this.dependents.get(uid) ?? [])];
  }

  private unlink(owner: string, dependent: string): void {
    const set = this.dependents.get(owner);
    if (!set) return;
    set.delete(dependent);
    if (set.size === 0) this.dependents.delete(owner);
  }
}

function ownerUids(refs: OwnerReference[] | undefined): string[] {
  return [...new Set((refs ?? []).map((r) => r.uid))];
}
