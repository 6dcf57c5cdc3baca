import type { KubeObject } from '../../api/object.js';
import {
  createHttpTransport,
  impersonatingTransport,
  type ConnectionOptions,
  type HttpTransport,
} from './http-transport.js';
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
} from './kube-client.js';
import { queryString, resourcePath, type ResourceRef } from './resource-path.js';
import { readWatchStream, type WatchEvent } from './watch-stream.js';

export type ClientOptions = ConnectionOptions;

const PATCH_CONTENT_TYPES: Record<PatchType, string> = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
};

/**
 * A KubeClient over HTTP(S) with a keep-alive connection pool. Nothing is sent until a method is
 * called; close() releases the pool.
 */
export function createClient(opts: ClientOptions): KubeClient {
  return new HttpKubeClient(createHttpTransport(opts));
}

/**
 * A client that acts as `user` in `groups` (impersonation) over `client`'s connections, for one
 * process that plays many identities (hollow nodes, each its own node). Closing it leaves `client`
 * open. Only for clients made by createClient/clientOver; throws for others.
 */
export function impersonatingClient(client: KubeClient, user: string, groups: readonly string[]): KubeClient {
  if (!(client instanceof HttpKubeClient)) throw new Error('impersonatingClient needs an HTTP client');
  return new HttpKubeClient(impersonatingTransport(client.http, user, groups));
}

/** A KubeClient over any transport (tests pass a fake one). */
export function clientOver(http: HttpTransport): KubeClient {
  return new HttpKubeClient(http);
}

function writeQuery(o: PatchOptions): string {
  return queryString({
    fieldManager: o.fieldManager,
    dryRun: o.dryRun ? 'All' : undefined,
    force: o.force ? 'true' : undefined,
  });
}

// The server's JSON is trusted to be of the requested type: these casts are the client's contract.
class HttpKubeClient implements KubeClient {
  constructor(readonly http: HttpTransport) {}

  async get<T extends KubeObject>(
    rt: ResourceRef,
    namespace: string,
    name: string,
    o: { subresource?: string } = {},
  ): Promise<T> {
    return (await this.http.json({ method: 'GET', path: resourcePath(rt, namespace, name, o.subresource) })) as T;
  }

  async list<T extends KubeObject>(rt: ResourceRef, namespace?: string, o: ListOptions = {}): Promise<ObjectList<T>> {
    const q = queryString({
      labelSelector: o.labelSelector,
      fieldSelector: o.fieldSelector,
      limit: o.limit,
      continue: o.continue,
      resourceVersion: o.resourceVersion,
    });
    const list = (await this.http.json({ method: 'GET', path: resourcePath(rt, namespace) + q })) as ObjectList<T>;
    list.items ??= [];
    return list;
  }

  async create<T extends KubeObject>(rt: ResourceRef, namespace: string, obj: T, o: WriteOptions = {}): Promise<T> {
    const path = resourcePath(rt, namespace || obj.metadata.namespace, undefined, o.subresource) + writeQuery(o);
    return (await this.http.json({ method: 'POST', path, body: JSON.stringify(obj) })) as T;
  }

  async update<T extends KubeObject>(rt: ResourceRef, namespace: string, obj: T, o: WriteOptions = {}): Promise<T> {
    const path =
      resourcePath(rt, namespace || obj.metadata.namespace, obj.metadata.name ?? '', o.subresource) + writeQuery(o);
    return (await this.http.json({ method: 'PUT', path, body: JSON.stringify(obj) })) as T;
  }

  updateStatus<T extends KubeObject>(rt: ResourceRef, namespace: string, obj: T, o: WriteOptions = {}): Promise<T> {
    return this.update(rt, namespace, obj, { ...o, subresource: 'status' });
  }

  async patch<T extends KubeObject>(
    rt: ResourceRef,
    namespace: string,
    name: string,
    type: PatchType,
    body: unknown,
    o: PatchOptions = {},
  ): Promise<T> {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    const path = resourcePath(rt, namespace, name, o.subresource) + writeQuery(o);
    return (await this.http.json({ method: 'PATCH', path, body: text, contentType: PATCH_CONTENT_TYPES[type] })) as T;
  }

  async delete(rt: ResourceRef, namespace: string, name: string, o: DeleteOptions = {}): Promise<KubeObject> {
    const body: Record<string, unknown> = { kind: 'DeleteOptions', apiVersion: 'v1' };
    if (o.propagationPolicy) body.propagationPolicy = o.propagationPolicy;
    if (o.gracePeriodSeconds !== undefined) body.gracePeriodSeconds = o.gracePeriodSeconds;
    if (o.preconditions) body.preconditions = o.preconditions;
    if (o.dryRun) body.dryRun = ['All'];
    return (await this.http.json({
      method: 'DELETE',
      path: resourcePath(rt, namespace, name),
      body: JSON.stringify(body),
    })) as KubeObject;
  }

  watch<T extends KubeObject>(
    rt: ResourceRef,
    namespace: string | undefined,
    o: WatchOptions,
    onEvent: (ev: WatchEvent<T>) => void,
  ): WatchHandle {
    const abort = new AbortController();
    let stopped = false;
    const q = queryString({
      watch: 'true',
      resourceVersion: o.resourceVersion,
      labelSelector: o.labelSelector,
      fieldSelector: o.fieldSelector,
      allowWatchBookmarks: o.allowWatchBookmarks ? 'true' : undefined,
      timeoutSeconds: o.timeoutSeconds,
    });
    const done = (async () => {
      try {
        const body = await this.http.stream({
          method: 'GET',
          path: resourcePath(rt, namespace) + q,
          signal: abort.signal,
        });
        if (stopped) {
          body.destroy();
          return;
        }
        abort.signal.addEventListener('abort', () => body.destroy(), { once: true });
        await readWatchStream(body, onEvent, () => stopped);
      } catch (err) {
        if (!stopped) throw err;
      }
    })();
    return {
      done,
      stop() {
        if (stopped) return;
        stopped = true;
        abort.abort();
      },
    };
  }

  close(): Promise<void> {
    return this.http.close();
  }
}
