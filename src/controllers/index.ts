/**
 * Controllers that run inside `flotilla server`, reaching the API only through the client.
 *
 *   SharedInformers (one list+watch per resource) --> key handlers --> WorkQueue --> workers --> reconcile
 *
 *   garbage-collector   ownerReferences: background, orphan and foreground deletion
 *   namespace           empties a terminating namespace, then finalizes it
 *   serviceaccount      a `default` ServiceAccount in every active namespace
 *   deployment, replicaset, statefulset, daemonset, job, cronjob, disruption (PodDisruptionBudget status)
 *   node-lifecycle      Ready/Unknown conditions, taints and evictions of silent nodes
 *   node-ipam           a pod CIDR per node from the cluster range
 *   horizontal-pod-autoscaler  replicas from metrics.k8s.io
 *   endpointslice       EndpointSlices and legacy Endpoints of every Service with a selector
 *   persistentvolume    PVC <-> PV binding, the local-path provisioner, reclaim policies
 *   servicelb           status.loadBalancer.ingress of LoadBalancer Services (pool or node addresses)
 *   ingress-status      status.loadBalancer.ingress of the built-in class's Ingresses (the Ready nodes' addresses)
 *   gateway-status      status of the built-in GatewayClass's Gateway API objects (classes, Gateways, HTTP/GRPCRoutes)
 *   pvc/pv-protection   a claim in use by a pod (a bound volume) is not removed until released
 *   pod-gc              orphaned pods, unscheduled terminating pods, terminated pods over a threshold
 *   clusterrole-aggregation  rules of aggregated ClusterRoles (admin, edit, view) from the roles they select
 *   root-ca-cert-publisher   the kube-root-ca.crt ConfigMap (cluster CA) in every namespace
 *   serviceaccount-token     legacy ServiceAccount token Secrets filled with token, ca.crt, namespace
 *   resourcequota       status.hard and status.used of ResourceQuotas (usage released as objects go)
 *   csrapproving        auto-approves node client certificate requests its requester may make (SubjectAccessReview)
 *   csrsigning          signs approved CertificateSigningRequests with the cluster CA (when given the CA)
 *   csrcleaner          deletes requests an hour after they were issued, denied or failed, a day if still pending
 */
import type { Logger } from 'pino';
import type { KubeClient } from '../machinery/client/kube-client.js';
import { SharedInformers } from '../machinery/client/shared-informers.js';
import { runController, type RunningController } from '../machinery/controller/controller.js';
import { GarbageCollector } from './garbage-collector/garbage-collector.js';
import { namespaceReconciler } from './namespace/namespace-controller.js';
import { namespaceKeyOfServiceAccount, serviceAccountReconciler } from './serviceaccount/serviceaccount-controller.js';
import { startReplicaSetController } from './replicaset/start-replicaset-controller.js';
import { startDeploymentController } from './deployment/start-deployment-controller.js';
import { startNodeControllers, type NodeControllerSettings } from './node-lifecycle/start-node-controllers.js';
import { startEndpointControllers } from './endpointslice/start-endpoint-controllers.js';
import { startJobController } from './job/start-job-controller.js';
import { startCronJobController } from './cronjob/start-cronjob-controller.js';
import { startDisruptionController } from './disruption/start-disruption-controller.js';
import { startStatefulSetController } from './statefulset/start-statefulset-controller.js';
import { startDaemonSetController } from './daemonset/start-daemonset-controller.js';
import { startVolumeControllers } from './volume/start-volume-controllers.js';
import { startServiceLbController } from './servicelb/servicelb-controller.js';
import { startIngressStatusController } from './ingress/ingress-status-controller.js';
import { GATEWAY_STATUS_CONTROLLER, INGRESS_STATUS_CONTROLLER } from '../api/rbac/component-policy.js';
import { startGatewayStatusController } from './gateway/gateway-status-controller.js';
import { startHpaController } from './hpa/start-hpa-controller.js';
import type { HpaSettings } from './hpa/hpa-controller.js';
import { startPodGc } from './podgc/start-pod-gc.js';
import { startVolumeProtection } from './volume-protection/start-volume-protection.js';
import { NAMESPACES, SERVICE_ACCOUNTS } from '../machinery/resources/well-known.js';
import { startClusterRoleAggregation } from './clusterrole-aggregation/clusterrole-aggregation-controller.js';
import { startRootCaPublisher } from './root-ca-publisher/root-ca-publisher.js';
import { startTokensController } from './serviceaccount/tokens-controller.js';
import { signingKeyFromPem } from '../machinery/serviceaccount-token/signing-key.js';
import { startResourceQuotaController } from './resourcequota/start-resource-quota-controller.js';
import { startCsrApproving } from './certificates/csr-approving-controller.js';
import { startCsrCleaner } from './certificates/csr-cleaner-controller.js';
import { startCsrSigning } from './certificates/csr-signing-controller.js';
import type { IssuedCert } from '../machinery/pki/issue-certs.js';

