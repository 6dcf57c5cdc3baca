import type { KubeClient } from '../../machinery/client/kube-client.js';
import { onePod } from '../../machinery/resources/well-known.js';

/** Writes a binding; resolves once the API server accepted it. Injected so tests can replace it. */
export type BindPod = (namespace: string, name: string, uid: string, nodeName: string) => Promise<void>;

/**
 * POST pods/<name>/binding with a v1 Binding (target: the Node), as kube-scheduler's DefaultBinder.
 * The uid precondition makes a binding for a deleted-and-recreated pod of the same name fail.
 * Throws the client's error (NotFound: pod gone; Conflict: already bound or being deleted).
 */
export function clientBinder(client: KubeClient): BindPod {
  return async (namespace, name, uid, nodeName) => {
    await client.create(
      onePod(name),
      namespace,
      {
        apiVersion: 'v1',
        kind: 'Binding',
        metadata: { name, namespace, ...(uid ? { uid } : {}) },
        target: { apiVersion: 'v1', kind: 'Node', name: nodeName },
      },
      { subresource: 'binding' },
    );
  };
}
