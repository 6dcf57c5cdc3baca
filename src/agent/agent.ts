import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import type { KubeClient } from '../machinery/client/kube-client.js';
import { Informer } from '../machinery/client/informer.js';
import { WorkQueue } from '../machinery/controller/work-queue.js';
import { runController, type RunningController } from '../machinery/controller/controller.js';
import { ImageStore } from './images/image-store.js';
import { statfsUsage, type DiskUsageReader } from './images/disk-usage.js';
import { ImageGarbageCollector, type ImageGCPolicy } from './images/image-gc.js';
import { imageIdsInUse } from './images/images-in-use.js';
import { mountedLowerStacks } from './images/mounted-layers.js';
import { clientEventRecorder } from '../machinery/events/event-recorder.js';
import type { KubeObject } from '../api/object.js';
import { ImagePuller } from './images/pull-image.js';
import { loadRegistriesConfig } from './images/registries-config.js';
import { CniNetwork } from './network/cni-network.js';
import { ensureBlackholeRoutes } from './network/blackhole-routes.js';
import { recordNetworkState } from './network/network-state.js';
import { NodeHeartbeat, resolveNodeConfig } from './node/index.js';
import { NODES } from './node/node-heartbeat.js';
import { ANN_NODE_DATA_DIR } from '../api/kinds/node.js';
import { PODS, PodWorkers, type PodObject } from './pods/pod-workers.js';
import { startApiObjects } from './volumes/api-objects.js';
import { podObjectRefs } from './volumes/pod-volumes.js';
import { OciRuntime } from './runtime/oci/oci-runtime.js';
import { startProxy, type RunningProxy } from '../proxy/index.js';
import { startAgentServer, type RunningAgentServer } from './server/agent-server.js';
import { nodeStreamingBackend } from './server/exec-backend.js';
import { proxyTableName } from '../machinery/nftables/node-tables.js';
import { networkPolicyTableName, startNetworkPolicy, type RunningNetworkPolicy } from '../netpol/index.js';
import { startNodeDns, type RunningNodeDns } from '../dns/node-dns.js';
import {
  CLUSTER_DNS_IP,
  DEFAULT_CLUSTER_CIDR,
  DEFAULT_NODE_POD_CIDR,
  DEFAULT_SERVICE_CIDR,
} from '../machinery/net/cluster-network.js';
import { DnsMetrics } from '../dns/dns-metrics.js';
import { agentMetrics, CgroupStatsProvider, type StatsPod } from './stats/index.js';
import { startNodeRoutes, type RunningNodeRoutes } from './network/node-routes.js';
import { waitForPodCIDR } from './network/wait-pod-cidr.js';

