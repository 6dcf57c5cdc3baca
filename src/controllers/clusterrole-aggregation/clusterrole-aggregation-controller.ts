import type { ClusterRole } from 'kubernetes-types/rbac/v1.js';
import type { Logger } from 'pino';
import { aggregatedRules } from '../../api/rbac/aggregate.js';
import { rulesEqual } from '../../api/rbac/policy-rule.js';
import type { KubeClient } from '../../machinery/client/kube-client.js';
import type { Informer } from '../../machinery/client/informer.js';
import { isNotFound } from '../../machinery/client/client-error.js';
import type { ObjectKey } from '../../machinery/client/object-key.js';
import type { SharedInformers } from '../../machinery/client/shared-informers.js';
import { runController, type ReconcileResult, type RunningController } from '../../machinery/controller/controller.js';
import type { ObjectOf } from '../../machinery/resources/index.js';
import { CLUSTER_ROLES } from '../../machinery/resources/well-known.js';

export { CLUSTER_ROLES };
type ClusterRoleObject = ObjectOf<ClusterRole>;

export interface ClusterRoleAggregationOptions {
  client: KubeClient;
  clusterRoles: Informer<ClusterRoleObject>;
}

/**
 * Kubernetes' clusterrole-aggregation controller, keyed by ClusterRole name: a role with an
 * aggregationRule gets the rules of the ClusterRoles its selectors match (api/rbac aggregatedRules),
 * written only when they differ. Roles without an aggregationRule and missing roles are left
 * alone. Idempotent; a conflict throws and the queue retries with a fresh cache.
 */
export function clusterRoleAggregationReconciler(
  opts: ClusterRoleAggregationOptions,
): (key: ObjectKey) => Promise<ReconcileResult | undefined> {
  return async ({ name }): Promise<undefined> => {
    const role = opts.clusterRoles.get('', name);
    if (!role?.aggregationRule) return undefined;
    const want = aggregatedRules(role, opts.clusterRoles.list());
    if (want === undefined || rulesEqual(want, role.rules)) return undefined;
    const updated = { ...structuredClone(role), rules: want };
    try {
      await opts.client.update(CLUSTER_ROLES, '', updated);
    } catch (err) {
      if (isNotFound(err)) return undefined; // deleted meanwhile
      throw err;
    }
    return undefined;
  };
}

/**
 * Any ClusterRole change may change what an aggregated role should hold (labels come and go,
 * rules change), so every event queues every role with an aggregationRule — a few dozen at most.
 */
export function aggregatedRoleKeys(clusterRoles: Informer<ClusterRoleObject>): () => ObjectKey[] {
  return () =>
    clusterRoles
      .list()
      .filter((r) => r.aggregationRule)
      .map((r) => ({ namespace: '', name: r.metadata.name ?? '' }));
}

/** Starts the controller over the shared ClusterRole informer (one worker: the roles are few). */
export function startClusterRoleAggregation(opts: {
  client: KubeClient;
  informers: SharedInformers;
  log: Logger;
}): Promise<RunningController> {
  const clusterRoles = opts.informers.informerFor(CLUSTER_ROLES, 'full');
  return runController({
    name: 'clusterrole-aggregation',
    log: opts.log,
    workers: 1,
    sources: [{ informer: clusterRoles, keysFor: aggregatedRoleKeys(clusterRoles) }],
    reconcile: clusterRoleAggregationReconciler({ client: opts.client, clusterRoles }),
  });
}
