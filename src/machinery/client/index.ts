/**
 * The client package: how controllers, the scheduler and the agent reach the API server.
 *
 *   createClient / loadKubeconfig --> KubeClient (get/list/create/update/patch/delete/watch)
 *                                        |
 *                 Informer (list, then watch; cache with indexes; handlers), SharedInformers (one per resource)
 *                                        |  keys
 *                                    WorkQueue (machinery/controller, re-exported here) --> workers
 */
export { createClient, clientOver, impersonatingClient, type ClientOptions } from './create-client.js';
export type { ClientCertPair, ClientCertSource } from './http-transport.js';
export type {
  KubeClient,
  ObjectList,
  ListOptions,
  WriteOptions,
  PatchType,
  PatchOptions,
  DeleteOptions,
  WatchOptions,
  WatchHandle,
} from './kube-client.js';
export { ClientError, isNotFound, isConflict, isAlreadyExists, isGone, type Status } from './client-error.js';
export type { WatchEvent } from './watch-stream.js';
export { resourcePath, type ResourceRef } from './resource-path.js';
export { loadKubeconfig } from './kubeconfig.js';
export { Informer, NAMESPACE_INDEX, type IndexFunc, type InformerHandlers, type InformerOptions } from './informer.js';
export { WorkQueue, type WorkQueueOptions } from '../controller/work-queue.js';
export { keyOf, objectKey, parseKey, type ObjectKey } from './object-key.js';
export { backoffDelay, realTimers, type Timers } from './backoff.js';
export type { HttpTransport, HttpRequest, ConnectionOptions } from './http-transport.js';
export { SharedInformers, metadataOnly, type InformerMode } from './shared-informers.js';
