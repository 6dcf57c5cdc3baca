import type { Logger } from 'pino';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../api/object.js';
import { isConflict, isNotFound } from '../../machinery/client/client-error.js';
import { Informer } from '../../machinery/client/informer.js';
import type { KubeClient } from '../../machinery/client/kube-client.js';
import { WorkQueue } from '../../machinery/controller/work-queue.js';
import { runWorkers } from '../../machinery/controller/controller.js';
import { formatIPv4 } from '../../machinery/net/ipv4.js';
import { resolveNodeConfig, type NodeResources } from '../node/node-config.js';
import { NodeHeartbeat } from '../node/node-heartbeat.js';
import { exitAfterMs, runningPodStatus, succeededPodStatus } from './hollow-pod-status.js';
import { PodIpPool } from './pod-ip-pool.js';
import { NODES, PODS } from '../../machinery/resources/well-known.js';
import type { ObjectOf } from '../../machinery/resources/resource.js';
import { podsOnNode } from '../../machinery/client/indexes.js';

type PodObject = ObjectOf<Pod>;

export interface HollowNodesOptions {
  /** Lists and watches nodes and pods (one informer each for all nodes). */
  client: KubeClient;
  /**
   * The client one node writes its Node, Lease and pods through: under the Node authorizer each
   * node must be its own user (`system:node:<name>`, e.g. an impersonatingClient). Default `client`.
   */
  clientFor?: (nodeName: string) => KubeClient;
  log: Logger;
  count: number;
  /** Node names are `<prefix><index>` (default `hollow-`). */
  namePrefix?: string;
  /** First index (default 0), so several processes can share a prefix. */
  firstIndex?: number;
  capacity?: Partial<NodeResources>;
  /** Extra labels of every node. */
  labels?: Record<string, string>;
  /** Lease renewal period of each node (default 2000 ms); renewals are spread evenly over it. */
  leaseRenewIntervalMs?: number;
  /** Node status check period (default 10 s). */
  statusSyncIntervalMs?: number;
  /** Delay between a pod seen bound and its Running report (default 0). */
  podStartDelayMs?: number;
  /** Concurrent pod status writers (default 8). */
  workers?: number;
  /** Agent port every node advertises (status.daemonEndpoints): the shared fake stats server's (see hollow-stats.ts); default 0, none. */
  kubeletPort?: number;
  clock?: () => Date;
}

interface PodState {
  firstSeen: number;
  cidrWaits: number;
}

/**
 * N hollow nodes in one process (kubemark's hollow kubelet, with a fake runtime):
 *
 *   one client, one node informer, one pod informer (all pods, filtered here by spec.nodeName);
 *   each node writes through its own client (clientFor), as the node it is
 *   per node: NodeHeartbeat (register, Lease every leaseRenewIntervalMs, spread; status sync)
 *   pods bound to our nodes --> WorkQueue --> workers: report Running (IP from the node's
 *       podCIDR), then Succeeded when annotated to exit; a pod being deleted is removed (grace 0)
 *
 * stopNode(name) simulates a dead kubelet: its heartbeats stop and its pods are no longer handled.
 */
export class HollowNodes {
  readonly names: string[];
  private readonly heartbeats = new Map<string, NodeHeartbeat>();
  private readonly dead = new Set<string>();
  private readonly pools = new Map<string, PodIpPool>();
  private readonly podIps = new Map<string, string>(); // pod key -> node whose pool holds its IP
  private readonly podState = new Map<string, PodState>();
  /** uids of pods whose final (grace 0) delete was sent; dropped when the pod leaves the cache. */
  private readonly deleted = new Set<string>();
  private readonly nodes: Informer<ObjectOf<Node>>;
  private readonly pods: Informer<PodObject>;
  private readonly queue = new WorkQueue();
  private workers?: Promise<void>;
  private readonly clock: () => Date;

