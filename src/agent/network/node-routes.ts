import { readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Node } from 'kubernetes-types/core/v1.js';
import type { KubeClient } from '../../machinery/client/kube-client.js';
import { Informer } from '../../machinery/client/informer.js';
import type { NodeObject } from '../node/index.js';
import { NODES } from '../../machinery/resources/well-known.js';
import { runCommand } from '../../machinery/exec/run-command.js';
import { diffNodeRoutes, plannedNodeRoutes, type NodeRoute } from './node-routes-plan.js';
import { addVxlanPeer, deleteVxlan, DEFAULT_VXLAN_DEV, ensureVxlan, removeVxlanPeer } from './vxlan.js';

/** A recorded route: direct, or through the VXLAN link `vxlan` (network/vxlan.ts). */
type RecordedRoute = NodeRoute & { vxlan?: string };

export interface NodeRoutesOptions {
  client: KubeClient;
  /** This node (its own pod CIDR is on its bridge, not routed). */
  nodeName: string;
  log: Logger;
  /** `<dataDir>/node-routes.json` records the routes installed, so a restarted agent or `flotilla killall` can remove them. */
  dataDir: string;
  /** Full re-apply period (a route deleted by hand comes back), default 30 s. */
  resyncMs?: number;
  /** Minimum time between two syncs (events in between coalesce), default 50 ms. */
  minSyncIntervalMs?: number;
  /**
   * Reach nodes that are only reachable through a gateway over VXLAN (link `dev`, default
   * flotilla.1; outer source nodeIP; VTEP address from podCIDR). Undefined: no overlay, such nodes
   * get no route. Off by default: the peers' addresses must be real nodes (hollow nodes' are not).
   */
  vxlan?: { nodeIP: string; podCIDR: string; dev?: string };
}

export interface RunningNodeRoutes {
  /** The routes in place now (sorted by CIDR). */
  installed(): NodeRoute[];
  /** Runs a sync now and resolves when it is done (tests). */
  sync(): Promise<void>;
  /** Stops watching and removes the routes it installed (the node leaves: its peers' routes go with it). Idempotent. */
  stop(): Promise<void>;
}

const STATE_FILE = 'node-routes.json';

/** How the kernel reaches `ip` now: 'direct' (on a connected segment), 'local' (our own address), or 'routed' (through a gateway). */
export async function nextHopKind(ip: string): Promise<'direct' | 'local' | 'routed' | 'unreachable'> {
  const r = await runCommand('ip', ['-j', 'route', 'get', ip], { allowFailure: true });
  if (r.code !== 0 || !r.stdout.trim()) return 'unreachable';
  const [route] = JSON.parse(r.stdout) as { type?: string; gateway?: string; dev?: string }[];
  if (!route) return 'unreachable';
  if (route.type === 'local' || route.dev === 'lo') return 'local';
  return route.gateway ? 'routed' : 'direct';
}

/** Routes recorded in `<dataDir>/node-routes.json` ([] when none). */
export async function readRecordedNodeRoutes(dataDir: string): Promise<RecordedRoute[]> {
  const text = await readFile(join(dataDir, STATE_FILE), 'utf8').catch(() => undefined);
  if (!text) return [];
  try {
    return (JSON.parse(text) as RecordedRoute[]).filter((r) => typeof r.cidr === 'string' && typeof r.via === 'string');
  } catch {
    return [];
  }
}

/** Deletes the routes recorded in `<dataDir>/node-routes.json` and the file (`flotilla killall` after a kill -9). Idempotent. */
export async function removeRecordedNodeRoutes(dataDir: string): Promise<NodeRoute[]> {
  const routes = await readRecordedNodeRoutes(dataDir);
  for (const r of routes) {
    if (r.vxlan) await runCommand('ip', ['route', 'del', r.cidr, 'dev', r.vxlan], { allowFailure: true });
    else await runCommand('ip', ['route', 'del', r.cidr, 'via', r.via], { allowFailure: true });
  }
  for (const dev of new Set(routes.map((r) => r.vxlan).filter((d): d is string => !!d))) await deleteVxlan({ dev });
  await rm(join(dataDir, STATE_FILE), { force: true });
  return routes;
}

/**
 * Routes to the other nodes' pods (flannel's host-gw backend): watches Nodes and, for every other Node
 * with a spec.podCIDR and an InternalIP on a segment this node is directly connected to, installs
 * `ip route replace <podCIDR> via <InternalIP>`; routes of nodes that are gone (or changed address)
 * are removed. Packets keep their pod source addresses (nothing is NATed); the nodes must forward
 * (the CNI bridge plugin's isGateway turns ip_forward on). Nodes reached only through a gateway are
 * reached over VXLAN when `vxlan` is given, else get no route (logged once). Resolves after the first sync.
 */
