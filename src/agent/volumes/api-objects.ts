import type { ConfigMap, PersistentVolume, PersistentVolumeClaim, Secret, Service } from 'kubernetes-types/core/v1.js';
import type { Logger } from 'pino';
import type { KubeObject } from '../../api/object.js';
import { isNotFound } from '../../machinery/client/client-error.js';
import { Informer } from '../../machinery/client/informer.js';
import type { KubeClient } from '../../machinery/client/kube-client.js';
import type { ResourceRef } from '../../machinery/client/resource-path.js';
import type { EnvObjects } from '../pods/container-env.js';
import type { NodeAllocatable } from './downward-api.js';
import type { VolumeObjects } from './pod-volumes.js';
import { CONFIG_MAPS, PVCS, PVS, SECRETS, SERVICES } from '../../machinery/resources/well-known.js';
import { PolledObjects } from '../../machinery/client/polled-objects.js';

/** Whether the client may list `r` in all namespaces (one item asked for); false on 403 only. */
async function mayList(client: KubeClient, r: ResourceRef): Promise<boolean> {
  try {
    await client.list(r, '', { limit: 1 });
    return true;
  } catch (err) {
    return (err as { code?: number }).code !== 403;
  }
}

/** The API objects pods need on a node: configMaps, secrets and services cached by informers; claims and PVs fetched. */
export interface RunningApiObjects extends VolumeObjects, EnvObjects {
  /** Called with the namespace and name of a configMap or secret that was added, changed or deleted. */
  onChange(handler: (kind: 'configmap' | 'secret', namespace: string, name: string) => void): void;
  stop(): Promise<void>;
}

export interface ApiObjectsOptions {
  client: KubeClient;
  log: Logger;
  /** The node's allocatable cpu and memory (default limits of the downward API). */
  nodeAllocatable: () => NodeAllocatable;
  /** How long start waits for the first lists (default 10 s); pods then start with what is cached. */
  syncTimeoutMs?: number;
}

/** Reads of one kind by namespace and name, from an informer or polled by name. */
interface ObjectSource<T> {
  get(namespace: string, name: string): T | undefined;
  /** See ObjectLookup.settled; absent for informers. */
  settled?(): Promise<boolean>;
  waitForSync(): Promise<void>;
  stop(): Promise<void> | void;
}

/**
 * Starts the informers on configMaps, secrets and services (all namespaces: one watch each, as
 * the kubelet's watch-based managers but not per object) and waits for their first list. When the
 * agent may not list configMaps or secrets cluster-wide (the Node authorizer lets a node read only
 * what its pods use), those are read by name instead and kept briefly (machinery/client/polled-objects.ts).
 */
export async function startApiObjects(o: ApiObjectsOptions): Promise<RunningApiObjects> {
  const make = <T extends KubeObject>(r: ResourceRef): Informer<T> => new Informer<T>(o.client, r, { log: o.log });
  const handlers: ((kind: 'configmap' | 'secret', namespace: string, name: string) => void)[] = [];
  const notify = (kind: 'configmap' | 'secret', namespace: string, name: string): void => {
    for (const h of handlers) h(kind, namespace, name);
  };
  const source = async <T extends KubeObject>(
    r: ResourceRef,
    kind: 'configmap' | 'secret',
  ): Promise<ObjectSource<T>> => {
    if (!(await mayList(o.client, r))) {
      o.log.info({ resource: r.plural }, 'not allowed to list cluster-wide: reading by name');
      const polled = new PolledObjects<T>({
        client: o.client,
        resource: r,
        log: o.log,
        onChange: (ns, name) => notify(kind, ns, name),
      });
      return {
        get: (ns, name) => polled.get(ns, name),
        settled: () => polled.settled(),
        waitForSync: async () => {},
        stop: () => polled.stop(),
      };
    }
    const inf = make<T>(r);
    const f = (obj: KubeObject): void => notify(kind, obj.metadata.namespace ?? '', obj.metadata.name ?? '');
    (inf as unknown as Informer).addHandlers({ onAdd: f, onUpdate: (_old, obj) => f(obj), onDelete: f });
    inf.start();
    return inf;
  };
  const [configMaps, secrets] = await Promise.all([
    source<KubeObject & ConfigMap>(CONFIG_MAPS, 'configmap'),
    source<KubeObject & Secret>(SECRETS, 'secret'),
  ]);
  const services = make<KubeObject & Service>(SERVICES);
  services.start();
  const all = Promise.all([configMaps.waitForSync(), secrets.waitForSync(), services.waitForSync()]);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      o.log.warn('configMaps, secrets or services not listed in time; pods may wait for them');
      resolve();
    }, o.syncTimeoutMs ?? 10_000);
  });
  await Promise.race([all, timeout]);
  clearTimeout(timer);
  const getOrUndefined = async <T extends KubeObject>(
    r: ResourceRef,
    ns: string,
    name: string,
  ): Promise<T | undefined> => {
    try {
      return await o.client.get<T>(r, ns, name);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  };
  return {
    configMap: (ns, name) => configMaps.get(ns, name),
    secret: (ns, name) => secrets.get(ns, name),
    services: (ns) => services.list(ns),
    nodeAllocatable: o.nodeAllocatable,
    settled: async () => {
      const waited = await Promise.all([configMaps.settled?.(), secrets.settled?.()]);
      return waited.some((w) => w === true);
    },
    claim: (ns, name) => getOrUndefined<KubeObject & PersistentVolumeClaim>(PVCS, ns, name),
    volume: (name) => getOrUndefined<KubeObject & PersistentVolume>(PVS, '', name),
    onChange: (h) => {
      handlers.push(h);
    },
    stop: async () => {
      await Promise.all([configMaps.stop(), secrets.stop(), services.stop()]);
    },
  };
}