  constructor(private readonly opts: HollowNodesOptions) {
    const prefix = opts.namePrefix ?? 'hollow-';
    const first = opts.firstIndex ?? 0;
    this.names = Array.from({ length: opts.count }, (_, i) => `${prefix}${first + i}`);
    this.clock = opts.clock ?? (() => new Date());
    const ours = new Set(this.names);
    this.nodes = new Informer(opts.client, NODES, {
      log: opts.log,
      // Other nodes are dropped, and so is everything of ours the heartbeat does not read.
      transform: (o) =>
        ours.has(o.metadata.name ?? '')
          ? o
          : {
              apiVersion: o.apiVersion,
              kind: o.kind,
              metadata: { name: o.metadata.name, resourceVersion: o.metadata.resourceVersion },
            },
    });
    this.pods = new Informer(opts.client, PODS, {
      log: opts.log,
      transform: (o) => (ours.has(nodeNameOf(o)) ? o : slim(o)),
    });
    const interval = opts.leaseRenewIntervalMs ?? 2000;
    // No fake stats server: port 0 says the node has no agent server (the API server never dials it).
    const kubeletPort = opts.kubeletPort ?? 0;
    this.names.forEach((name, i) => {
      const config = resolveNodeConfig({
        name,
        internalIP: formatIPv4(0x0a_c8_00_00 + first + i + 1), // 10.200.0.0/16: hollow node addresses
        capacity: opts.capacity,
        // No node-role.kubernetes.io/ label: NodeRestriction forbids nodes to set it on themselves.
        labels: { 'flotilla.dev/hollow': 'true', ...opts.labels },
        kubeletPort,
        nodeInfo: {
          containerRuntimeVersion: 'fake://0.1.0',
          osImage: 'Flotilla hollow node',
          kernelVersion: 'hollow',
          operatingSystem: 'linux',
          architecture: 'amd64',
        },
      });
      this.heartbeats.set(
        name,
        new NodeHeartbeat({
          client: this.clientOf(name),
          config,
          log: opts.log,
          leaseRenewIntervalMs: interval,
          statusSyncIntervalMs: opts.statusSyncIntervalMs,
          initialDelayMs: Math.floor((i * interval) / Math.max(1, opts.count)),
          clock: this.clock,
          getNode: async () => {
            const n = this.nodes.get('', name);
            return n && this.nodes.hasSynced() ? n : undefined;
          },
        }),
      );
    });
  }

  private clientOf(nodeName: string): KubeClient {
    return this.opts.clientFor?.(nodeName) ?? this.opts.client;
  }

  /** Starts the informers, every node's registration and heartbeats, and the pod workers. */
  start(): void {
    this.nodes.start();
    this.pods.addHandlers({
      onAdd: (p) => this.enqueue(p),
      onUpdate: (_o, p) => this.enqueue(p),
      onDelete: (p) => {
        this.deleted.delete(p.metadata.uid ?? '');
        this.enqueue(p);
      },
    });
    this.pods.start();
    for (const hb of this.heartbeats.values()) hb.start();
    this.workers = runWorkers(
      this.queue,
      this.opts.workers ?? 8,
      this.opts.log,
      async (key) => (await this.syncPod(key)) ?? undefined,
    );
  }

