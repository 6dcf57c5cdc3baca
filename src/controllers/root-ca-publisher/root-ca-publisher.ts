/**
 * Kubernetes' root CA publisher: every active namespace holds a `kube-root-ca.crt` ConfigMap with
 * the cluster CA under `ca.crt` (what the projected ServiceAccount volume and in-cluster clients
 * read it from), re-created when deleted and restored when changed.
 *
 *   Namespaces ──────────────────────────────┐
 *   ConfigMaps named kube-root-ca.crt ─► ns ─┴─► queue ─► reconcile(ns) ─► planRootCaConfigMap ─► create/update
 */
import type { ConfigMap } from 'kubernetes-types/core/v1.js';
import type { Logger } from 'pino';
import { ROOT_CA_CONFIG_MAP } from '../../api/serviceaccount/token-claims.js';
import { ClientError, isAlreadyExists, isNotFound } from '../../machinery/client/client-error.js';
import { Informer } from '../../machinery/client/informer.js';
import type { KubeClient } from '../../machinery/client/kube-client.js';
import type { ObjectKey } from '../../machinery/client/object-key.js';
import type { SharedInformers } from '../../machinery/client/shared-informers.js';
import { runController, type ReconcileResult, type RunningController } from '../../machinery/controller/controller.js';
import type { ObjectOf } from '../../machinery/resources/index.js';
import { CONFIG_MAPS, NAMESPACES } from '../../machinery/resources/well-known.js';
import { planRootCaConfigMap } from './plan-root-ca.js';

type ConfigMapObject = ObjectOf<ConfigMap>;

export interface RootCaPublisherOptions {
  client: KubeClient;
  namespaces: Informer;
  /** ConfigMaps named kube-root-ca.crt only (a field-selected informer). */
  configMaps: Informer<ConfigMapObject>;
  /** The cluster CA certificate, PEM. */
  caPem: string;
}

/**
 * Keyed by namespace name (the key's name). A missing or terminating namespace is left alone; a
 * create refused because the namespace began terminating (403) or already done (409) is success.
 * Idempotent.
 */
export function rootCaPublisherReconciler(
  opts: RootCaPublisherOptions,
): (key: ObjectKey) => Promise<ReconcileResult | undefined> {
  return async ({ name }): Promise<undefined> => {
    const ns = opts.namespaces.get('', name);
    if (!ns || ns.metadata.deletionTimestamp || (ns.status as { phase?: string } | undefined)?.phase === 'Terminating')
      return undefined;
    const action = planRootCaConfigMap(name, opts.configMaps.get(name, ROOT_CA_CONFIG_MAP), opts.caPem);
    if (!action) return undefined;
    try {
      if (action.kind === 'create') await opts.client.create(CONFIG_MAPS, name, action.configMap);
      else await opts.client.update(CONFIG_MAPS, name, action.configMap);
    } catch (err) {
      if (isAlreadyExists(err) || isNotFound(err) || (err instanceof ClientError && err.code === 403)) return undefined;
      throw err;
    }
    return undefined;
  };
}

/** A kube-root-ca.crt event queues its namespace. */
export function namespaceKeyOfConfigMap(cm: ConfigMapObject): ObjectKey[] {
  return cm.metadata.name === ROOT_CA_CONFIG_MAP && cm.metadata.namespace
    ? [{ namespace: '', name: cm.metadata.namespace }]
    : [];
}

/**
 * Starts the publisher over the shared Namespace informer and its own informer of the
 * kube-root-ca.crt ConfigMaps (field-selected: other ConfigMaps are never cached). The returned
 * controller's stop also stops that informer.
 */
export async function startRootCaPublisher(opts: {
  client: KubeClient;
  informers: SharedInformers;
  log: Logger;
  caPem: string;
}): Promise<RunningController> {
  const namespaces = opts.informers.informerFor(NAMESPACES, 'full');
  // Informers list and watch as the controller manager (the shared informers' client), as in Kubernetes.
  const configMaps = new Informer(opts.informers.client, CONFIG_MAPS, {
    log: opts.log,
    fieldSelector: `metadata.name=${ROOT_CA_CONFIG_MAP}`,
  });
  const running = await runController({
    name: 'root-ca-cert-publisher',
    log: opts.log,
    workers: 1,
    sources: [{ informer: namespaces }, { informer: configMaps, keysFor: namespaceKeyOfConfigMap }],
    reconcile: rootCaPublisherReconciler({ client: opts.client, namespaces, configMaps, caPem: opts.caPem }),
  });
  return {
    queue: running.queue,
    async stop() {
      await running.stop();
      await configMaps.stop();
    },
  };
}
