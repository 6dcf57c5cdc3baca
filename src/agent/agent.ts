import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { KubeClient } from '../machinery/client/kube-client.js';
import { Informer } from '../machinery/client/informer.js';
import { WorkQueue } from '../machinery/controller/work-queue.js';
import { runController } from '../machinery/controller/controller.js';
import { compose, optional, type Stoppable } from '../machinery/lifecycle/runnables.js';
import { ImageStore } from './images/image-store.js';
import { statfsUsage, type DiskUsageReader } from './images/disk-usage.js';
import { DEFAULT_LOG_ROTATION, type LogRotationLimits } from './runtime/oci/log-rotation.js';
import { ImageGarbageCollector, imageGCPolicy, type ImageGCPolicy } from './images/image-gc.js';
import { imageIdsInUse } from './images/images-in-use.js';
import { mountedLowerStacks } from './images/mounted-layers.js';
import { clientEventRecorder } from '../machinery/events/event-recorder.js';
import { ImagePuller, type PullProgress } from './images/pull-image.js';
import { loadRegistriesConfig } from './images/registries-config.js';
import { CniNetwork } from './network/cni-network.js';
import { ensureBlackholeRoutes } from './network/blackhole-routes.js';
import { recordNetworkState } from './network/network-state.js';
import { NodeHeartbeat, resolveNodeConfig } from './node/index.js';
import { ANN_NODE_DATA_DIR } from '../api/kinds/node.js';
import { PodWorkers, type PodObject } from './pods/pod-workers.js';
import { checkAllowedUnsafeSysctls } from './pods/security-context.js';
import { startApiObjects } from './volumes/api-objects.js';
import { podObjectRefs } from './volumes/pod-volumes.js';
import { OciRuntime } from './runtime/oci/oci-runtime.js';
import { startAgentServer, type AgentServerHandlers, type RunningAgentServer } from './server/agent-server.js';
import { AgentCallerAuth, apiReviews } from './server/caller-auth.js';
import { keepServingCertificate, servingNamesOf, type ServingCertificateKeeper } from './certificates/index.js';
import { nodeStreamingBackend } from './server/exec-backend.js';
import { agentMetrics, CgroupStatsProvider, type StatsPod } from './stats/index.js';
import { startNodeRoutes } from './network/node-routes.js';
import { waitForPodCIDR } from './network/wait-pod-cidr.js';
import { NODES, PODS } from '../machinery/resources/well-known.js';
import { DEFAULT_CLUSTER_CIDR, DEFAULT_NODE_POD_CIDR, DEFAULT_SERVICE_CIDR } from '../machinery/net/cluster-network.js';

/** The node's pod network, once the agent knows it (what node services such as cluster DNS bind to). */
export interface PodNetwork {
  /** Host bridge of the pods. */
  bridge: string;
  /** This node's pod range. */
  podCIDR: string;
}

/** A cluster DNS server for the node's pods: its address goes into their resolv.conf (dnsPolicy ClusterFirst). */
export interface ClusterDnsServer extends Stoppable {
  /** The address pods query (the cluster DNS Service IP). */
  nameserver: string;
  /** Where the server itself listens (the proxy sends `nameserver:53` there). */
  host: string;
  port: number;
}