export interface AgentOptions {
  client: KubeClient;
  dataDir: string;
  nodeName: string;
  nodeIP: string;
  log: Logger;
  /** Service proxy (nftables table `flotilla-proxy`, or `flotilla-proxy-<bridge>` for another bridge); default true. */
  proxy?: boolean;
  /** NetworkPolicy enforcement for this node's pods (nftables table `flotilla-netpol[-<bridge>]`); default true. */
  networkPolicy?: boolean;
  /** Host bridge of the pods (default flotilla0). */
  bridge?: string;
  /** Cluster pod range (default 10.42.0.0/16): the proxy masquerades only sources outside it (and hairpin). */
  clusterCIDR?: string;
  /** More addresses NodePorts answer on besides nodeIP (loopback never). */
  nodePortAddresses?: string[];
  /** Pod CIDR when the Node has no spec.podCIDR (default 10.42.0.0/24). */
  podCIDR?: string;
  /** Blackhole routes for the cluster ranges (default 10.42.0.0/16 and 10.43.0.0/16; [] for none). */
  blackholeRoutes?: string[];
  /** Concurrent pod workers (default 16: a pod start mostly waits on helper processes; 100-pod burst 6.2-7.2 s vs 9.0-10.2 s with 8, shared host; a deleting pod holds one for its grace period). */
  workers?: number;
  /** Port of the agent's HTTPS server (container logs); default 10250 (a free port when taken), 0 = any free port. */
  serverPort?: number;
  /**
   * Cluster DNS on the bridge gateway (port 53 unless given), reached by pods at 10.43.0.10 through a
   * static DNAT in the proxy's table; pods with dnsPolicy ClusterFirst get it in resolv.conf. Default
   * true; needs the proxy. A server that cannot start is logged and pods keep the host's resolv.conf.
   */
  dns?: boolean | { port?: number };
  /**
   * Routes to the other nodes' pod CIDRs via their InternalIPs when directly connected (issue 5,
   * network/node-routes.ts); removed when the agent stops. Default true.
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
}

export interface RunningAgent {
  nodeName: string;
  images: ImageStore;
  /** Undefined when AgentOptions.imageGC is false. */
  imageGC?: ImageGarbageCollector;
  runtime: OciRuntime;
  network: CniNetwork;
  /** The agent's HTTPS server (port advertised in the Node's daemonEndpoints). */
  server: RunningAgentServer;
  /** Stops watching and reporting; containers keep running under conmon. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts a node agent: registers the Node (heartbeat and Lease from agent/node), prepares the image
 * store, the CNI network on the node's pod CIDR and the OCI runtime, then runs the pod workers on
 * the pods bound to this node (`spec.nodeName` field selector).
 */
export async function startAgent(o: AgentOptions): Promise<RunningAgent> {
  const log = o.log.child({ component: 'agent', node: o.nodeName });
  const images = new ImageStore(join(o.dataDir, 'images'), log);
  // Mirrors and registry credentials; an invalid file stops the start (the error names the field).
  const imagePuller = new ImagePuller({ store: images, registries: await loadRegistriesConfig(o.dataDir), log });
  let podsInformer: Informer<PodObject> | undefined;
  let podRuntime: OciRuntime | undefined;
  let nodeObject: KubeObject | undefined;
  // Kubelet events about the Node and about pods and containers: one recorder, one correlation.
  const kubeletEvents = clientEventRecorder({ client: o.client, component: 'kubelet', host: o.nodeName, log });
  // Built first: bad thresholds stop the start before anything is registered.
  const imageGC =
    o.imageGC === false
      ? undefined
      : new ImageGarbageCollector({
          store: images,
          policy: o.imageGC,
          log,
          diskUsage: o.imageGC?.diskUsage ?? statfsUsage(images.root),
          imagesInUse: async (list) =>
            imageIdsInUse(list, images.root, await mountedLowerStacks(), await podImageIds(podsInformer, images)),
          event: (type, reason, message) => {
            if (nodeObject) kubeletEvents.event(nodeObject, type, reason, message);
          },
        });
  const dnsMetrics = new DnsMetrics(); // served on the agent's /metrics
  const server = await startAgentServer({
    nodeName: o.nodeName,
    nodeIP: o.nodeIP,
    port: o.serverPort,
    log,
    findPod: (namespace, name) => {
      const pod = podsInformer?.get(namespace, name);
      const uid = pod?.metadata.uid;
      if (!pod || !uid || !podRuntime) return undefined;
      return { uid, dir: podRuntime.podDir({ uid, namespace, name, hostname: name }) };
    },
    isRunning: (uid, container, attempt) =>
      (podRuntime?.listContainers(uid) ?? []).some(
        (c) => c.name === container && c.attempt === attempt && c.status !== 'exited',
      ),
    streaming: nodeStreamingBackend(
      (namespace, name) => podsInformer?.get(namespace, name)?.metadata.uid,
      () => podRuntime,
    ),
    stats: new CgroupStatsProvider({ nodeName: o.nodeName, listPods: () => statsPods(podsInformer, podRuntime) }),
    metrics: agentMetrics(() => {
      const running = (podRuntime?.listContainers() ?? []).filter((c) => c.status === 'running');
      return { pods: new Set(running.map((c) => c.podUid)).size, containers: running.length };
    }, [dnsMetrics.registry]),
  });
  const heartbeat = new NodeHeartbeat({
    client: o.client,
    config: resolveNodeConfig({ name: o.nodeName, internalIP: o.nodeIP, kubeletPort: server.port }),
    log,
  });
  const node = await heartbeat.register().catch(async (err: unknown) => {
    await server.close();
    throw err;
  });
  nodeObject = node;
  await server
    .publish(o.client)
    .catch((err: unknown) =>
      log.error({ err }, 'publishing the agent server credentials failed: no logs through the API'),
    );
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
  const blackholes = o.blackholeRoutes ?? [DEFAULT_CLUSTER_CIDR, DEFAULT_SERVICE_CIDR];
  if (blackholes.length) await ensureBlackholeRoutes(blackholes);
  await recordNetworkState(o.dataDir, { bridge: network.bridge, subnet: podCIDR, blackholeRoutes: blackholes }); // for `flotilla killall`
  const runtime = new OciRuntime({ dataDir: o.dataDir, network, log });
  podRuntime = runtime;
  await runtime.init();

  let dns: RunningNodeDns | undefined;
  if ((o.dns ?? true) !== false && (o.proxy ?? true)) {
    const port = typeof o.dns === 'object' ? o.dns.port : undefined;
    dns = await startNodeDns({
      client: o.client,
      log,
      bridge: network.bridge,
      podCIDR,
      port,
      metrics: dnsMetrics,
    }).catch((err: unknown) => {
      log.error({ err }, 'cluster DNS not started; pods get the host resolv.conf');
      return undefined;
    });
  }
  const clusterDns = dns ? { nameserver: CLUSTER_DNS_IP } : undefined;
  const queue = new WorkQueue();
  // configMaps, secrets and services for volumes and env; a change re-syncs the pods whose volumes use it.
  const allocatable = { cpu: node.status?.allocatable?.cpu, memory: node.status?.allocatable?.memory };
  const objects = await startApiObjects({ client: o.client, log, nodeAllocatable: () => allocatable });
  objects.onChange((kind, ns, name) => {
    for (const p of podsInformer?.list(ns) ?? []) {
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
    clusterDns,
    nodeName: o.nodeName,
    recorder: kubeletEvents,
    objects,
    imagePuller,
  });
  const informer = new Informer<PodObject>(o.client, PODS, { log, fieldSelector: `spec.nodeName=${o.nodeName}` });
  podsInformer = informer;
  runtime.onExit((state) => {
    const key = workers.keyForUid(state.podUid);
    if (key) queue.add(key);
  });
  let controller: RunningController;
  try {
    controller = await runController({
      name: 'pod-workers',
      queue,
      log,
      workers: o.workers ?? 16,
      sources: [{ informer }],
      reconcile: async (key) =>
        workers.reconcile(`${key.namespace}/${key.name}`, informer.get(key.namespace, key.name)),
    });
  } catch (err) {
    await informer.stop();
    await objects.stop();
    await dns?.stop();
    await heartbeat.stop();
    await server.close();
    runtime.close();
    throw err;
  }
  // Containers and sandboxes of pods deleted while no agent ran (the others are adopted by their worker).
  void workers
    .removeOrphans(new Set(informer.list().map((p) => p.metadata.uid ?? '')))
    .catch((err: unknown) => log.warn({ err: String(err) }, 'removing orphaned pods failed'));
  let proxy: RunningProxy | undefined;
  if (o.proxy ?? true) {
    const table = proxyTableName(network.bridge);
    // The service range's blackhole would fail host connects to ClusterIPs before the output hook: route it to the bridge.
    const serviceRoute = blackholes.includes(DEFAULT_SERVICE_CIDR)
      ? { cidr: DEFAULT_SERVICE_CIDR, dev: network.bridge }
      : undefined;
    const staticDnat = dns
      ? [{ ip: CLUSTER_DNS_IP, port: 53, to: dns.host, toPort: dns.port, iifname: network.bridge }]
      : undefined;
    // NodePorts on the node's own addresses; pods keep their source address (cluster CIDR) where the bridge is hooked.
    const nodePortAddresses = [o.nodeIP, ...(o.nodePortAddresses ?? [])];
    proxy = await startProxy({
      client: o.client,
      log,
      table,
      serviceRoute,
      staticDnat,
      nodeName: o.nodeName,
      nodePortAddresses,
      clusterCIDR: o.clusterCIDR ?? DEFAULT_CLUSTER_CIDR,
    }).catch((err: unknown) => {
      log.error({ err }, 'service proxy not started');
      return undefined;
    });
  }
  const nodeRoutes: RunningNodeRoutes | undefined =
    (o.nodeRoutes ?? true)
      ? await startNodeRoutes({
          client: o.client,
          nodeName: o.nodeName,
          log,
          dataDir: o.dataDir,
          vxlan: o.vxlan ? { nodeIP: o.nodeIP, podCIDR } : undefined,
        }).catch((err: unknown) => {
          log.error({ err }, 'node routes not started');
          return undefined;
        })
      : undefined;
  let netpol: RunningNetworkPolicy | undefined;
  if (o.networkPolicy ?? true) {
    netpol = await startNetworkPolicy({
      client: o.client,
      log,
      nodeName: o.nodeName,
      table: networkPolicyTableName(network.bridge),
    }).catch((err: unknown) => {
      log.error({ err }, 'network policy enforcement not started');
      return undefined;
    });
  }
  imageGC?.start(o.imageGC ? o.imageGC.periodMs : undefined, o.imageGC ? o.imageGC.firstDelayMs : undefined);
  log.info({ podCIDR }, 'agent running');
  let stopping: Promise<void> | undefined;
  return {
    nodeName: o.nodeName,
    images,
    imageGC,
    runtime,
    network,
    server,
    stop() {
      stopping ??= (async () => {
        await imageGC?.stop();
        await nodeRoutes?.stop();
        await proxy?.stop();
        await netpol?.stop();
        await dns?.stop();
        await controller.stop();
        await informer.stop();
        await objects.stop();
        await heartbeat.stop();
        await server.close();
        runtime.close();
        await runtime.releaseIdleMounts();
      })();
      return stopping;
    },
  };
}

/** Ids of the stored images the node's pods name (containers, init and ephemeral containers): image GC keeps them. */
async function podImageIds(pods: Informer<PodObject> | undefined, images: ImageStore): Promise<string[]> {
  const refs = new Set<string>();
  for (const p of pods?.list() ?? []) {
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
function statsPods(pods: Informer<PodObject> | undefined, runtime: OciRuntime | undefined): StatsPod[] {
  if (!pods || !runtime) return [];
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
