import type { ResourceQuota } from 'kubernetes-types/core/v1.js';
import { errors } from '../../api/errors.js';
import type { KubeObject } from '../../api/object.js';
import {
  checkQuotaRequest,
  evaluatorFor,
  formatResourceList,
  type QuotaEvaluator,
  type QuotaOperation,
} from '../../api/quota/index.js';
import type { ResourceType } from '../../api/resource-type.js';
import { findResourceType } from '../../api/resource-types.js';
import type { Store, StoredValue } from '../../store/store.js';
import { decodeObject, encodeObject } from '../rest/storage-key.js';
import type { WatchCache } from '../watch-cache.js';
import { admissionSubject } from './limit-ranger.js';
import type { AdmissionPlugin } from './plugin.js';

const QUOTAS = findResourceType('', 'v1', 'resourcequotas');

/** Events are never charged (Kubernetes' default ignored resources): they stay off the quota path. */
const IGNORED_EVENT_GROUPS = new Set(['', 'events.k8s.io']);

/** Tries per charge when a quota's status changed under it (the quota controller wrote it): the first and 3 retries. */
const CHARGE_ATTEMPTS = 4;

export interface QuotaAdmissionOptions {
  cache: WatchCache;
  store: Store;
  /** Clock in ms (default Date.now): whether a deleted pod's grace period has run out. */
  now?: () => number;
}

/**
 * Kubernetes' ResourceQuota admission (the last validating plugin): an object that a quota of its
 * namespace counts is charged to that quota's status.used before it is stored, or refused with
 * Kubernetes' 403 when the charge exceeds status.hard.
 *
 *   cached quotas name nothing this object counts toward? --> admit (no lock, no store read)
 *   per-namespace lock --> read the quotas from the store --> checkQuotaRequest (pure)
 *     --> write each changed status.used with its modRevision as precondition
 *     --> a conflict (the controller wrote meanwhile): read again and charge what failed
 *
 * Charges in one namespace are serialized here, and every write is a compare-and-swap, so two
 * creates racing for the last unit cannot both pass. A charge whose object then fails to store
 * (a name taken) stays until the quota controller recalculates, as in Kubernetes. Dry runs are
 * checked but charge nothing. Without the server's state (write workers) the plugin handles
 * nothing; on the main thread it handles creates (and updates of services and claims) of every
 * resource as soon as any quota exists, which keeps those creates out of the write workers.
 */
export function resourceQuotaPlugin(state: QuotaAdmissionOptions | undefined): AdmissionPlugin {
  const locks = new Map<string, Promise<void>>();
  const now = state?.now ?? Date.now;

  /** Runs fn after every earlier charge of the namespace has finished. */
  const serialized = async <T>(namespace: string, fn: () => Promise<T>): Promise<T> => {
    const previous = locks.get(namespace) ?? Promise.resolve();
    let release = () => {};
    const mine = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = previous.then(() => mine);
    locks.set(namespace, tail);
    await previous;
    try {
      return await fn();
    } finally {
      release();
      if (locks.get(namespace) === tail) locks.delete(namespace);
    }
  };

  const applies = (rt: ResourceType, operation: QuotaOperation): boolean =>
    state !== undefined &&
    QUOTAS !== undefined &&
    rt.namespaced &&
    !(rt.plural === 'events' && IGNORED_EVENT_GROUPS.has(rt.group)) &&
    state.cache.count(QUOTAS.storagePrefix) > 0 &&
    evaluatorFor(rt.group, rt.plural).handles(operation);

  return {
    name: 'ResourceQuota',
    kind: 'validating',
    pure: false,
    handles: (rt, operation) => operation !== 'delete' && applies(rt, operation),
    async admit(operation, rt, obj, old, request) {
      if (operation === 'delete' || !state || !QUOTAS || !applies(rt, operation)) return;
      if ((request?.subresource ?? '') !== '') return;
      const namespace = obj.metadata.namespace ?? '';
      const evaluator = evaluatorFor(rt.group, rt.plural);
      if (!cachedQuotaCounts(state.cache, namespace, evaluator)) return;
      const subject = admissionSubject(rt, obj);
      await serialized(namespace, async () => {
        let only: Set<string> | undefined;
        for (let attempt = 0; attempt < CHARGE_ATTEMPTS; attempt++) {
          const stored = await readQuotas(state.store, namespace, only);
          const quotas = stored.map((s) => s.quota);
          const charges = checkQuotaRequest(quotas, { operation, evaluator, obj, old, subject, now: now() });
          if (charges.size === 0 || request?.dryRun) return;
          const failed = new Set<string>();
          for (const [i, used] of charges) {
            const { quota, value } = stored[i];
            const next = { ...quota, status: { ...quota.status, used: formatResourceList(used) } };
            const result = await state.store.update(value.key, encodeObject(next), value.modRevision);
            if (!result.ok) failed.add(quota.metadata?.name ?? '');
          }
          if (failed.size === 0) return;
          only = failed;
        }
        throw errors.conflict(
          'resourcequotas',
          [...(only ?? [])].join(','),
          'the object has been modified; please apply your changes to the latest version and try again',
        );
      });
    },
  };
}

/** Whether a cached quota of the namespace names something this resource counts toward (cheap pre-check, no lock). */
function cachedQuotaCounts(cache: WatchCache, namespace: string, evaluator: QuotaEvaluator): boolean {
  if (!QUOTAS) return false;
  for (const o of cache.list(QUOTAS.storagePrefix, namespace)) {
    const q = o.object() as ResourceQuota;
    const names = [...Object.keys(q.status?.hard ?? {}), ...Object.keys(q.spec?.hard ?? {})];
    if (evaluator.matchingResources(names).length > 0) return true;
  }
  return false;
}

/** The namespace's quotas as stored now (not the cache, which may not have seen the last charge), optionally only some names. */
async function readQuotas(
  store: Store,
  namespace: string,
  only: Set<string> | undefined,
): Promise<{ quota: KubeObject & ResourceQuota; value: StoredValue }[]> {
  if (!QUOTAS) return [];
  const page = await store.list(`${QUOTAS.storagePrefix}${namespace}/`);
  return page.items
    .map((value) => ({ quota: decodeObject<KubeObject & ResourceQuota>(value.value), value }))
    .filter((s) => !only || only.has(s.quota.metadata.name ?? ''));
}