  /** Registers every node once and waits for it (retries are the heartbeat's job after start()). */
  async registerAll(concurrency = 32): Promise<void> {
    const all = [...this.heartbeats.values()];
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(concurrency, all.length) }, async () => {
        while (next < all.length) await all[next++]?.register();
      }),
    );
  }

  /** Stops one node's heartbeats and pod handling, as when its kubelet dies. Its Node and pods stay. */
  async stopNode(name: string): Promise<void> {
    this.dead.add(name);
    await this.heartbeats.get(name)?.stop();
  }

  /** Stops everything (nodes stay registered, as after a crash). Idempotent. */
  async stop(): Promise<void> {
    for (const name of this.names) this.dead.add(name);
    await Promise.all([...this.heartbeats.values()].map((h) => h.stop()));
    this.queue.shutDown();
    await this.workers;
    await Promise.all([this.nodes.stop(), this.pods.stop()]);
  }

  /** The pods bound to one of our nodes, as last seen (for the fake stats). */
  podsOn(nodeName: string): PodObject[] {
    return podsOnNode(this.pods, nodeName);
  }

  /** A node's InternalIP, undefined when it is not ours. */
  internalIP(nodeName: string): string | undefined {
    return this.heartbeats.get(nodeName)?.config.internalIP;
  }

  /** How many of our pods the process currently holds an IP for. */
  get runningPods(): number {
    return this.podIps.size;
  }

  private enqueue(pod: KubeObject): void {
    const node = nodeNameOf(pod);
    if (this.heartbeats.has(node) && !this.dead.has(node))
      this.queue.add(`${pod.metadata.namespace}/${pod.metadata.name}`);
  }

  private async syncPod(key: string): Promise<{ requeueAfterMs?: number } | void> {
    const pod = this.pods.getByKey(key);
    const nodeName = pod ? nodeNameOf(pod) : '';
    if (!pod || !this.heartbeats.has(nodeName)) {
      this.forget(key);
      return;
    }
    if (this.dead.has(nodeName)) return;
    const ns = pod.metadata.namespace ?? '';
    const name = pod.metadata.name ?? '';
    if (pod.metadata.deletionTimestamp) {
      // The fake containers stop at once, so the kubelet's final delete follows immediately
      // (once per pod: finalizers may keep it around afterwards).
      const uid = pod.metadata.uid ?? '';
      if (this.deleted.has(uid)) return;
      try {
        await this.clientOf(nodeName).delete(PODS, ns, name, {
          gracePeriodSeconds: 0,
          preconditions: { uid: pod.metadata.uid },
        });
      } catch (err) {
        if (!isNotFound(err) && !isConflict(err)) throw err;
      }
      this.deleted.add(uid);
      this.forget(key);
      return;
    }
    const phase = pod.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') {
      this.releaseIp(key);
      return;
    }
    const now = this.clock();
    const state = this.podState.get(key) ?? { firstSeen: now.getTime(), cidrWaits: 0 };
    this.podState.set(key, state);
    if (phase !== 'Running') {
      const wait = state.firstSeen + (this.opts.podStartDelayMs ?? 0) - now.getTime();
      if (wait > 0) return { requeueAfterMs: wait };
      const podIP = this.ipFor(key, nodeName, state);
      if (!podIP) return { requeueAfterMs: 250 };
      const hostIP = this.heartbeats.get(nodeName)?.config.internalIP ?? '';
      await this.clientOf(nodeName).patch(
        PODS,
        ns,
        name,
        'merge',
        { status: runningPodStatus(pod, { podIP, hostIP }, now) },
        { subresource: 'status' },
      );
      const exit = exitAfterMs(pod);
      return exit === undefined ? undefined : { requeueAfterMs: exit };
    }
    const exit = exitAfterMs(pod);
    if (exit === undefined) return;
    const started = Date.parse(pod.status?.startTime ?? '') || now.getTime();
    const due = started + exit - now.getTime();
    if (due > 0) return { requeueAfterMs: due };
    await this.clientOf(nodeName).patch(
      PODS,
      ns,
      name,
      'merge',
      { status: succeededPodStatus(pod, now) },
      { subresource: 'status' },
    );
    this.releaseIp(key);
  }

  /** The pod's IP from its node's podCIDR; while IPAM has not given one, wait up to ~2 s, then use 100.64.0.0/10 by node index. */
  private ipFor(key: string, nodeName: string, state: PodState): string | undefined {
    const node = this.nodes.get('', nodeName);
    let cidr = node?.spec?.podCIDR;
    if (!cidr) {
      if (state.cidrWaits++ < 8) return undefined;
      const idx = this.names.indexOf(nodeName) % 16384;
      cidr = `${formatIPv4(0x64_40_00_00 + idx * 256)}/24`;
    }
    let pool = this.pools.get(nodeName);
    if (!pool || pool.cidr !== cidr) this.pools.set(nodeName, (pool = new PodIpPool(cidr)));
    const ip = pool.ipFor(key);
    if (ip) this.podIps.set(key, nodeName);
    return ip;
  }

  private releaseIp(key: string): void {
    const node = this.podIps.get(key);
    if (node !== undefined) this.pools.get(node)?.release(key);
    this.podIps.delete(key);
  }

  private forget(key: string): void {
    this.releaseIp(key);
    this.podState.delete(key);
  }
}

function nodeNameOf(pod: KubeObject): string {
  return (pod.spec as { nodeName?: string } | undefined)?.nodeName ?? '';
}

/** What the pod informer keeps of pods on other nodes: enough to notice a bind to one of ours. */
function slim(o: ObjectOf<Pod>): ObjectOf<Pod> {
  return {
    apiVersion: o.apiVersion,
    kind: o.kind,
    metadata: { name: o.metadata.name, namespace: o.metadata.namespace, resourceVersion: o.metadata.resourceVersion },
  };
}