export interface AgentOptions {
  client: KubeClient;
  dataDir: string;
  nodeName: string;
  nodeIP: string;
  log: Logger;
  /** Host bridge of the pods (default flotilla0). */
  bridge?: string;
  /** Pod CIDR when the Node has no spec.podCIDR (default 10.42.0.0/24). */
  podCIDR?: string;
  /** Blackhole routes for the cluster ranges (default 10.42.0.0/16 and 10.43.0.0/16; [] for none). */
  blackholeRoutes?: string[];
  /**
   * Concurrent pod workers (default 16: a pod start mostly waits on helper processes; a deleting pod
   * holds one for its grace period).
   */
  workers?: number;
  /**
   * The cluster CA: client certificates it signed (the API server's) authenticate to the agent's
   * server. Without it only bearer tokens do (TokenReview).
   */
  clusterCaPem?: string;
  /** Port of the agent's HTTPS server (container logs); default 10250 (a free port when taken), 0 = any free port. */
  serverPort?: number;
  /**
   * The server's kubelet-serving certificate: spec.expirationSeconds of its requests (default the
   * signer's, one year) and how long the start waits for the first one (default 60 s; the agent
   * goes on without it meanwhile, its server refusing handshakes until the certificate is there).
   */
  servingCertificate?: { expirationSeconds?: number; waitMs?: number };
  /**
   * Starts the node's cluster DNS server once the pod network is known, before the pod workers
   * (which put its nameserver in pods' resolv.conf); stopped after them. Undefined, or a start that
   * yields undefined: pods keep the host's resolv.conf. The node composition (server/start-node.ts)
   * plugs the DNS server in here, so the agent does not depend on it.
   */
  clusterDns?: (network: PodNetwork) => Promise<ClusterDnsServer | undefined>;
  /** More Prometheus registries served on the agent's /metrics (e.g. the DNS server's). */
  metricsRegistries?: Registry[];
  /** The host's busybox, whose `nc` serves port-forward inside pods (default /bin/busybox). */
  busybox?: string;
  /**
   * Routes to the other nodes' pod CIDRs via their InternalIPs when directly connected
   * (network/node-routes.ts); removed when the agent stops. Default true.
   */
  nodeRoutes?: boolean;
  /** Reach nodes behind a gateway over VXLAN (link flotilla.1, network/vxlan.ts); default false. */
  vxlan?: boolean;
  /**
   * Image GC when the images' file system fills (kubelet policy, images/image-gc.ts): thresholds
   * 85/80 %, minimum age 2 min, a run every 5 min (periodMs), the first 30 s after the start
   * (firstDelayMs). Invalid thresholds stop the start. `diskUsage` replaces statfs (tests). false: off.
   */
  imageGC?:
    | false
    | (Partial<ImageGCPolicy> & { periodMs?: number; firstDelayMs?: number; diskUsage?: DiskUsageReader });
  /**
   * Container log rotation (runtime/oci/log-rotation.ts), as the kubelet's containerLogMaxSize /
   * containerLogMaxFiles: 10Mi and 5 files, checked every 10 s (periodMs). false: off.
   */
  containerLogs?: false | (Partial<LogRotationLimits> & { periodMs?: number });
  /** Processes per pod (the pod cgroup's pids.max), as the kubelet's --pod-max-pids; default no cap. */
  podMaxPids?: number;
  /** Sysctls pods may set beyond the kubelet's safe set (names or `prefix*`), as --allowed-unsafe-sysctls. */
  allowedUnsafeSysctls?: string[];
  /** RuntimeDefault seccomp for containers that name no profile, as the kubelet's --seccomp-default (default false). */
  seccompDefault?: boolean;
  /**
   * Waits, before a deleted pod's containers are signalled, until its address is out of the
   * node's data planes (PodWorkersOptions.endpointWithdrawal). The node composition
   * (server/start-node.ts) plugs the service proxy and the ingress proxy in here. Unset: no wait.
   */
  endpointWithdrawal?: (podIP: string, budgetMs: number) => Promise<unknown>;
  /** Hears how image pulls go (ImagePullerOptions.onProgress): the CLI prints it for a person. Unset: logged only. */
  pullProgress?: (p: PullProgress) => void;
}

