import type { Logger } from 'pino';
import type { PersistentVolumeClaim, Pod, ResourceQuota, Service } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../api/object.js';
import { RESOURCE_TYPES } from '../../api/resource-types.js';
import {
  equals,
  evaluatorFor,
  parseResourceList,
  quotaStatus,
  resourcesLimitedBy,
  type ListObjects,
} from '../../api/quota/index.js';
import type { KubeClient } from '../../machinery/client/kube-client.js';
import type { Informer } from '../../machinery/client/informer.js';
import type { ObjectKey } from '../../machinery/client/object-key.js';
import type { SharedInformers } from '../../machinery/client/shared-informers.js';
import type { ReconcileResult } from '../../machinery/controller/controller.js';
import type { ObjectOf } from '../../machinery/resources/resource.js';
import { RESOURCE_QUOTAS } from '../../machinery/resources/well-known.js';

type QuotaObject = ObjectOf<ResourceQuota>;

export interface ResourceQuotaControllerOptions {
  client: KubeClient;
  quotas: Informer<QuotaObject>;
  pods: Informer<ObjectOf<Pod>>;
  services: Informer<ObjectOf<Service>>;
  claims: Informer<ObjectOf<PersistentVolumeClaim>>;
  /** Where informers of other counted resources (count/<resource>.<group>) come from, created on first need. */
  informers: SharedInformers;
  /** Called with a namespace when objects of a resource counted there went away (replenishment). */
  onReleased(namespace: string): void;
  log: Logger;
  /** How often each quota is recalculated in full, whatever happened (default 5 minutes, Kubernetes' resync). */
  resyncMs?: number;
  /** Clock in ms (default Date.now). */
  now?: () => number;
}

/** Kubernetes' resource-quota-sync-period. */
export const DEFAULT_QUOTA_RESYNC_MS = 5 * 60_000;

/**
 * Kubernetes' resourcequota controller (pkg/controller/resourcequota): keeps each quota's
 * status.hard equal to spec.hard and status.used equal to the usage of the namespace's objects
 * the quota counts (pods, services, claims, object counts; scopes). Admission charges new objects
 * to status.used as they are created; this controller recalculates a quota when its spec changes,
 * when counted objects are deleted or stop using resources (a pod ending), and every resync
 * period, which also returns charges of creates that failed after admission.
 */
export class ResourceQuotaController {
  private readonly now: () => number;
  private readonly watched = new Set<string>();

  constructor(private readonly opts: ResourceQuotaControllerOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** Level-triggered sync of one quota (syncResourceQuota). Idempotent; throws to retry (a status write conflict). */
  reconcile = async ({ namespace, name }: ObjectKey): Promise<ReconcileResult | void> => {
    const quota = this.opts.quotas.get(namespace, name);
    if (!quota || quota.metadata.deletionTimestamp) return;
    await this.watchCountedResources(quota);
    const status = quotaStatus(quota, this.lister(namespace), this.now());
    const current = quota.status;
    const dirty =
      !current?.hard ||
      !current.used ||
      !equals(parseResourceList(current.hard), parseResourceList(quota.spec?.hard)) ||
      !equals(parseResourceList(current.used), parseResourceList(status.used)) ||
      Object.keys(current.hard).length !== Object.keys(status.hard ?? {}).length;
    if (dirty) {
      const next = { ...quota, status };
      await this.opts.client.updateStatus(RESOURCE_QUOTAS, namespace, next);
    }
    return { requeueAfterMs: this.opts.resyncMs ?? DEFAULT_QUOTA_RESYNC_MS };
  };

  /** The quota keys of a namespace (a counted object there changed). */
  keysOfNamespace = (namespace: string): ObjectKey[] =>
    this.opts.quotas.list(namespace).map((q) => ({ namespace, name: q.metadata.name ?? '' }));

  /** Objects of a counted resource in the namespace, from the informers; undefined for a resource the server does not serve. */
  private lister(namespace: string): ListObjects {
    return (group, resource) => {
      if (group === '' && resource === 'pods') return this.opts.pods.list(namespace);
      if (group === '' && resource === 'services') return this.opts.services.list(namespace);
      if (group === '' && resource === 'persistentvolumeclaims') return this.opts.claims.list(namespace);
      const rt = servedType(group, resource);
      return rt ? this.opts.informers.informerFor(rt, 'metadata').list(namespace) : undefined;
    };
  }

  /**
   * Starts (once per resource) a metadata informer for each object count resource the quota
   * names beyond pods, services and claims, waits for its first list, and recalculates the
   * namespace's quotas when such an object is deleted.
   */
  private async watchCountedResources(quota: QuotaObject): Promise<void> {
    for (const { group, resource } of resourcesLimitedBy(Object.keys(quota.spec?.hard ?? {}))) {
      if (group === '' && ['pods', 'services', 'persistentvolumeclaims'].includes(resource)) continue;
      const rt = servedType(group, resource);
      if (!rt) continue;
      const informer = this.opts.informers.informerFor(rt, 'metadata');
      const key = `${group}/${resource}`;
      if (!this.watched.has(key)) {
        this.watched.add(key);
        informer.addHandlers({ onDelete: (obj) => this.opts.onReleased(obj.metadata.namespace ?? '') });
        informer.start();
      }
      await informer.waitForSync();
    }
  }

  /** A pod, service or claim event: its namespace's quotas are recalculated when usage went down. */
  releasedBy = (resource: string, old: KubeObject | undefined, obj: KubeObject): boolean => {
    if (!old) return false;
    const evaluator = evaluatorFor('', resource);
    const now = this.now();
    return !equals(evaluator.usage(old, now), evaluator.usage(obj, now));
  };
}

/** The served namespaced resource of group/plural (its first version), or undefined. */
function servedType(group: string, plural: string) {
  return RESOURCE_TYPES.find((r) => r.group === group && r.plural === plural && r.namespaced);
}
