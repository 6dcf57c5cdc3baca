import type { KubeObject } from '../../api/object.js';
import type { ResourceRef } from './resource-path.js';
import type { TypedRef } from '../resources/resource.js';
import type { WatchEvent } from './watch-stream.js';

/** A list response: the items and the list's resourceVersion (to watch from) and continue token. */
export interface ObjectList<T extends KubeObject = KubeObject> {
  apiVersion?: string;
  kind?: string;
  metadata: { resourceVersion?: string; continue?: string };
  items: T[];
}

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
}

export interface WriteOptions {
  fieldManager?: string;
  dryRun?: boolean;
  /** Subresource to write through, e.g. 'status', 'scale', 'finalize'. */
  subresource?: string;
}

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

export interface PatchOptions extends WriteOptions {
  /** Server-side apply only: take over fields owned by other managers. */
  force?: boolean;
}

/** metav1.DeleteOptions. */
export interface DeleteOptions {
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
}

export interface WatchOptions {
  /** Watch after this version; undefined or '0' first replays the current objects as ADDED. */
  resourceVersion?: string;
  labelSelector?: string;
  fieldSelector?: string;
  allowWatchBookmarks?: boolean;
  timeoutSeconds?: number;
}

/** An open watch. `done` settles when the stream ends: resolves on a clean end or stop(), rejects on HTTP or network failure. */
export interface WatchHandle {
  stop(): void;
  readonly done: Promise<void>;
}

/**
 * The typed Kubernetes API client used by controllers, the scheduler and the agent. `resource` is
 * a descriptor (group, version, plural, namespaced); a typed one (a Resource<T> such as PODS from
 * machinery/resources) types the objects read and written, a plain ResourceRef means KubeObject.
 * `namespace` is ignored for cluster-scoped resources and '' or undefined means all namespaces for
 * list and watch. Failures throw ClientError.
 */
export interface KubeClient {
  get<T extends KubeObject = KubeObject>(
    resource: TypedRef<T>,
    namespace: string,
    name: string,
    opts?: { subresource?: string },
  ): Promise<T>;
  list<T extends KubeObject = KubeObject>(
    resource: TypedRef<T>,
    namespace?: string,
    opts?: ListOptions,
  ): Promise<ObjectList<T>>;
  create<T extends KubeObject = KubeObject>(
    resource: TypedRef<T>,
    namespace: string,
    obj: T,
    opts?: WriteOptions,
  ): Promise<T>;
  /** PUT of the whole object (its metadata.resourceVersion, when set, is a precondition). */
  update<T extends KubeObject = KubeObject>(
    resource: TypedRef<T>,
    namespace: string,
    obj: T,
    opts?: WriteOptions,
  ): Promise<T>;
  /** PUT through the status subresource. */
  updateStatus<T extends KubeObject = KubeObject>(
    resource: TypedRef<T>,
    namespace: string,
    obj: T,
    opts?: WriteOptions,
  ): Promise<T>;
  patch<T extends KubeObject = KubeObject>(
    resource: TypedRef<T>,
    namespace: string,
    name: string,
    type: PatchType,
    body: unknown,
    opts?: PatchOptions,
  ): Promise<T>;
  /** DELETE; returns what the server returned (the object, marked or as last stored, or a Status). */
  delete(resource: ResourceRef, namespace: string, name: string, opts?: DeleteOptions): Promise<KubeObject>;
  watch<T extends KubeObject = KubeObject>(
    resource: TypedRef<T>,
    namespace: string | undefined,
    opts: WatchOptions,
    onEvent: (ev: WatchEvent<T>) => void,
  ): WatchHandle;
  /** Closes the connection pool; open watches are ended. */
  close(): Promise<void>;
}