export interface RunningAgent {
  nodeName: string;
  images: ImageStore;
  /** Undefined when AgentOptions.imageGC is false. */
  imageGC?: ImageGarbageCollector;
  runtime: OciRuntime;
  network: CniNetwork;
  /** This node's pod range (the Node's spec.podCIDR, else AgentOptions.podCIDR). */
  podCIDR: string;
  /** The blackhole routes in place for the cluster ranges. */
  blackholeRoutes: string[];
  /** The cluster DNS server started through AgentOptions.clusterDns, if any. */
  clusterDns?: ClusterDnsServer;
  /** The agent's HTTPS server (port advertised in the Node's daemonEndpoints). */
  server: RunningAgentServer;
  /** The server's serving certificate (kubelet-serving CSR), renewed before it expires. */
  servingCertificate: ServingCertificateKeeper;
  /** Stops watching and reporting; containers keep running under conmon. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts a node agent: its HTTPS server, the Node (registration, heartbeat and Lease from
 * agent/node), the CNI network on the node's pod CIDR and the OCI runtime, then the pod workers on
 * the pods bound to this node (`spec.nodeName` field selector). One list of parts, stopped in
 * reverse order; a part that fails to start stops the ones before it.
 */
export async function startAgent(o: AgentOptions): Promise<RunningAgent> {
  const log = o.log.child({ component: 'agent', node: o.nodeName });
  // Bad thresholds stop the start before anything is registered.
  const gcPolicy = o.imageGC === false ? undefined : imageGCPolicy(o.imageGC);
  checkAllowedUnsafeSysctls(o.allowedUnsafeSysctls ?? []); // as bad thresholds: before anything starts
  const images = new ImageStore(join(o.dataDir, 'images'), log);
  // Mirrors and registry credentials; an invalid file stops the start (the error names the field).
  const imagePuller = new ImagePuller({
    store: images,
    registries: await loadRegistriesConfig(o.dataDir),
    log,
    onProgress: o.pullProgress,
  });
  const pods = new Informer<PodObject>(o.client, PODS, { log, fieldSelector: `spec.nodeName=${o.nodeName}` });
  // Kubelet events about the Node and about pods and containers: one recorder, one correlation.
  const kubeletEvents = clientEventRecorder({ client: o.client, component: 'kubelet', host: o.nodeName, log });
  return compose({ log }, async (parts) => {
    // Listens first: the Node advertises its port (default 10250, a free one when taken).
    const server = await parts.start(
      'agent server',
      () =>
        startAgentServer({
          nodeName: o.nodeName,
          nodeIP: o.nodeIP,
          port: o.serverPort,
          log,
          clusterCaPem: o.clusterCaPem,
          auth: new AgentCallerAuth({ reviews: apiReviews(o.client) }),
        }),
      (s) => s.close(),
    );
    const heartbeat = new NodeHeartbeat({
      client: o.client,
      config: resolveNodeConfig({ name: o.nodeName, internalIP: o.nodeIP, kubeletPort: server.port }),
      log,
    });
    const node = await parts.start(
      'node registration',
      () => heartbeat.register(),
      () => heartbeat.stop(),
    );
    // The serving certificate names the addresses the Node now carries (the approver checks them there).
    const servingCertificate = await parts.start(
      'serving certificate',
      () =>
        keepServingCertificate(o.client, {
          dataDir: o.dataDir,
          nodeName: o.nodeName,
          names: servingNamesOf(o.nodeName, node.status?.addresses ?? []),
          caPem: o.clusterCaPem,
          log,
          expirationSeconds: o.servingCertificate?.expirationSeconds,
          use: (pair) => server.setCertificate(pair),
        }),
      (k) => k.stop(),
    );
    const waitMs = o.servingCertificate?.waitMs ?? 60_000;
    let waited: NodeJS.Timeout | undefined;
    const inTime = await Promise.race([
      servingCertificate.ready.then(() => true),
      new Promise<false>((r) => {
        waited = setTimeout(() => r(false), waitMs);
      }),
    ]);
    clearTimeout(waited);
    if (!inTime)
      log.warn('no serving certificate yet (is its request approved?): logs and exec through the API wait for it');
    heartbeat.start();
    // Where the local-path provisioner puts this node's PVs (`<data-dir>/storage/<claim uid>`).
    await o.client
      .patch(NODES, '', o.nodeName, 'merge', { metadata: { annotations: { [ANN_NODE_DATA_DIR]: resolve(o.dataDir) } } })
      .catch((err: unknown) =>
        log.warn(
          { err: String(err) },
          'annotating the node with its data dir failed; local-path volumes go to the default dir',
        ),
      );
    // Without a pod CIDR of its own, wait for the server's node IPAM (nodes of one cluster must not share a range).
    const podCIDR =
      node.spec?.podCIDR ?? o.podCIDR ?? (await waitForPodCIDR(o.client, o.nodeName, log)) ?? DEFAULT_NODE_POD_CIDR;
    const network = new CniNetwork({
      bridge: o.bridge,
      subnet: podCIDR,
      ipamDataDir: join(o.dataDir, 'cni', 'networks'),
      log,
    });
    const blackholeRoutes = o.blackholeRoutes ?? [DEFAULT_CLUSTER_CIDR, DEFAULT_SERVICE_CIDR];
    if (blackholeRoutes.length) await ensureBlackholeRoutes(blackholeRoutes);
    await recordNetworkState(o.dataDir, { bridge: network.bridge, subnet: podCIDR, blackholeRoutes }); // for `flotilla killall`
    const runtime = new OciRuntime({ dataDir: o.dataDir, network, log, podMaxPids: o.podMaxPids });
    await parts.start(
      'pod runtime',
      () => runtime.init(),
      async () => {
        runtime.close();
        await runtime.releaseIdleMounts();
      },
    );
    server.serve(serverHandlers(o, pods, runtime));
    const clusterDns = o.clusterDns
      ? await parts.start('cluster DNS', () => o.clusterDns?.({ bridge: network.bridge, podCIDR }))
      : undefined;
    const queue = new WorkQueue();
    // configMaps, secrets and services for volumes and env; a change re-syncs the pods whose volumes use it.
    const allocatable = { cpu: node.status?.allocatable?.cpu, memory: node.status?.allocatable?.memory };
    const objects = await parts.start('API objects', () =>
      startApiObjects({ client: o.client, log, nodeAllocatable: () => allocatable }),
    );
    objects.onChange((kind, ns, name) => {
      for (const p of pods.list(ns)) {
        const refs = podObjectRefs(p);
        if ((kind === 'configmap' ? refs.configMaps : refs.secrets).has(name)) queue.add(`${ns}/${p.metadata.name}`);
      }
    });
    const workers = new PodWorkers({
      client: o.client,
      runtime,
      images,
      hostIP: o.nodeIP,
      log,
      requeue: (key) => queue.add(key),
      clusterDns: clusterDns ? { nameserver: clusterDns.nameserver } : undefined,
      nodeName: o.nodeName,
      recorder: kubeletEvents,
      objects,
      imagePuller,
      allowedUnsafeSysctls: o.allowedUnsafeSysctls,
      seccompDefault: o.seccompDefault,
      endpointWithdrawal: o.endpointWithdrawal,
    });
    runtime.onExit((state) => {
      const key = workers.keyForUid(state.podUid);
      if (key) queue.add(key);
    });
    await parts.start('pod informer', () => pods); // started by runController, stopped after it
    await parts.start('pod workers', () =>
      runController({
        name: 'pod-workers',
        queue,
        log,
        workers: o.workers ?? 16,
        sources: [{ informer: pods }],
        reconcile: async (key) => workers.reconcile(`${key.namespace}/${key.name}`, pods.get(key.namespace, key.name)),
      }),
    );
    // Containers and sandboxes of pods deleted while no agent ran (the others are adopted by their worker).
    void workers
      .removeOrphans(new Set(pods.list().map((p) => p.metadata.uid ?? '')))
      .catch((err: unknown) => log.warn({ err: String(err) }, 'removing orphaned pods failed'));
    if (o.nodeRoutes ?? true)
      await parts.start('node routes', () =>
        optional(
          () =>
            startNodeRoutes({
              client: o.client,
              nodeName: o.nodeName,
              log,
              dataDir: o.dataDir,
              vxlan: o.vxlan ? { nodeIP: o.nodeIP, podCIDR } : undefined,
            }),
          (err) => log.error({ err }, 'node routes not started'),
        ),
      );
    const imageGC = gcPolicy
      ? await parts.start('image GC', () => {
          const gc = new ImageGarbageCollector({
            store: images,
            policy: gcPolicy,
            log,
            diskUsage: (o.imageGC ? o.imageGC.diskUsage : undefined) ?? statfsUsage(images.root),
            imagesInUse: async (list) =>
              imageIdsInUse(list, images.root, await mountedLowerStacks(), await podImageIds(pods, images)),
            event: (type, reason, message) => kubeletEvents.event(node, type, reason, message),
          });
          gc.start(o.imageGC ? o.imageGC.periodMs : undefined, o.imageGC ? o.imageGC.firstDelayMs : undefined);
          return gc;
        })
      : undefined;
    const logRotation = o.containerLogs;
    if (logRotation !== false) {
      const limits = {
        maxBytes: logRotation?.maxBytes ?? DEFAULT_LOG_ROTATION.maxBytes,
        maxFiles: logRotation?.maxFiles ?? DEFAULT_LOG_ROTATION.maxFiles,
      };
      await parts.start('container log rotation', () => {
        let running = false;
        const timer = setInterval(() => {
          if (running) return;
          running = true;
          void runtime.rotateLogs(limits).finally(() => (running = false));
        }, logRotation?.periodMs ?? 10_000);
        timer.unref();
        return { stop: async () => clearInterval(timer) };
      });
    }
    log.info({ podCIDR }, 'agent running');
    return {
      nodeName: o.nodeName,
      images,
      imageGC,
      runtime,
      network,
      podCIDR,
      blackholeRoutes,
      clusterDns,
      server,
      servingCertificate,
      stop: () => parts.stop(),
    };
  });
}

/** What the agent server answers with: logs, streams, stats and metrics of this node's pods. */
function serverHandlers(o: AgentOptions, pods: Informer<PodObject>, runtime: OciRuntime): AgentServerHandlers {
  return {
    findPod: (namespace, name) => {
      const uid = pods.get(namespace, name)?.metadata.uid;
      if (!uid) return undefined;
      return { uid, dir: runtime.podDir({ uid, namespace, name, hostname: name }) };
    },
    isRunning: (uid, container, attempt) =>
      runtime.listContainers(uid).some((c) => c.name === container && c.attempt === attempt && c.status !== 'exited'),
    streaming: nodeStreamingBackend(
      (namespace, name) => pods.get(namespace, name)?.metadata.uid,
      () => runtime,
      o.busybox,
    ),
    stats: new CgroupStatsProvider({ nodeName: o.nodeName, listPods: () => statsPods(pods, runtime) }),
    metrics: agentMetrics(() => {
      const running = runtime.listContainers().filter((c) => c.status === 'running');
      return { pods: new Set(running.map((c) => c.podUid)).size, containers: running.length };
    }, o.metricsRegistries),
  };
}

/** Ids of the stored images the node's pods name (containers, init and ephemeral containers): image GC keeps them. */
async function podImageIds(pods: Informer<PodObject>, images: ImageStore): Promise<string[]> {
  const refs = new Set<string>();
  for (const p of pods.list()) {
    for (const c of [
      ...(p.spec?.containers ?? []),
      ...(p.spec?.initContainers ?? []),
      ...(p.spec?.ephemeralContainers ?? []),
    ])
      if (c.image) refs.add(c.image);
  }
  const ids: string[] = [];
  for (const ref of refs) {
    const img = await images.resolve(ref).catch(() => undefined);
    if (img) ids.push(img.id);
  }
  return ids;
}

/** The node's pods with their running containers, for the stats provider. */
function statsPods(pods: Informer<PodObject>, runtime: OciRuntime): StatsPod[] {
  const out: StatsPod[] = [];
  for (const p of pods.list()) {
    const uid = p.metadata.uid ?? '';
    const containers = runtime
      .listContainers(uid)
      .filter((c) => c.status === 'running')
      .map((c) => ({ name: c.name, id: c.id, startedAt: c.startedAt }));
    if (containers.length)
      out.push({
        uid,
        namespace: p.metadata.namespace ?? '',
        name: p.metadata.name ?? '',
        startTime: p.status?.startTime,
        containers,
      });
  }
  return out;
}
