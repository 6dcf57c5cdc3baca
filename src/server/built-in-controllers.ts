import { compose } from '../machinery/lifecycle/runnables.js';
import type { Logger } from 'pino';
import type { ControllerSettings } from '../controllers/index.js';
import type { ClientOptions, KubeClient } from '../machinery/client/index.js';
import { controllerUser } from '../api/rbac/controller-policy.js';
import { KUBE_CONTROLLER_MANAGER } from '../api/rbac/users.js';
import type { UserInfo } from '../apiserver/auth/user-info.js';
import { ensureControllerServiceAccount } from './controller-service-accounts.js';

/** The controller manager's own user (system:kube-controller-manager, Kubernetes' bootstrap role of that name). */
export const CONTROLLER_MANAGER_USER: UserInfo = { name: KUBE_CONTROLLER_MANAGER, groups: ['system:authenticated'] };

export interface BuiltInControllersOptions {
  /** Connection options for a client acting as `user` (this server's loopback socket, see loopback-server.ts). */
  connect: (user: UserInfo, userAgent: string) => ClientOptions;
  log: Logger;
  /** Addresses of the built-in LoadBalancer provider (default: node InternalIPs). */
  serviceLbPool?: string[];
  settings?: ControllerSettings;
  /** The cluster CA (PEM), for kube-root-ca.crt and token Secrets. */
  rootCaPem?: string;
  /** The ServiceAccount signing key (PEM), for legacy token Secrets. */
  serviceAccountKeyPem?: string;
  /** The cluster CA (certificate and key PEM) the CSR signer signs with. */
  signingCa?: { cert: string; key: string };
}

/** Running controllers; stop() ends their watches and closes their clients. Idempotent. */
export interface BuiltInControllers {
  stop(): Promise<void>;
}

/**
 * Starts the controllers that run inside `flotilla server` (every one controllers/index.ts lists:
 * garbage collector, namespace, workloads, nodes, endpoints, volumes, ...). As DESIGN.md asks they
 * reach the API only through the HTTP client, here over this server's loopback Unix socket, as
 * kube-controller-manager with --use-service-account-credentials: the shared informers as
 * system:kube-controller-manager, each controller's writes as its ServiceAccount
 * `kube-system/<controller>` (bound to `system:controller:<controller>` by the bootstrap policy),
 * whose ServiceAccount object is created on first use as Kubernetes' SAControllerClientBuilder does.
 * The client and controller modules are imported here, after the server listens, so they do not
 * delay start-up. Resolves once their caches have synced.
 */
export async function startBuiltInControllers(options: BuiltInControllersOptions): Promise<BuiltInControllers> {
  const [{ createClient }, { startControllers }] = await Promise.all([
    import('../machinery/client/index.js'),
    import('../controllers/index.js'),
  ]);
  return compose({ log: options.log }, async (parts) => {
    const client = await parts.start(
      'controllers client',
      () => createClient(options.connect(CONTROLLER_MANAGER_USER, 'kube-controller-manager')),
      (c) => c.close(),
    );
    // One client per controller user, made on first use; closed after the controllers stopped.
    let stopped = false;
    const accounts: Promise<void>[] = [];
    const perController = await parts.start(
      'controller clients',
      () => new Map<string, KubeClient>(),
      async (m) => {
        stopped = true;
        await Promise.all(accounts);
        await Promise.all([...m.values()].map((c) => c.close()));
      },
    );
    const clientFor = (controller: string): KubeClient => {
      let c = perController.get(controller);
      if (c === undefined) {
        c = createClient(options.connect(controllerUser(controller), `kube-controller-manager/${controller}`));
        perController.set(controller, c);
        accounts.push(ensureControllerServiceAccount(client, controller, options.log, { stopped: () => stopped }));
      }
      return c;
    };
    await parts.start('controllers', () =>
      startControllers({
        client,
        clientFor,
        log: options.log,
        serviceLbPool: options.serviceLbPool,
        settings: options.settings,
        rootCaPem: options.rootCaPem,
        serviceAccountKeyPem: options.serviceAccountKeyPem,
        signingCa: options.signingCa,
      }),
    );
    return { stop: () => parts.stop() };
  });
}
