import { randomUUID } from 'node:crypto';
import type { KubeObject } from '../../../api/object.js';
import { applyJsonPatch, applyMergePatch } from '../../../api/patch/index.js';
import type {
  DeleteOptions,
  KubeClient,
  ListOptions,
  ObjectList,
  PatchOptions,
  PatchType,
  WatchHandle,
  WatchOptions,
  WriteOptions,
} from '../kube-client.js';
import type { ResourceRef } from '../resource-path.js';
import { ClientError, type Status } from '../client-error.js';
import type { WatchEvent } from '../watch-stream.js';
import type { TypedRef } from '../../resources/resource.js';

/** One write the code under test sent, in a form tests can compare with deepEqual. */
export interface FakeAction {
  verb: 'create' | 'update' | 'patch' | 'delete';
  resource: string;
  namespace: string;
  name: string;
  subresource?: string;
  /** create/update: the object sent; patch: the patch body; delete: the DeleteOptions. */
  body?: unknown;
}

type Listener = { ns: string | undefined; fn: (ev: WatchEvent) => void; stop: () => void };

/**
 * An in-memory KubeClient for unit tests: objects are seeded, writes are applied with the
 * server's finalizer rules (deletionTimestamp while finalizers remain; propagationPolicy Orphan /
 * Foreground adds the `orphan` / `foregroundDeletion` finalizer; a Namespace waits for
 * spec.finalizers) and recorded in `actions`; watchers get the matching events.
 * Merge and JSON patches only. Reads are typed by the descriptor like KubeClient's; writes accept any
 * object, so tests can send deliberately partial ones. Not safe to share between tests.
 */
export class FakeClient implements KubeClient {
  readonly actions: FakeAction[] = [];
  private readonly objects = new Map<string, KubeObject>();
  private readonly listeners = new Map<string, Set<Listener>>();
  private rv = 100;
  /** Set to make the next write of a `resource/namespace/name` fail with this Status (once). */
  readonly failNext = new Map<string, Status>();

  /** Adds objects as if created earlier (uid and resourceVersion filled in when missing). No actions recorded. */
  seed(rt: ResourceRef, ...objs: KubeObject[]): void {
    for (const o of objs) {
      const obj = structuredClone(o);
      obj.metadata.uid ??= randomUUID();
      obj.metadata.resourceVersion = String(++this.rv);
      if (!rt.namespaced) delete obj.metadata.namespace;
      this.objects.set(this.key(rt, obj.metadata.namespace ?? '', obj.metadata.name ?? ''), obj);
    }
  }

  /** Removes an object without recording an action or telling watchers (a change a watch missed). */
  removeSilently(rt: ResourceRef, namespace: string, name: string): void {
    this.objects.delete(this.key(rt, namespace, name));
  }

  /** The stored object, or undefined. */
  peek(rt: ResourceRef, namespace: string, name: string): KubeObject | undefined {
    return this.objects.get(this.key(rt, namespace, name));
  }

  /** Sends an arbitrary event (e.g. an ERROR) to the resource's watchers. */
  emitTo(rt: ResourceRef, ev: WatchEvent): void {
    for (const l of this.listeners.get(rt.plural) ?? []) l.fn(ev);
  }

  /** How many watches of the resource are open: a test waits for an informer to be watching. */
  openWatches(rt: ResourceRef): number {
    return this.listeners.get(rt.plural)?.size ?? 0;
  }

  /** Ends every open watch of a resource cleanly (as a server timeout does). */
  endWatches(rt: ResourceRef): void {
    for (const l of [...(this.listeners.get(rt.plural) ?? [])]) l.stop();
  }

  async get<T extends KubeObject = KubeObject>(rt: TypedRef<T>, namespace: string, name: string): Promise<T> {
    const o = this.objects.get(this.key(rt, namespace, name));
    if (!o) throw notFound(rt, name);
    return structuredClone(o) as T;
  }

  async list<T extends KubeObject = KubeObject>(
    rt: TypedRef<T>,
    namespace?: string,
    _o?: ListOptions,
  ): Promise<ObjectList<T>> {
    const items = [...this.objects.entries()]
      .filter(
        ([k, o]) => k.startsWith(`${rt.group}/${rt.plural}/`) && (!namespace || o.metadata.namespace === namespace),
      )
      .map(([, o]) => structuredClone(o) as T);
    return { metadata: { resourceVersion: String(this.rv) }, items };
  }

