import type { Namespace } from 'kubernetes-types/core/v1.js';
import type { Logger } from 'pino';
import type { KubeObject } from '../../api/object.js';
import type { ResourceType } from '../../api/resource-type.js';
import type { KubeClient } from '../../machinery/client/kube-client.js';
import type { Informer } from '../../machinery/client/informer.js';
import { isNotFound } from '../../machinery/client/client-error.js';
import type { ObjectKey } from '../../machinery/client/object-key.js';
import type { ReconcileResult } from '../../machinery/controller/controller.js';
import { storedResourceTypes } from '../served-types.js';
import { NAMESPACES, NODES } from '../../machinery/resources/well-known.js';
import type { ObjectOf } from '../../machinery/resources/resource.js';

export const KUBERNETES_FINALIZER = 'kubernetes';

export interface NamespaceControllerOptions {
  client: KubeClient;
  /** Namespaces informer (full objects: spec.finalizers is read). */
  namespaces: Informer<ObjectOf<Namespace>>;
  log: Logger;
  /** How often to look again while objects are still going away (default 1 s). */
  pollIntervalMs?: number;
  /** Namespaced resources to empty (default: every stored namespaced type). */
  types?: ResourceType[];
}

/**
 * Namespace deletion: for a Namespace with deletionTimestamp still holding the `kubernetes`
 * finalizer, deletes every object in it (pods on no node or on a missing node at once, with
 * grace period 0), polls until all are gone, then removes the finalizer through
 * `PUT namespaces/<name>/finalize` so the API server removes the namespace. Idempotent.
 */
export function namespaceReconciler(
  opts: NamespaceControllerOptions,
): (key: ObjectKey) => Promise<ReconcileResult | void> {
  // Read per reconcile: custom resources come and go with their CustomResourceDefinitions.
  const namespacedTypes = () => (opts.types ?? storedResourceTypes()).filter((rt) => rt.namespaced);
  return async ({ name }) => {
    const types = namespacedTypes();
    const ns = opts.namespaces.get('', name);
    if (!ns?.metadata.deletionTimestamp) return;
    const finalizers = (ns.spec as { finalizers?: string[] } | undefined)?.finalizers ?? [];
    if (!finalizers.includes(KUBERNETES_FINALIZER)) return;
    const nodeExists = nodeLookup(opts.client);
    let remaining = 0;
    for (const rt of types) {
      const { items } = await opts.client.list(rt, name);
      for (const obj of items) {
        remaining++;
        const grace = rt.kind === 'Pod' && !(await podOnLiveNode(obj, nodeExists)) ? 0 : undefined;
        if (obj.metadata.deletionTimestamp && grace === undefined) continue;
        if (obj.metadata.deletionTimestamp && obj.metadata.deletionGracePeriodSeconds === 0) continue;
        try {
          await opts.client.delete(rt, name, obj.metadata.name ?? '', {
            propagationPolicy: 'Background',
            preconditions: { uid: obj.metadata.uid },
            ...(grace === 0 ? { gracePeriodSeconds: 0 } : {}),
          });
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
      }
    }
    if (remaining > 0) {
      opts.log.debug({ namespace: name, remaining }, 'namespace: waiting for contents to go');
      return { requeueAfterMs: opts.pollIntervalMs ?? 1000 };
    }
    // The namespace may be listed again by now; send only what finalize reads.
    const body: KubeObject = {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name },
      spec: { finalizers: finalizers.filter((f) => f !== KUBERNETES_FINALIZER) },
    };
    try {
      await opts.client.update(NAMESPACES, '', body, { subresource: 'finalize' });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    opts.log.info({ namespace: name }, 'namespace: contents deleted, finalized');
  };
}

async function podOnLiveNode(pod: KubeObject, nodeExists: (name: string) => Promise<boolean>): Promise<boolean> {
  const nodeName = (pod.spec as { nodeName?: string } | undefined)?.nodeName;
  return !!nodeName && (await nodeExists(nodeName));
}

/** A per-reconcile memo of node existence. */
function nodeLookup(client: KubeClient): (name: string) => Promise<boolean> {
  const memo = new Map<string, Promise<boolean>>();
  return (name) => {
    let p = memo.get(name);
    if (!p) {
      p = client.get(NODES, '', name).then(
        () => true,
        (err: unknown) => {
          if (isNotFound(err)) return false;
          throw err;
        },
      );
      memo.set(name, p);
    }
    return p;
  };
}
