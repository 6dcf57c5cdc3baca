import type { Store } from '../../store/store.js';
import type { WatchCache } from '../watch-cache.js';
import type { ResourceType } from '../../api/resource-type.js';
import type { KindStrategy } from '../../api/kind-strategy.js';
import type { KubeObject } from '../../api/object.js';
import type { UserInfo } from '../user-info.js';
import type { WriteWorkerPool } from '../write-workers/write-worker-pool.js';

/** What every REST handler works with: the store, the watch cache and an injectable clock. */
export interface RestContext {
  store: Store;
  cache: WatchCache;
  now(): Date;
  /** Runs before an object is stored on create (allocators such as Service cluster IPs). */
  admit?(op: 'create' | 'update', rt: ResourceType, obj: KubeObject, old: KubeObject | undefined): Promise<void>;
  /** Worker threads that prepare creates of JSON bodies (off when undefined); they assume `admit` is the built-in admission. */
  writeWorkers?: WriteWorkerPool;
}

/** One resource request, resolved against the served resource table. */
export interface ResourceCall {
  rt: ResourceType;
  strategy: KindStrategy;
  namespace: string;
  name: string;
  query: URLSearchParams;
  user: UserInfo;
}
