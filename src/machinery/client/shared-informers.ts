import type { Logger } from 'pino';
import type { KubeObject } from '../../api/object.js';
import type { KubeClient } from './kube-client.js';
import type { ResourceRef } from './resource-path.js';
import { Informer } from './informer.js';
import type { TypedRef } from '../resources/resource.js';

/** How much of each object an informer keeps: everything, or only metadata (apiVersion, kind, metadata). */
export type InformerMode = 'full' | 'metadata';

/** Keeps apiVersion, kind and the metadata a controller reasons about (no managedFields, no annotations). Pure. */
export function metadataOnly(obj: KubeObject): KubeObject {
  const m = obj.metadata;
  const meta: KubeObject['metadata'] = { name: m.name, uid: m.uid, resourceVersion: m.resourceVersion };
  if (m.namespace) meta.namespace = m.namespace;
  if (m.ownerReferences?.length) meta.ownerReferences = m.ownerReferences;
  if (m.finalizers?.length) meta.finalizers = m.finalizers;
  if (m.deletionTimestamp) meta.deletionTimestamp = m.deletionTimestamp;
  if (m.labels) meta.labels = m.labels;
  return { apiVersion: obj.apiVersion, kind: obj.kind, metadata: meta };
}

/**
 * One informer per (resource, mode) shared by every controller in the process, so a resource is
 * listed and watched once. informerFor() creates it on first use; startAll()/stopAll() run them all.
 */
export class SharedInformers {
  private readonly informers = new Map<string, Informer>();
  private running = false;

  constructor(
    /** The client the informers list and watch through. */
    readonly client: KubeClient,
    private readonly log: Logger,
  ) {}

  /**
   * The shared informer of a resource; started at once when the factory is already running.
   * In 'full' mode it holds the resource's own objects (Informer<Pod objects> for PODS); in
   * 'metadata' mode only what metadataOnly() keeps, so it is typed KubeObject.
   */
  informerFor<T extends KubeObject>(rt: TypedRef<T>, mode?: 'full'): Informer<T>;
  informerFor(rt: ResourceRef, mode: InformerMode): Informer;
  informerFor(rt: ResourceRef, mode: InformerMode = 'full'): Informer {
    const key = `${rt.group}/${rt.version}/${rt.plural}/${mode}`;
    let inf = this.informers.get(key);
    if (!inf) {
      inf = new Informer(this.client, rt, {
        log: this.log,
        ...(mode === 'metadata' ? { transform: metadataOnly } : {}),
      });
      this.informers.set(key, inf);
      if (this.running) inf.start();
    }
    return inf;
  }

  startAll(): void {
    this.running = true;
    for (const inf of this.informers.values()) inf.start();
  }

  async stopAll(): Promise<void> {
    this.running = false;
    await Promise.all([...this.informers.values()].map((i) => i.stop()));
  }
}
