/**
 * The API server's CustomResourceDefinition controllers, in one loop over the watch cache:
 *
 *   CRD events -> sync() -> status (names, Established, storedVersions)  -> store
 *                        -> served resources (setCustomResources)        -> REST, discovery
 *                        -> a deleted CRD's objects removed, then its cleanup finalizer
 *
 * sync() re-reads every CRD each time (level-triggered; there are few), runs one at a time and
 * runs again when events came in meanwhile.
 */
import type { CustomResourceDefinition } from 'kubernetes-types/apiextensions/v1.js';
import type { KubeObject } from '../../api/object.js';
import { findResourceType, setCustomResources, allResourceTypes } from '../../api/resource-types.js';
import type { ResourceType } from '../../api/resource-type.js';
import { strategyOf } from '../../api/kinds/index.js';
import { CRD_CLEANUP_FINALIZER } from '../../api/kinds/custom-resource-definition.js';
import { customResourceEntries } from '../../api/kinds/custom-resource.js';
import type { ResourceCall, RestContext } from '../rest/rest-context.js';
import { mutateObject } from '../rest/update-object.js';
import { deleteObject } from '../rest/delete-object.js';
import { timestamp } from '../rest/object-lifecycle.js';
import { isEstablished, planCrdStatuses } from './crd-status-plan.js';

/** How often a terminating CRD whose objects still have finalizers is looked at again. */
const CLEANUP_POLL_MS = 500;
const SYSTEM = { name: 'system:apiserver', groups: ['system:masters'] };
const OPTS = { dryRun: false, fieldManager: 'flotilla-apiextensions', fieldValidation: 'Ignore' as const };

export interface CrdRegistrar {
  /** Resolves when the current state has been applied (tests, start-up). */
  synced(): Promise<void>;
  stop(): void;
}

/**
 * Starts the registrar: registers the resources of the CRDs already stored before it resolves,
 * then follows CRD events. `onError` hears failed syncs (retried on the next event or after 1 s).
 */
export async function startCrdRegistrar(
  ctx: RestContext,
  onError: (err: unknown) => void = () => {},
): Promise<CrdRegistrar> {
  const crdType = findResourceType('apiextensions.k8s.io', 'v1', 'customresourcedefinitions') as ResourceType;
  const crdCall = (name: string): ResourceCall => ({
    rt: crdType,
    strategy: strategyOf(crdType),
    namespace: '',
    name,
    query: new URLSearchParams(),
    user: SYSTEM,
  });
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;
  const registered = new Set<string>();

  async function syncOnce(): Promise<void> {
    const crds = ctx.cache
      .list(crdType.storagePrefix, '')
      .map((o) => o.object() as unknown as CustomResourceDefinition);
    const statuses = new Map(planCrdStatuses(crds, timestamp(ctx.now())).map((s) => [s.name, s.status]));
    const present = new Set<string>();
    for (const crd of crds) {
      const name = crd.metadata?.name ?? '';
      const status = statuses.get(name);
      if (status) {
        await mutateObject(ctx, crdCall(name), OPTS, 'status', (live) => {
          live.status = status;
          return live;
        });
        crd.status = status;
      }
      if (isEstablished(crd)) {
        present.add(name);
        registered.add(name);
        setCustomResources(name, customResourceEntries(crd));
      }
      if (crd.metadata?.deletionTimestamp && (crd.metadata.finalizers ?? []).includes(CRD_CLEANUP_FINALIZER))
        if (!(await cleanUp(crd))) requeue(CLEANUP_POLL_MS);
    }
    for (const name of [...registered])
      if (!present.has(name)) {
        registered.delete(name);
        setCustomResources(name, []);
      }
  }

  /**
   * Deletes the CRD's objects; once none is left, drops the finalizer (the CRD then goes) and
   * returns true. False: objects are still held by their own finalizers (polled again).
   */
  async function cleanUp(crd: CustomResourceDefinition): Promise<boolean> {
    const name = crd.metadata?.name ?? '';
    const rt = allResourceTypes().find((r) => r.custom?.crdName === name);
    if (rt) {
      const objects = ctx.cache.list(rt.storagePrefix, '');
      for (const o of objects) {
        const obj = o.object() as KubeObject;
        if (obj.metadata.deletionTimestamp) continue;
        const call: ResourceCall = {
          rt,
          strategy: strategyOf(rt),
          namespace: obj.metadata.namespace ?? '',
          name: obj.metadata.name ?? '',
          query: new URLSearchParams(),
          user: SYSTEM,
        };
        await deleteObject(ctx, call, { dryRun: false }).catch((err: unknown) => {
          if ((err as { code?: number }).code !== 404) throw err;
        });
      }
      if (ctx.cache.list(rt.storagePrefix, '').length > 0) return false;
    }
    await mutateObject(ctx, crdCall(name), OPTS, '', (live) => {
      live.metadata.finalizers = (live.metadata.finalizers ?? []).filter((f) => f !== CRD_CLEANUP_FINALIZER);
      return live;
    });
    return true;
  }

  function requeue(ms: number): void {
    clearTimeout(retry);
    retry = setTimeout(() => void sync(), ms);
    retry.unref?.();
  }

  function sync(): Promise<void> {
    if (stopped) return Promise.resolve();
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        try {
          await syncOnce();
        } catch (err) {
          onError(err);
          requeue(1000);
        }
      } while (again && !stopped);
    })().finally(() => {
      running = undefined;
    });
    return running;
  }

  const unsubscribe = ctx.cache.subscribe({
    prefix: crdType.storagePrefix,
    onEvents: () => void sync(),
    onClose: () => {},
  });
  await sync();
  return {
    synced: async () => {
      while (running) await running;
    },
    stop() {
      stopped = true;
      clearTimeout(retry);
      unsubscribe();
    },
  };
}
