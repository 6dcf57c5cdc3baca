import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { KubeClient } from '../machinery/client/kube-client.js';
import { Informer } from '../machinery/client/informer.js';
import { runCommand } from '../machinery/exec/run-command.js';
import { CoalescedSync } from '../machinery/nftables/coalesced-sync.js';
import { NftSession } from '../machinery/nftables/nft-session.js';
import { EndpointWithdrawals } from '../machinery/net/endpoint-withdrawals.js';
import {
  renderScript,
  RulesetBuilder,
  SERVICE_NAME_LABEL,
  type Ruleset,
  type ServiceInput,
  type StaticDnat,
} from './ruleset.js';
import { staleUdpFlows } from './conntrack-cleanup.js';
import { ENDPOINT_SLICES, SERVICES } from '../machinery/resources/well-known.js';

export interface StartProxyOptions {
  client: KubeClient;
  log: Logger;
  /** nftables table (family ip) the proxy owns (default `flotilla-proxy`). */
  table?: string;
  /** Minimum time between two syncs, ms (default 50): events in between are coalesced. */
  minSyncIntervalMs?: number;
  /**
   * A route to install for the service range once its device exists (retried each sync), e.g.
   * `{ cidr: '10.43.0.0/16', dev: 'flotilla0' }` where a blackhole would make connect() fail with
   * EINVAL before the output hook could DNAT. Undefined: routes untouched.
   */
  serviceRoute?: { cidr: string; dev: string };
  /** Fixed DNATs ahead of the Services (the cluster DNS address to this node's DNS server); their Service gets no reject entry. */
  staticDnat?: StaticDnat[];
  /** This node's name (traffic policies Local, hairpin). Undefined: every endpoint counts as local. */
  nodeName?: string;
  /** Addresses NodePorts answer on (loopback ignored). Undefined/empty: every local address but 127.0.0.0/8. */
  nodePortAddresses?: string[];
  /** Cluster pod CIDR: pods keep their source address; others reaching a ClusterIP are masqueraded. */
  clusterCIDR?: string;
  /** Masquerade all proxied traffic. Default: true when bridged traffic skips netfilter (no br_netfilter). */
  masqueradeAll?: boolean;
}

export interface RunningProxy {
  /** Resolves after the next sync has been applied (forces one). */
  syncNow(): Promise<void>;
  /** Number of syncs applied so far, and the last one's duration in ms. */
  stats(): { syncs: number; lastSyncMs: number; failures: number };
  /** The endpoint addresses the applied table sends new connections to, and when each left it (the agent waits on it before it stops a pod). */
  withdrawals: EndpointWithdrawals;
  /** Stops watching; with removeRules (default true) deletes the table. Idempotent. */
  stop(opts?: { removeRules?: boolean }): Promise<void>;
}

/** Applies an nft script as one transaction (`nft -f -`). Rejects with nft's message on failure. */
export async function applyNft(script: string): Promise<void> {
  if (script) await runCommand('nft', ['-f', '-'], { input: script });
}

/**
 * Whether bridged IPv4 traffic passes the ip-family netfilter hooks (br_netfilter loaded and
 * bridge-nf-call-iptables=1). Then a pod's reply to another pod on the bridge is un-DNATed by
 * conntrack and clients need no masquerade; otherwise every proxied connection is masqueraded.
 */
export async function bridgedTrafficHooked(): Promise<boolean> {
  const v = await readFile('/proc/sys/net/bridge/bridge-nf-call-iptables', 'utf8').catch(() => '0');
  return v.trim() === '1';
}

/** Deletes a table the proxy made. Idempotent. */
export async function deleteTable(table: string): Promise<void> {
  await runCommand('nft', ['delete', 'table', 'ip', table], { allowFailure: true });
}

/**
 * Starts the service proxy of a node:
 *
 *   Service / EndpointSlice informers --(any event)--> debounced sync (>= minSyncIntervalMs apart)
 *     --> RulesetBuilder.build (pure, changed Services only) --> renderScript(next, last applied)
 *     --> one transaction on a kept `nft -i` process --> conntrack -D of UDP flows to removed endpoints
 *
 * Resolves after the informers synced and the first full ruleset is in the kernel. A failed apply
 * is logged and retried (1 s) as a full replacement of the table.
 */