export async function startNodeRoutes(o: NodeRoutesOptions): Promise<RunningNodeRoutes> {
  const log = o.log.child({ component: 'node-routes' });
  const installed = new Map<string, NodeRoute>();
  const overlay = new Map<string, NodeRoute>();
  const vxlanDev = o.vxlan?.dev ?? DEFAULT_VXLAN_DEV;
  let vxlanUp = false;
  // A previous run's routes: replaced or removed below.
  for (const r of await readRecordedNodeRoutes(o.dataDir))
    (r.vxlan ? overlay : installed).set(r.cidr, { cidr: r.cidr, via: r.via, node: r.node });
  const skipped = new Set<string>();
  const informer = new Informer<NodeObject>(o.client, NODES, { log });
  let chain: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  let last = 0;
  let stopped = false;
  let forceAll = false;

  const record = async (): Promise<void> => {
    await mkdir(o.dataDir, { recursive: true });
    const all: RecordedRoute[] = [
      ...installed.values(),
      ...[...overlay.values()].map((r) => ({ ...r, vxlan: vxlanDev })),
    ];
    await writeFile(join(o.dataDir, STATE_FILE), `${JSON.stringify(all, null, 2)}\n`);
  };

  const syncOnce = async (): Promise<void> => {
    if (stopped) return;
    const all = forceAll;
    forceAll = false;
    const wanted: NodeRoute[] = [];
    const wantedOverlay: NodeRoute[] = [];
    for (const r of plannedNodeRoutes(informer.list(), o.nodeName)) {
      const kind = await nextHopKind(r.via);
      if (kind === 'direct') {
        skipped.delete(r.node);
        wanted.push(r);
      } else if (kind === 'routed' && o.vxlan) {
        wantedOverlay.push(r);
      } else if (!skipped.has(r.node)) {
        skipped.add(r.node);
        log.info(
          { node: r.node, via: r.via, kind },
          "no route to this node's pods: its address is not on a segment this node is connected to",
        );
      }
    }
    const { replace, remove } = diffNodeRoutes(installed, wanted);
    const toReplace = all ? wanted : replace;
    for (const r of remove) {
      await runCommand('ip', ['route', 'del', r.cidr, 'via', r.via], { allowFailure: true });
      installed.delete(r.cidr);
      log.info({ cidr: r.cidr, via: r.via, node: r.node }, 'route to node pods removed');
    }
    for (const r of toReplace) {
      const res = await runCommand('ip', ['route', 'replace', r.cidr, 'via', r.via], { allowFailure: true });
      if (res.code !== 0) {
        log.warn({ cidr: r.cidr, via: r.via, err: res.stderr.trim() }, "installing the route to a node's pods failed");
        continue;
      }
      if (installed.get(r.cidr)?.via !== r.via)
        log.info({ cidr: r.cidr, via: r.via, node: r.node }, 'route to node pods installed');
      installed.set(r.cidr, r);
    }
    const ov = diffNodeRoutes(overlay, wantedOverlay);
    for (const r of ov.remove) {
      await removeVxlanPeer({ dev: vxlanDev, nodeIP: o.vxlan?.nodeIP ?? '' }, r);
      overlay.delete(r.cidr);
      log.info({ cidr: r.cidr, via: r.via, node: r.node }, 'VXLAN route to node pods removed');
    }
    if (o.vxlan && (all ? wantedOverlay : ov.replace).length) {
      try {
        if (!vxlanUp || all) await ensureVxlan({ dev: vxlanDev, nodeIP: o.vxlan.nodeIP, podCIDR: o.vxlan.podCIDR });
        vxlanUp = true;
        for (const r of all ? wantedOverlay : ov.replace) {
          await addVxlanPeer({ dev: vxlanDev, nodeIP: o.vxlan.nodeIP }, r);
          if (overlay.get(r.cidr)?.via !== r.via)
            log.info({ cidr: r.cidr, via: r.via, node: r.node }, 'VXLAN route to node pods installed');
          overlay.set(r.cidr, r);
        }
      } catch (err) {
        log.warn({ err }, 'setting up the VXLAN overlay failed');
      }
    }
    if (remove.length || replace.length || ov.remove.length || ov.replace.length) await record();
  };

  const sync = (): Promise<void> => {
    chain = chain.then(syncOnce).catch((err: unknown) => log.warn({ err }, 'node routes sync failed'));
    last = Date.now();
    return chain;
  };
  const schedule = (): void => {
    if (timer || stopped) return;
    timer = setTimeout(
      () => {
        timer = undefined;
        void sync();
      },
      Math.max(0, (o.minSyncIntervalMs ?? 50) - (Date.now() - last)),
    );
  };
  informer.addHandlers({
    onAdd: schedule,
    onUpdate: (a, b) => {
      if (routeFields(a) !== routeFields(b)) schedule();
    },
    onDelete: schedule,
  });
  informer.start();
  await informer.waitForSync();
  forceAll = true;
  await sync();
  const resync = setInterval(() => {
    forceAll = true;
    void sync();
  }, o.resyncMs ?? 30_000);
  resync.unref();

  let stopping: Promise<void> | undefined;
  return {
    installed: () => [...installed.values(), ...overlay.values()].sort((a, b) => (a.cidr < b.cidr ? -1 : 1)),
    sync,
    stop() {
      stopping ??= (async () => {
        stopped = true;
        clearInterval(resync);
        if (timer) clearTimeout(timer);
        await informer.stop();
        await chain;
        for (const r of installed.values())
          await runCommand('ip', ['route', 'del', r.cidr, 'via', r.via], { allowFailure: true });
        installed.clear();
        if (vxlanUp || overlay.size) await deleteVxlan({ dev: vxlanDev });
        overlay.clear();
        await rm(join(o.dataDir, STATE_FILE), { force: true });
      })();
      return stopping;
    },
  };
}

/** The Node fields routes depend on (status heartbeats change nothing here). */
function routeFields(n: Node): string {
  const ip = n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address ?? '';
  return `${n.spec?.podCIDR ?? ''}|${ip}|${n.metadata?.deletionTimestamp ?? ''}`;
}
