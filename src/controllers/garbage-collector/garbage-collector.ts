import type { Logger } from 'pino';
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import type { KubeObject } from '../../api/object.js';
import type { ResourceType } from '../../api/resource-type.js';
import type { KubeClient } from '../../machinery/client/kube-client.js';
import type { SharedInformers } from '../../machinery/client/shared-informers.js';
import { isNotFound } from '../../machinery/client/client-error.js';
import { keyOf } from '../../machinery/client/object-key.js';
import { WorkQueue } from '../../machinery/controller/work-queue.js';
import { runWorkers, type ReconcileResult } from '../../machinery/controller/controller.js';
import { storedResourceTypes, typeForReference } from '../served-types.js';
import { onResourceTypesChanged } from '../../api/resource-types.js';
import { OwnerIndex } from './owner-index.js';
import {
  FOREGROUND_FINALIZER,
  ORPHAN_FINALIZER,
  awaitsCollector,
  isWaitingForDependents,
  planDependent,
  type OwnerState,
} from './plan-dependent.js';

export interface GarbageCollectorOptions {
  client: KubeClient;
  informers: SharedInformers;
  log: Logger;
  /** Default 2. */
  workers?: number;
  /** Resources to watch (default: every stored resource type, custom resources followed as they come). */
  types?: ResourceType[];
  /** Safety-net re-check of an owner waiting for its dependents (default 5 s; events normally come first). */
  foregroundRecheckMs?: number;
}

/** Queue keys: `dependent:<uid>` (should this object go?) and `owner:<uid>` (an owner with an orphan/foreground finalizer). */
const DEPENDENT = 'dependent:';
const OWNER = 'owner:';

/**
 * Kubernetes garbage collection by ownerReferences, over metadata-only informers of every stored
 * resource:
 * - background: an object whose owners are all gone is deleted (its own dependents follow);
 * - orphan: an owner being deleted with the `orphan` finalizer has its reference removed from
 *   every dependent, then loses the finalizer (and goes);
 * - foreground: an owner with `foregroundDeletion` has its dependents deleted (recursively in the
 *   foreground for those with dependents), and loses the finalizer once no dependent with
 *   blockOwnerDeletion remains.
 * Keys are object uids. Owners missing from the caches are confirmed with a live GET before any
 * dependent is deleted.
 */
export class GarbageCollector {
  readonly queue = new WorkQueue();
  private readonly index = new OwnerIndex();
  private types: ResourceType[];
  private readonly watched = new Set<string>();
  private readonly unsubscribe: (() => void)[] = [];
  private workers?: Promise<void>;

  constructor(private readonly opts: GarbageCollectorOptions) {
    this.types = opts.types ?? storedResourceTypes();
  }

  /** Subscribes to every type's informer, waits for them to list, then starts the workers. */
  async start(): Promise<void> {
    for (const rt of this.types) this.watch(rt);
    await Promise.all(this.types.map((rt) => this.opts.informers.informerFor(rt, 'metadata').waitForSync()));
    // Custom resources served later (CustomResourceDefinitions) are watched once they appear.
    if (!this.opts.types) this.unsubscribe.push(onResourceTypesChanged(() => this.followResourceTypes()));
    const log = this.opts.log.child({ controller: 'garbage-collector' });
    this.workers = runWorkers(this.queue, this.opts.workers ?? 2, log, (key) =>
      key.startsWith(OWNER)
        ? this.processOwner(key.slice(OWNER.length))
        : this.processDependent(key.slice(DEPENDENT.length)),
    );
  }

  /** Starts the metadata informer of one resource (once per storage prefix). */
  private watch(rt: ResourceType): void {
    if (this.watched.has(rt.storagePrefix)) return;
    this.watched.add(rt.storagePrefix);
    const inf = this.opts.informers.informerFor(rt, 'metadata');
    this.unsubscribe.push(
      inf.addHandlers({
        onAdd: (o) => this.observe(rt, o, true),
        onUpdate: (_old, o) => this.observe(rt, o, false),
        onDelete: (o) => this.forget(o),
      }),
    );
    inf.start();
  }

  /** The served resources changed: watch the new ones (informers of removed ones see their objects go). */
  private followResourceTypes(): void {
    this.types = storedResourceTypes();
    for (const rt of this.types) this.watch(rt);
  }

  async stop(): Promise<void> {
    for (const u of this.unsubscribe.splice(0)) u();
    this.queue.shutDown();
    await this.workers;
  }

  /** Informer add/update: index the object and queue what its change may decide. */
  observe(rt: ResourceType, obj: KubeObject, added: boolean): void {
    const uid = obj.metadata.uid;
    if (!uid) return;
    const { changedOwners } = this.index.upsert(rt, obj);
    if ((added || changedOwners.length > 0) && obj.metadata.ownerReferences?.length) this.queue.add(DEPENDENT + uid);
    // An owner waiting on this object re-checks when its references change.
    for (const o of changedOwners) this.queue.add(OWNER + o);
    if (awaitsCollector(obj)) this.queue.add(OWNER + uid);
  }

  /** Informer delete: the object's dependents may now be garbage; owners waiting on it may proceed. */
  forget(obj: KubeObject): void {
    const { owners, dependents } = this.index.remove(obj);
    for (const d of dependents) this.queue.add(DEPENDENT + d);
    for (const o of owners) this.queue.add(OWNER + o);
  }