export {
  runController,
  runWorkers,
  TerminalError,
  type Reconcile,
  type ReconcileResult,
  type EventSource,
  type ControllerOptions,
  type RunningController,
} from '../machinery/controller/controller.js';
export { GarbageCollector, type GarbageCollectorOptions } from './garbage-collector/garbage-collector.js';
export { namespaceReconciler } from './namespace/namespace-controller.js';
export { serviceAccountReconciler } from './serviceaccount/serviceaccount-controller.js';

export interface StartControllersOptions {
  /**
   * The controller manager's own client: the shared informers list and watch through it, and the
   * controllers Kubernetes runs under kube-controller-manager's identity (the legacy token Secrets) write through it.
   */
  client: KubeClient;
  /**
   * The client a controller writes through, by its Kubernetes ServiceAccount name (`deployment-controller`,
   * `generic-garbage-collector`, ...): kube-controller-manager's --use-service-account-credentials, each
   * controller its own user with its own `system:controller:<name>` role. Default: `client` for all.
   */
  clientFor?: (controller: string) => KubeClient;
  log: Logger;
  /** Namespace controller poll interval while contents are going away (default 1 s). */
  namespacePollMs?: number;
  /** Addresses the built-in LoadBalancer provider hands out (default none: the Ready nodes' InternalIPs). */
  serviceLbPool?: string[];
  /** Timings and ranges for tests and small clusters (undefined fields keep each controller's default). */
  settings?: ControllerSettings;
  /** The cluster CA (PEM): published as kube-root-ca.crt and put in token Secrets. Undefined: neither runs. */
  rootCaPem?: string;
  /** The ServiceAccount signing key (PEM) for legacy token Secrets. Undefined: the tokens controller does not run. */
  serviceAccountKeyPem?: string;
  /** The cluster CA the CSR signer signs with; without it no CertificateSigningRequest is signed. */
  signingCa?: IssuedCert;
}

/** Settings of individual controllers (the server passes those parsed from FLOTILLA_* by the CLI). */
export interface ControllerSettings {
  /** CronJob controller clock speed factor (tests). */
  cronJobClockSpeed?: number;
  hpa?: Partial<HpaSettings>;
  nodes?: NodeControllerSettings;
  podGc?: { quarantineMs?: number; intervalMs?: number };
  /** Longest certificate the CSR signer issues (default one year, Kubernetes' --cluster-signing-duration). */
  csrSigningDurationMs?: number;
}

/** The root CA publisher and the legacy token Secret controller, each when its material was given. */
function serviceAccountCredentialControllers(
  opts: StartControllersOptions,
  informers: SharedInformers,
  log: Logger,
): Promise<RunningController>[] {
  const caPem = opts.rootCaPem;
  if (caPem === undefined) return [];
  const clientFor = opts.clientFor ?? (() => opts.client);
  const started = [startRootCaPublisher({ client: clientFor('root-ca-cert-publisher'), informers, log, caPem })];
  if (opts.serviceAccountKeyPem !== undefined)
    started.push(
      // Kubernetes runs the tokens controller under kube-controller-manager's own identity.
      startTokensController({
        client: opts.client,
        informers,
        log,
        caPem,
        key: signingKeyFromPem(opts.serviceAccountKeyPem),
      }),
    );
  return started;
}

export interface Controllers {
  readonly informers: SharedInformers;
  /** Stops every controller and informer; resolves when all work in flight has finished. */
  stop(): Promise<void>;
}

/**
 * Starts every controller listed at the top of this file over one set of shared informers.
 * Resolves once their caches have synced and workers run.
 */