  async create<T extends KubeObject>(rt: ResourceRef, namespace: string, obj: T, o: WriteOptions = {}): Promise<T> {
    const ns = rt.namespaced ? namespace || obj.metadata.namespace || '' : '';
    const name = obj.metadata.name ?? '';
    this.record({
      verb: 'create',
      resource: rt.plural,
      namespace: ns,
      name,
      body: structuredClone(obj),
      ...(o.subresource ? { subresource: o.subresource } : {}),
    });
    if (this.objects.has(this.key(rt, ns, name)))
      throw new ClientError({ code: 409, reason: 'AlreadyExists', message: `${rt.plural} "${name}" already exists` });
    const stored = structuredClone(obj);
    if (rt.namespaced) stored.metadata.namespace = ns;
    stored.metadata.uid = randomUUID();
    return this.store(rt, stored, 'ADDED') as T;
  }

  async update<T extends KubeObject>(rt: ResourceRef, namespace: string, obj: T, o: WriteOptions = {}): Promise<T> {
    const ns = rt.namespaced ? namespace || obj.metadata.namespace || '' : '';
    const name = obj.metadata.name ?? '';
    this.record({
      verb: 'update',
      resource: rt.plural,
      namespace: ns,
      name,
      body: structuredClone(obj),
      ...(o.subresource ? { subresource: o.subresource } : {}),
    });
    const live = this.live(rt, ns, name);
    if (obj.metadata.resourceVersion && obj.metadata.resourceVersion !== live.metadata.resourceVersion)
      throw conflict(rt, name);
    let next: KubeObject;
    if (o.subresource === 'finalize')
      next = {
        ...structuredClone(live),
        spec: {
          ...(live.spec as object),
          finalizers: (obj.spec as { finalizers?: string[] } | undefined)?.finalizers ?? [],
        },
      };
    else if (o.subresource === 'status') next = { ...structuredClone(live), status: obj.status };
    else
      next = {
        ...structuredClone(obj),
        metadata: { ...obj.metadata, uid: live.metadata.uid, deletionTimestamp: live.metadata.deletionTimestamp },
      };
    return this.commit(rt, next) as T;
  }

  updateStatus<T extends KubeObject>(rt: ResourceRef, namespace: string, obj: T, o: WriteOptions = {}): Promise<T> {
    return this.update(rt, namespace, obj, { ...o, subresource: 'status' });
  }

  async patch<T extends KubeObject = KubeObject>(
    rt: TypedRef<T>,
    namespace: string,
    name: string,
    type: PatchType,
    body: unknown,
    o: PatchOptions = {},
  ): Promise<T> {
    const ns = rt.namespaced ? namespace : '';
    this.record({
      verb: 'patch',
      resource: rt.plural,
      namespace: ns,
      name,
      body: structuredClone(body),
      ...(o.subresource ? { subresource: o.subresource } : {}),
    });
    const live = this.live(rt, ns, name);
    let next: KubeObject;
    if (type === 'merge') {
      const wanted = (body as { metadata?: { resourceVersion?: string } }).metadata?.resourceVersion;
      if (wanted && wanted !== live.metadata.resourceVersion) throw conflict(rt, name);
      next = applyMergePatch(structuredClone(live), body) as KubeObject;
    } else if (type === 'json') {
      next = applyJsonPatch(structuredClone(live), body) as KubeObject;
    } else {
      throw new Error(`FakeClient: ${type} patches are not supported`);
    }
    next.metadata.uid = live.metadata.uid;
    return this.commit(rt, next) as T;
  }