  /** Decides whether one object with ownerReferences must go, and acts. Idempotent. */
  async processDependent(uid: string): Promise<ReconcileResult | undefined> {
    const obj = this.cached(uid);
    if (!obj?.metadata.ownerReferences?.length || obj.metadata.deletionTimestamp) return undefined;
    const states = new Map<string, OwnerState>();
    for (const ref of obj.metadata.ownerReferences)
      states.set(ref.uid, await this.ownerState(ref, obj.metadata.namespace ?? ''));
    const plan = planDependent(obj, states, this.index.dependentsOf(uid).length > 0);
    const ref = this.index.lookup(uid);
    if (!ref || plan.type === 'none') return undefined;
    const ns = obj.metadata.namespace ?? '';
    const name = obj.metadata.name ?? '';
    try {
      if (plan.type === 'delete') {
        this.opts.log.debug(
          { resource: ref.rt.plural, namespace: ns, name, policy: plan.propagationPolicy },
          'garbage-collector: deleting dependent',
        );
        await this.opts.client.delete(ref.rt, ns, name, {
          propagationPolicy: plan.propagationPolicy,
          preconditions: { uid },
        });
      } else {
        await this.opts.client.patch(ref.rt, ns, name, 'merge', {
          metadata: {
            ownerReferences: plan.ownerReferences.length ? plan.ownerReferences : null,
            resourceVersion: obj.metadata.resourceVersion,
          },
        });
      }
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err; // a conflict means the object changed: retry against the newer state
    }
    return undefined;
  }

  /** Handles an owner being deleted with the orphan or foregroundDeletion finalizer. Idempotent. */
  async processOwner(uid: string): Promise<ReconcileResult | undefined> {
    const owner = this.cached(uid);
    const ref = this.index.lookup(uid);
    if (!owner || !ref || !awaitsCollector(owner)) return undefined;
    const dependents = this.index
      .dependentsOf(uid)
      .map((d) => this.cached(d))
      .filter((d): d is KubeObject => d !== undefined);
    if ((owner.metadata.finalizers ?? []).includes(ORPHAN_FINALIZER)) {
      for (const dep of dependents) await this.removeOwnerReference(dep, uid);
      await this.removeFinalizer(ref.rt, owner, ORPHAN_FINALIZER);
      return undefined;
    }
    // Foreground: every dependent goes; those that block keep the owner until they are gone.
    for (const dep of dependents)
      if (!dep.metadata.deletionTimestamp && dep.metadata.uid) this.queue.add(DEPENDENT + dep.metadata.uid);
    const blocking = dependents.filter((d) =>
      d.metadata.ownerReferences?.some((r) => r.uid === uid && r.blockOwnerDeletion === true),
    );
    if (blocking.length > 0) return { requeueAfterMs: this.opts.foregroundRecheckMs ?? 5000 };
    await this.removeFinalizer(ref.rt, owner, FOREGROUND_FINALIZER);
    return undefined;
  }

  private async ownerState(ref: OwnerReference, namespace: string): Promise<OwnerState> {
    const rt = typeForReference(ref.apiVersion, ref.kind, this.types);
    if (!rt) {
      // An owner of a kind we do not serve cannot be checked; keep the dependent, as Kubernetes does.
      this.opts.log.warn({ apiVersion: ref.apiVersion, kind: ref.kind }, 'garbage-collector: unknown owner kind');
      return 'solid';
    }
    const ns = rt.namespaced ? namespace : '';
    let owner: KubeObject | undefined = this.opts.informers.informerFor(rt, 'metadata').getByKey(keyOf(ns, ref.name));
    if (!owner || owner.metadata.uid !== ref.uid) {
      // The cache may lag behind a just-created owner: ask the server before calling it gone.
      try {
        owner = await this.opts.client.get(rt, ns, ref.name);
      } catch (err) {
        if (isNotFound(err)) return 'dangling';
        throw err;
      }
    }
    if (owner.metadata.uid !== ref.uid) return 'dangling';
    return isWaitingForDependents(owner) ? 'waiting' : 'solid';
  }

  private async removeOwnerReference(dep: KubeObject, ownerUid: string): Promise<void> {
    const ref = dep.metadata.uid ? this.index.lookup(dep.metadata.uid) : undefined;
    const refs = dep.metadata.ownerReferences ?? [];
    if (!ref || !refs.some((r) => r.uid === ownerUid)) return;
    const kept = refs.filter((r) => r.uid !== ownerUid);
    try {
      await this.opts.client.patch(ref.rt, dep.metadata.namespace ?? '', dep.metadata.name ?? '', 'merge', {
        metadata: { ownerReferences: kept.length ? kept : null, resourceVersion: dep.metadata.resourceVersion },
      });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  private async removeFinalizer(rt: ResourceType, obj: KubeObject, finalizer: string): Promise<void> {
    const kept = (obj.metadata.finalizers ?? []).filter((f) => f !== finalizer);
    try {
      await this.opts.client.patch(rt, obj.metadata.namespace ?? '', obj.metadata.name ?? '', 'merge', {
        metadata: { finalizers: kept.length ? kept : null, resourceVersion: obj.metadata.resourceVersion },
      });
    } catch (err) {
      // A conflict is rethrown: the worker retries against the newer object.
      if (!isNotFound(err)) throw err;
    }
  }

  private cached(uid: string): KubeObject | undefined {
    const ref = this.index.lookup(uid);
    if (!ref) return undefined;
    const obj = this.opts.informers.informerFor(ref.rt, 'metadata').getByKey(ref.key);
    return obj?.metadata.uid === uid ? obj : undefined;
  }
}