export async function startControllers(opts: StartControllersOptions): Promise<Controllers> {
  const log = opts.log.child({ component: 'controllers' });
  const informers = new SharedInformers(opts.client, log);
  const clientFor = opts.clientFor ?? (() => opts.client);
  const namespaces = informers.informerFor(NAMESPACES, 'full');
  const serviceAccounts = informers.informerFor(SERVICE_ACCOUNTS, 'metadata');
  const gc = new GarbageCollector({ client: clientFor('generic-garbage-collector'), informers, log });
  const running: RunningController[] = [];
  try {
    const started = Promise.all([
      gc.start(),
      runController({
        name: 'namespace',
        log,
        workers: 2,
        sources: [{ informer: namespaces }],
        reconcile: namespaceReconciler({
          client: clientFor('namespace-controller'),
          namespaces,
          log,
          pollIntervalMs: opts.namespacePollMs,
        }),
      }).then((c) => {
        running.push(c);
      }),
      runController({
        name: 'serviceaccount',
        log,
        workers: 1,
        sources: [{ informer: namespaces }, { informer: serviceAccounts, keysFor: namespaceKeyOfServiceAccount }],
        reconcile: serviceAccountReconciler({
          client: clientFor('service-account-controller'),
          namespaces,
          serviceAccounts,
        }),
      }).then((c) => {
        running.push(c);
      }),
      startReplicaSetController({ client: clientFor('replicaset-controller'), informers, log }).then((c) => {
        running.push(c);
      }),
      startDeploymentController({ client: clientFor('deployment-controller'), informers, log }).then((c) => {
        running.push(c);
      }),
      // Node lifecycle and node IPAM both run as node-controller, as in kube-controller-manager.
      startNodeControllers({
        client: clientFor('node-controller'),
        informers,
        log,
        settings: opts.settings?.nodes,
      }).then((cs) => {
        running.push(...cs);
      }),
      startEndpointControllers({
        client: clientFor('endpointslice-controller'),
        endpointsClient: clientFor('endpoint-controller'),
        informers,
        log,
      }).then((cs) => {
        running.push(...cs);
      }),
      startJobController({
        client: clientFor('job-controller'),
        ttlClient: clientFor('ttl-after-finished-controller'),
        informers,
        log,
      }).then((c) => {
        running.push(c);
      }),
      startCronJobController({
        client: clientFor('cronjob-controller'),
        informers,
        log,
        clockSpeed: opts.settings?.cronJobClockSpeed,
      }).then((c) => {
        running.push(c);
      }),
      startDisruptionController({ client: clientFor('disruption-controller'), informers, log }).then((c) => {
        running.push(c);
      }),
      startStatefulSetController({ client: clientFor('statefulset-controller'), informers, log }).then((c) => {
        running.push(c);
      }),
      startDaemonSetController({ client: clientFor('daemon-set-controller'), informers, log }).then((c) => {
        running.push(c);
      }),
      startVolumeControllers({ client: clientFor('persistent-volume-binder'), informers, log }).then((c) => {
        running.push(c);
      }),
      startServiceLbController({
        client: clientFor('service-controller'),
        informers,
        log,
        pool: opts.serviceLbPool,
      }).then((c) => {
        running.push(c);
      }),
      startIngressStatusController({ client: clientFor(INGRESS_STATUS_CONTROLLER), informers, log }).then((c) => {
        running.push(c);
      }),
      startGatewayStatusController({ client: clientFor(GATEWAY_STATUS_CONTROLLER), informers, log }).then((c) => {
        running.push(c);
      }),
      startHpaController({
        client: clientFor('horizontal-pod-autoscaler'),
        informers,
        log,
        settings: opts.settings?.hpa,
      }).then((c) => {
        running.push(c);
      }),
      startPodGc({ client: clientFor('pod-garbage-collector'), informers, log, ...opts.settings?.podGc }).then((c) => {
        running.push(c);
      }),
      startVolumeProtection({
        client: clientFor('pvc-protection-controller'),
        pvClient: clientFor('pv-protection-controller'),
        informers,
        log,
      }).then((cs) => {
        running.push(...cs);
      }),
      startClusterRoleAggregation({ client: clientFor('clusterrole-aggregation-controller'), informers, log }).then(
        (c) => {
          running.push(c);
        },
      ),
      ...serviceAccountCredentialControllers(opts, informers, log).map((p) =>
        p.then((c) => {
          running.push(c);
        }),
      ),
      startResourceQuotaController({ client: clientFor('resourcequota-controller'), informers, log }).then((c) => {
        running.push(c);
      }),
      startCsrApproving({ client: clientFor('certificate-controller'), informers, log }).then((c) => {
        running.push(c);
      }),
      startCsrCleaner({ client: clientFor('certificate-controller'), informers, log }).then((c) => {
        running.push(c);
      }),
      ...(opts.signingCa
        ? [
            startCsrSigning({
              client: clientFor('certificate-controller'),
              informers,
              log,
              ca: opts.signingCa,
              signingDurationMs: opts.settings?.csrSigningDurationMs,
            }).then((c) => {
              running.push(c);
            }),
          ]
        : []),
    ]);
    informers.startAll();
    await started;
  } catch (err) {
    await Promise.all(running.map((c) => c.stop()));
    await gc.stop();
    await informers.stopAll();
    throw err;
  }
  let stopping: Promise<void> | undefined;
  return {
    informers,
    stop() {
      stopping ??= (async () => {
        await Promise.all([gc.stop(), ...running.map((c) => c.stop())]);
        await informers.stopAll();
      })();
      return stopping;
    },
  };
}
