import type { Logger } from 'pino';
import { realTimers, type Timers } from '../../machinery/client/backoff.js';
import { isAlreadyExists, isNotFound } from '../../machinery/client/client-error.js';
import type { KubeClient } from '../../machinery/client/kube-client.js';
import type { NodeConfig } from './node-config.js';
import { NodeLeaseRenewer } from './node-lease.js';
import {
  buildNode,
  buildNodeStatus,
  nodeLabels,
  statusNeedsUpdate,
  type NodeHealth,
  type NodeObject,
} from './node-status.js';
import { NODES } from '../../machinery/resources/well-known.js';

export interface NodeHeartbeatOptions {
  client: KubeClient;
  config: NodeConfig;
  log: Logger;
  /** Lease renewal period (default 2000 ms). */
  leaseRenewIntervalMs?: number;
  /** spec.leaseDurationSeconds written in the Lease (default 10). */
  leaseDurationSeconds?: number;
  /** How often the node status is checked against the node's health (default 10 s). */
  statusSyncIntervalMs?: number;
  /** Status is posted at least this often even when nothing changed (default 60 s). */
  statusReportIntervalMs?: number;
  /** Delay of the first lease renewal after start (hollow nodes spread theirs); default 0. */
  initialDelayMs?: number;
  /** The agent's view of its health (default: healthy). */
  health?: () => NodeHealth;
  /** The node as stored (default: GET it; hollow nodes pass their shared informer's cache). */
  getNode?: () => Promise<NodeObject | undefined>;
  clock?: () => Date;
  timers?: Timers;
}

/**
 * A node's registration and liveness, shared by the real agent and hollow nodes:
 *
 *   register() --> Node created (or labels + status updated when it exists)
 *   every leaseRenewIntervalMs  --> renewLease(): Lease kube-node-lease/<node> renewTime = now
 *   every statusSyncIntervalMs  --> syncStatus(): status posted when conditions changed (e.g. the
 *                                   node lifecycle controller marked it Unknown) or the report is due
 *
 * start() registers (retrying) and schedules both loops; stop() cancels them. Failures are logged
 * and retried on the next tick.
 */
export class NodeHeartbeat {
  private readonly clock: () => Date;
  private readonly timers: Timers;
  private readonly lease: NodeLeaseRenewer;
  private uid?: string;
  private stopped = false;
  private registered = false;
  private leaseTimer?: unknown;
  private statusTimer?: unknown;
  private inFlight = new Set<Promise<unknown>>();

  constructor(private readonly opts: NodeHeartbeatOptions) {
    this.clock = opts.clock ?? (() => new Date());
    this.timers = opts.timers ?? realTimers;
    this.lease = new NodeLeaseRenewer(opts.client, opts.config.name, opts.leaseDurationSeconds ?? 10, () => this.uid);
  }

  get name(): string {
    return this.opts.config.name;
  }

  get config(): NodeConfig {
    return this.opts.config;
  }

  /** Creates the Node, or brings an existing one's labels and status up to date. Idempotent. Returns the stored Node. */
  async register(): Promise<NodeObject> {
    const { client, config } = this.opts;
    const health = this.health();
    try {
      const created = await client.create(NODES, '', buildNode(config, health, this.clock()));
      this.uid = created.metadata.uid;
      this.registered = true;
      return created;
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
    }
    const labels = nodeLabels(config);
    const existing = await client.patch<NodeObject>(NODES, '', config.name, 'merge', { metadata: { labels } });
    this.uid = existing.metadata.uid;
    const posted = await this.postStatus(existing);
    this.registered = true;
    return posted;
  }

  /** Renews the node Lease once. Throws on API failure. */
  async renewLease(): Promise<void> {
    await this.lease.renew(this.clock());
  }

  /**
   * Posts the node status when it differs from the stored one (conditions, capacity, addresses,
   * nodeInfo) or the report is due. Returns true when it wrote. Re-registers a deleted node.
   */
  async syncStatus(): Promise<boolean> {
    const current = this.opts.getNode ? await this.opts.getNode() : await this.getNode();
    if (!current) {
      await this.register();
      return true;
    }
    this.uid = current.metadata.uid;
    const desired = buildNodeStatus(this.opts.config, this.health(), current.status, this.clock());
    if (!statusNeedsUpdate(current.status, desired, this.clock(), this.opts.statusReportIntervalMs ?? 60_000))
      return false;
    await this.postStatus(current);
    return true;
  }

  /** Registers (unless register() already succeeded; retrying every second until it works or stop()), then runs the lease and status loops. */
  start(): void {
    const registerLoop = async (): Promise<void> => {
      while (!this.stopped && !this.registered) {
        try {
          await this.register();
          return;
        } catch (err) {
          this.opts.log.warn({ node: this.name, err: message(err) }, 'node registration failed; retrying');
          await new Promise<void>((r) => {
            this.leaseTimer = this.timers.setTimeout(r, 1000);
          });
        }
      }
    };
    void this.track(
      registerLoop().then(() => {
        if (this.stopped) return;
        this.scheduleLease(this.opts.initialDelayMs ?? 0);
        this.scheduleStatus();
      }),
    );
  }

  /** Stops both loops and waits for writes in flight. Idempotent. The Node and Lease stay (as when a kubelet dies). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.leaseTimer !== undefined) this.timers.clearTimeout(this.leaseTimer);
    if (this.statusTimer !== undefined) this.timers.clearTimeout(this.statusTimer);
    await Promise.allSettled([...this.inFlight]);
  }

  private scheduleLease(delayMs: number): void {
    if (this.stopped) return;
    this.leaseTimer = this.timers.setTimeout(() => {
      void this.track(
        this.renewLease()
          .catch((err: unknown) => {
            this.opts.log.warn({ node: this.name, err: message(err) }, 'node lease renewal failed');
          })
          .finally(() => this.scheduleLease(this.opts.leaseRenewIntervalMs ?? 2000)),
      );
    }, delayMs);
  }

  private scheduleStatus(): void {
    if (this.stopped) return;
    this.statusTimer = this.timers.setTimeout(() => {
      void this.track(
        this.syncStatus()
          .catch((err: unknown) => {
            this.opts.log.warn({ node: this.name, err: message(err) }, 'node status update failed');
          })
          .finally(() => this.scheduleStatus()),
      );
    }, this.opts.statusSyncIntervalMs ?? 10_000);
  }

  private async postStatus(current: NodeObject): Promise<NodeObject> {
    const status = buildNodeStatus(this.opts.config, this.health(), current.status, this.clock());
    return await this.opts.client.patch<NodeObject>(
      NODES,
      '',
      this.name,
      'merge',
      { status },
      { subresource: 'status' },
    );
  }

  private async getNode(): Promise<NodeObject | undefined> {
    try {
      return await this.opts.client.get<NodeObject>(NODES, '', this.name);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  private health(): NodeHealth {
    return this.opts.health?.() ?? {};
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p)).catch(() => {});
    return p;
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