export async function startProxy(opts: StartProxyOptions): Promise<RunningProxy> {
  const log = opts.log.child({ component: 'proxy' });
  const table = opts.table ?? 'flotilla-proxy';
  const minInterval = opts.minSyncIntervalMs ?? 50;
  const services = new Informer(opts.client, SERVICES, { log });
  const slices = new Informer(opts.client, ENDPOINT_SLICES, { log });
  let applied: Ruleset | undefined;
  let routeDone = !opts.serviceRoute;
  const st = { syncs: 0, lastSyncMs: 0, failures: 0 };
  // A kept nft process: starting `nft -f` per sync costs more than the change itself on a loaded node.
  const nft = new NftSession();
  const withdrawals = new EndpointWithdrawals();
  const masqueradeAll = opts.masqueradeAll ?? !(await bridgedTrafficHooked());
  const builder = new RulesetBuilder(table, {
    staticDnat: opts.staticDnat,
    nodeName: opts.nodeName,
    nodePortAddresses: opts.nodePortAddresses,
    clusterCIDR: opts.clusterCIDR,
    masqueradeAll,
  });

  const inputs = (): ServiceInput[] => {
    const byService = new Map<string, EndpointSlice[]>();
    for (const s of slices.list()) {
      const name = s.metadata?.labels?.[SERVICE_NAME_LABEL];
      if (!name) continue;
      const k = `${s.metadata?.namespace ?? ''}/${name}`;
      const list = byService.get(k);
      if (list) list.push(s);
      else byService.set(k, [s]);
    }
    return services.list().map((service) => ({
      service,
      slices: byService.get(`${service.metadata?.namespace ?? ''}/${service.metadata?.name ?? ''}`) ?? [],
    }));
  };

  const sync = async (): Promise<void> => {
    const t0 = performance.now();
    const built = slices.list();
    const next = builder.build(inputs());
    try {
      await nft.apply(renderScript(next, applied));
      const flows = staleUdpFlows(applied, next);
      applied = next;
      withdrawals.applied(built);
      // After the commit, so no new flow can reach a removed endpoint; conntrack exits 1 when none matched.
      for (const args of flows)
        await runCommand('conntrack', args, { allowFailure: true }).catch((err: unknown) =>
          log.warn({ err }, 'conntrack clean-up failed'),
        );
      st.syncs++;
      st.lastSyncMs = performance.now() - t0;
      if (!routeDone && opts.serviceRoute) {
        const r = await runCommand('ip', ['route', 'replace', opts.serviceRoute.cidr, 'dev', opts.serviceRoute.dev], {
          allowFailure: true,
        });
        routeDone = r.code === 0;
      }
    } catch (err) {
      st.failures++;
      applied = undefined; // next attempt replaces the table whole
      log.error({ err }, 'nftables sync failed; retrying');
      syncer.retryAfter(1000);
    }
  };
  const syncer = new CoalescedSync(sync, minInterval);
  const onEvent = () => syncer.schedule();
  for (const inf of [services, slices]) inf.addHandlers({ onAdd: onEvent, onUpdate: onEvent, onDelete: onEvent });
  services.start();
  slices.start();
  await Promise.all([services.waitForSync(), slices.waitForSync()]);
  // Through the syncer like every later sync: the informers' initial adds have already scheduled one.
  await syncer.syncNow();
  if (!applied) log.warn('first nftables sync failed');
  log.info({ table, syncMs: Math.round(st.lastSyncMs), masqueradeAll }, 'service proxy running');

  let stopping: Promise<void> | undefined;
  return {
    syncNow: () => syncer.syncNow(),
    stats: () => ({ ...st }),
    withdrawals,
    stop(o = {}) {
      stopping ??= (async () => {
        withdrawals.close();
        await Promise.all([syncer.stop(), services.stop(), slices.stop()]);
        await nft.close();
        if (o.removeRules ?? true) await deleteTable(table);
      })();
      return stopping;
    },
  };
}
