import type { KubeObject } from '../../api/object.js';
import type { KubeClient } from '../../machinery/client/kube-client.js';
import type { Informer } from '../../machinery/client/informer.js';
import { isAlreadyExists, isNotFound, ClientError } from '../../machinery/client/client-error.js';
import type { ObjectKey } from '../../machinery/client/object-key.js';
import type { ReconcileResult } from '../../machinery/controller/controller.js';
import { SERVICE_ACCOUNTS } from '../../machinery/resources/well-known.js';

export const DEFAULT_SERVICE_ACCOUNT = 'default';

export interface ServiceAccountControllerOptions {
  client: KubeClient;
  namespaces: Informer;
  serviceAccounts: Informer;
}

/**
 * Keyed by namespace name: an active namespace gets a `default` ServiceAccount when it has none
 * (re-created when deleted). Terminating or missing namespaces are left alone. Idempotent.
 */
export function serviceAccountReconciler(
  opts: ServiceAccountControllerOptions,
): (key: ObjectKey) => Promise<ReconcileResult | void> {
  return async ({ name }) => {
    const ns = opts.namespaces.get('', name);
    if (!ns || ns.metadata.deletionTimestamp || (ns.status as { phase?: string } | undefined)?.phase === 'Terminating')
      return;
    if (opts.serviceAccounts.get(name, DEFAULT_SERVICE_ACCOUNT)) return;
    const sa: KubeObject = {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: DEFAULT_SERVICE_ACCOUNT, namespace: name },
    };
    try {
      await opts.client.create(SERVICE_ACCOUNTS, name, sa);
    } catch (err) {
      // Already there (the cache lagged), or the namespace went away / began terminating meanwhile.
      if (isAlreadyExists(err) || isNotFound(err) || (err instanceof ClientError && err.code === 403)) return;
      throw err;
    }
  };
}

/** Maps a ServiceAccount event to its namespace's key (only the default one matters). */
export function namespaceKeyOfServiceAccount(sa: KubeObject): ObjectKey[] {
  return sa.metadata.name === DEFAULT_SERVICE_ACCOUNT && sa.metadata.namespace
    ? [{ namespace: '', name: sa.metadata.namespace }]
    : [];
}