  async delete(rt: ResourceRef, namespace: string, name: string, o: DeleteOptions = {}): Promise<KubeObject> {
    const ns = rt.namespaced ? namespace : '';
    const opts: Record<string, unknown> = {};
    if (o.propagationPolicy) opts.propagationPolicy = o.propagationPolicy;
    if (o.gracePeriodSeconds !== undefined) opts.gracePeriodSeconds = o.gracePeriodSeconds;
    if (o.preconditions) opts.preconditions = o.preconditions;
    this.record({ verb: 'delete', resource: rt.plural, namespace: ns, name, body: opts });
    const live = structuredClone(this.live(rt, ns, name));
    if (o.preconditions?.uid && o.preconditions.uid !== live.metadata.uid) throw conflict(rt, name);
    const fin = new Set(live.metadata.finalizers ?? []);
    if (o.propagationPolicy === 'Orphan') {
      fin.add('orphan');
      fin.delete('foregroundDeletion');
    }
    if (o.propagationPolicy === 'Foreground') {
      fin.add('foregroundDeletion');
      fin.delete('orphan');
    }
    if (fin.size > 0) live.metadata.finalizers = [...fin];
    live.metadata.deletionTimestamp ??= '2024-01-01T00:00:00Z';
    if (live.kind === 'Namespace') live.status = { phase: 'Terminating' };
    return this.commit(rt, live);
  }

  watch<T extends KubeObject = KubeObject>(
    rt: TypedRef<T>,
    namespace: string | undefined,
    _o: WatchOptions,
    onEvent: (ev: WatchEvent<T>) => void,
  ): WatchHandle {
    let resolve!: () => void;
    const done = new Promise<void>((r) => {
      resolve = r;
    });
    const set = this.listeners.get(rt.plural) ?? new Set<Listener>();
    this.listeners.set(rt.plural, set);
    const listener: Listener = {
      ns: namespace || undefined,
      fn: (ev) => {
        if (
          ev.type === 'ERROR' ||
          ev.type === 'BOOKMARK' ||
          !listener.ns ||
          ev.object.metadata.namespace === listener.ns
        )
          onEvent(ev as WatchEvent<T>);
      },
      stop: () => {
        set.delete(listener);
        resolve();
      },
    };
    set.add(listener);
    return { done, stop: listener.stop };
  }

  async close(): Promise<void> {
    for (const set of this.listeners.values()) for (const l of [...set]) l.stop();
  }

  private commit(rt: ResourceRef, next: KubeObject): KubeObject {
    const finalizers = [
      ...(next.metadata.finalizers ?? []),
      ...(next.kind === 'Namespace' ? ((next.spec as { finalizers?: string[] } | undefined)?.finalizers ?? []) : []),
    ];
    if (next.metadata.finalizers?.length === 0) delete next.metadata.finalizers;
    if (next.metadata.deletionTimestamp && finalizers.length === 0) {
      this.objects.delete(this.key(rt, next.metadata.namespace ?? '', next.metadata.name ?? ''));
      next.metadata.resourceVersion = String(++this.rv);
      this.emitTo(rt, { type: 'DELETED', object: structuredClone(next) });
      return next;
    }
    return this.store(rt, next, 'MODIFIED');
  }

  private store(rt: ResourceRef, obj: KubeObject, type: 'ADDED' | 'MODIFIED'): KubeObject {
    obj.metadata.resourceVersion = String(++this.rv);
    this.objects.set(this.key(rt, obj.metadata.namespace ?? '', obj.metadata.name ?? ''), obj);
    this.emitTo(rt, { type, object: structuredClone(obj) });
    return structuredClone(obj);
  }

  private live(rt: ResourceRef, ns: string, name: string): KubeObject {
    const k = this.key(rt, ns, name);
    const failure = this.failNext.get(`${rt.plural}/${ns}/${name}`);
    if (failure) {
      this.failNext.delete(`${rt.plural}/${ns}/${name}`);
      throw new ClientError(failure);
    }
    const o = this.objects.get(k);
    if (!o) throw notFound(rt, name);
    return o;
  }

  private record(a: FakeAction): void {
    this.actions.push(a);
  }

  private key(rt: ResourceRef, ns: string, name: string): string {
    return `${rt.group}/${rt.plural}/${rt.namespaced ? ns : ''}/${name}`;
  }
}

function notFound(rt: ResourceRef, name: string): ClientError {
  return new ClientError({ code: 404, reason: 'NotFound', message: `${rt.plural} "${name}" not found` });
}

function conflict(rt: ResourceRef, name: string): ClientError {
  return new ClientError({
    code: 409,
    reason: 'Conflict',
    message: `Operation cannot be fulfilled on ${rt.plural} "${name}": the object has been modified`,
  });
}
