import type { Logger } from 'pino';
import { CONTROLLER_NAMESPACE } from '../api/rbac/controller-policy.js';
import type { KubeObject } from '../api/object.js';
import { isAlreadyExists, isNotFound } from '../machinery/client/client-error.js';
import type { KubeClient } from '../machinery/client/kube-client.js';
import { SERVICE_ACCOUNTS } from '../machinery/resources/well-known.js';

/**
 * Makes sure the ServiceAccount `kube-system/<controller>` exists, as Kubernetes'
 * SAControllerClientBuilder does before it hands a controller its client when controllers use
 * service-account credentials: a user of the cluster then finds every controller identity RBAC
 * names (`kubectl get sa -n kube-system`). Called once per controller, with the controller
 * manager's client (system:kube-controller-manager may get and create ServiceAccounts). Idempotent:
 * an existing ServiceAccount is left alone. Failures are logged and retried a few times; the
 * controller's own requests do not depend on the object (its identity comes from the loopback token).
 * `stopped` ends the attempts (server shutdown).
 */
export async function ensureControllerServiceAccount(
  client: KubeClient,
  controller: string,
  log: Pick<Logger, 'warn'>,
  opts: { retryDelayMs?: number; attempts?: number; stopped?: () => boolean } = {},
): Promise<void> {
  const attempts = opts.attempts ?? 5;
  for (let attempt = 1; !opts.stopped?.(); attempt++) {
    const failure = await getOrCreate(client, controller);
    if (failure === undefined || opts.stopped?.()) return;
    if (attempt >= attempts) {
      log.warn({ err: String(failure), controller }, 'could not create the ServiceAccount of a controller');
      return;
    }
    await new Promise((r) => setTimeout(r, opts.retryDelayMs ?? 1000));
  }
}

/** One attempt: undefined when the ServiceAccount exists (found, created, or created meanwhile), else the error. */
async function getOrCreate(client: KubeClient, controller: string): Promise<unknown> {
  try {
    await client.get(SERVICE_ACCOUNTS, CONTROLLER_NAMESPACE, controller);
    return undefined;
  } catch (err) {
    if (!isNotFound(err)) return err;
  }
  try {
    await client.create(SERVICE_ACCOUNTS, CONTROLLER_NAMESPACE, {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: controller, namespace: CONTROLLER_NAMESPACE },
    } as KubeObject);
    return undefined;
  } catch (err) {
    return isAlreadyExists(err) ? undefined : err;
  }
}
