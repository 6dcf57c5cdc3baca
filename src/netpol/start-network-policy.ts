import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../api/object.js';
import type { KubeClient } from '../machinery/client/kube-client.js';
import { Informer } from '../machinery/client/informer.js';
import { objectKey } from '../machinery/client/object-key.js';
import { runCommand } from '../machinery/exec/run-command.js';
import type { PolicyTable } from './compile.js';
import { IncrementalCompiler } from './incremental-compiler.js';
import { CoalescedSync } from '../machinery/nftables/coalesced-sync.js';
import { NftSession } from '../machinery/nftables/nft-session.js';
import { renderUpdate } from './render.js';
import { NAMESPACES, NETWORK_POLICIES, PODS } from '../machinery/resources/well-known.js';
import type { ObjectOf } from '../machinery/resources/resource.js';

export interface StartNetworkPolicyOptions {
  client: KubeClient;
  log: Logger;
  /** Only pods bound to this node are isolated here (each node enforces for its own pods). */
  nodeName: string;
  /** nftables table (family ip) this enforcer owns (default `flotilla-netpol`). */
  table?: string;
  /** Minimum time between two syncs, ms (default 50): events in between are coalesced. */
  minSyncIntervalMs?: number;
  /** How to run nft (default ['nft']); e.g. ['nsenter', '--net=/run/netns/x', 'nft'] to enforce in another network namespace. */
  nft?: string[];
  /** Called after each successful sync, also when there was nothing to send (benchmarks, metrics). */
  onSync?: (s: SyncTiming) => void;
}

/** Where the time of one sync went, ms. */
export interface SyncTiming {
  /** Objects that changed since the previous sync. */
  changes: number;
  /** Whether a script was sent to nft (false: the change did not alter the table). */
  applied: boolean;
  compileMs: number;
  renderMs: number;
  nftMs: number;
  totalMs: number;
}

export interface RunningNetworkPolicy {
  /** Resolves after the next sync has been applied (forces one). */
  syncNow(): Promise<void>;
  stats(): { syncs: number; skipped: number; failures: number; lastSyncMs: number; last?: SyncTiming };
  /** Stops watching; with removeRules (default true) deletes the table. Idempotent. */
  stop(opts?: { removeRules?: boolean }): Promise<void>;
}

/** Deletes the enforcer's table (nft: as in StartNetworkPolicyOptions). Idempotent. */
export async function deleteNetworkPolicyTable(table: string, nft: string[] = ['nft']): Promise<void> {
  const [file = 'nft', ...args] = nft;
  await runCommand(file, [...args, 'delete', 'table', 'ip', table], { allowFailure: true });
}

/** Keeps only what policies read of a pod (labels, node, host network, ports, phase, IPs): less memory, and updates of other fields render the same text. */
function slimPod(p: ObjectOf<Pod>): ObjectOf<Pod> {
  const ports = (cs: Container[]): Container[] => cs.map((c) => ({ name: c.name, ports: c.ports }));
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: p.metadata.name,
      namespace: p.metadata.namespace,
      uid: p.metadata.uid,
      labels: p.metadata.labels,
      resourceVersion: p.metadata.resourceVersion,
    },
    spec: {
      nodeName: p.spec?.nodeName,
      hostNetwork: p.spec?.hostNetwork,
      containers: ports(p.spec?.containers ?? []),
      initContainers: ports(p.spec?.initContainers ?? []),
    },
    status: { phase: p.status?.phase, podIP: p.status?.podIP, podIPs: p.status?.podIPs },
  };
}

/**
 * Starts NetworkPolicy enforcement on a node:
 *
 *   NetworkPolicy / Pod (all nodes: peers) / Namespace informers --(key of the changed object)--> coalesced sync
 *     --> IncrementalCompiler (only what the changed objects affect) --> renderUpdate (pure: diff vs
 *     last applied) --> one transaction in a kept `nft -i` process (NftSession; none when unchanged)
 *
 * Resolves after the informers synced and the first table is in the kernel. A failed apply is
 * logged and retried after 1 s as a full replacement of the table. Pods not selected by any policy stay allow-all.
 */
export async function startNetworkPolicy(opts: StartNetworkPolicyOptions): Promise<RunningNetworkPolicy> {
  const log = opts.log.child({ component: 'netpol' });
  const table = opts.table ?? 'flotilla-netpol';
  const minInterval = opts.minSyncIntervalMs ?? 50;
  const policies = new Informer(opts.client, NETWORK_POLICIES, { log });
  const pods = new Informer(opts.client, PODS, { log, transform: slimPod });
  const namespaces = new Informer(opts.client, NAMESPACES, { log });
  const nft = new NftSession({ command: opts.nft });
  const st: { syncs: number; skipped: number; failures: number; lastSyncMs: number; last?: SyncTiming } = {
    syncs: 0,
    skipped: 0,
    failures: 0,
    lastSyncMs: 0,
  };
  let compiler = new IncrementalCompiler(opts.nodeName);
  // Keys of objects changed since the last sync; the compiler re-reads them from the caches (level-triggered).
  const pending = { namespaces: new Set<string>(), pods: new Set<string>(), policies: new Set<string>() };
  let applied: PolicyTable | undefined;

  const bridgeNf = (await readFile('/proc/sys/net/bridge/bridge-nf-call-iptables', 'utf8').catch(() => '')).trim();
  if (bridgeNf !== '1')
    log.warn(
      { bridgeNf },
      'net.bridge.bridge-nf-call-iptables is not 1: traffic between pods of one bridge bypasses the policies',
    );

  const sync = async (): Promise<void> => {
    const t0 = performance.now();
    const changes = pending.namespaces.size + pending.pods.size + pending.policies.size;
    let next: PolicyTable;
    try {
      // Namespaces and pods before policies: sets a new policy creates are then filled once, from the new state.
      for (const k of pending.namespaces) compiler.setNamespace(k, namespaces.getByKey(k));
      for (const k of pending.pods) compiler.setPod(k, pods.getByKey(k));
      for (const k of pending.policies) compiler.setPolicy(k, policies.getByKey(k));
      for (const keys of Object.values(pending)) keys.clear();
      next = compiler.table();
    } catch (err) {
      // A bug or an object the compiler cannot take: start over from the caches in a while, table whole.
      st.failures++;
      log.error({ err }, 'network policy compile failed; rebuilding');
      compiler = new IncrementalCompiler(opts.nodeName);
      applied = undefined;
      for (const [inf, keys] of informers) {
        keys.clear();
        for (const o of inf.list()) keys.add(objectKey(o));
      }
      syncer.retryAfter(1000);
      return;
    }
    const t1 = performance.now();
    const script = renderUpdate(table, next, applied);
    const t2 = performance.now();
    if (!script) {
      st.skipped++;
      opts.onSync?.({ changes, applied: false, compileMs: t1 - t0, renderMs: t2 - t1, nftMs: 0, totalMs: t2 - t0 });
    } else {
      try {
        await nft.apply(script);
        applied = next;
        st.syncs++;
        const t3 = performance.now();
        st.lastSyncMs = t3 - t0;
        st.last = { changes, applied: true, compileMs: t1 - t0, renderMs: t2 - t1, nftMs: t3 - t2, totalMs: t3 - t0 };
        opts.onSync?.(st.last);
      } catch (err) {
        st.failures++;
        applied = undefined; // next attempt replaces the table whole
        log.error({ err }, 'network policy sync failed; retrying');
        syncer.retryAfter(1000);
      }
    }
  };
  const syncer = new CoalescedSync(sync, minInterval);
  const informers = [
    [policies, pending.policies],
    [pods, pending.pods],
    [namespaces, pending.namespaces],
  ] as const;
  for (const [inf, keys] of informers) {
    const changed = (o: KubeObject) => {
      keys.add(objectKey(o));
      syncer.schedule();
    };
    inf.addHandlers({ onAdd: changed, onUpdate: (_old, o) => changed(o), onDelete: changed });
    inf.start();
  }
  await Promise.all(informers.map(([i]) => i.waitForSync()));
  // Through the syncer, as every later sync: the informers' initial adds already scheduled one.
  const syncNow = (): Promise<void> => syncer.syncNow();
  await syncNow();
  log.info({ table, syncMs: Math.round(st.lastSyncMs) }, 'network policy enforcement running');

  let stopping: Promise<void> | undefined;
  return {
    syncNow,
    stats: () => ({ ...st }),
    stop(o = {}) {
      stopping ??= (async () => {
        await Promise.all([syncer.stop(), ...informers.map(([i]) => i.stop())]);
        await nft.close();
        if (o.removeRules ?? true) await deleteNetworkPolicyTable(table, opts.nft);
      })();
      return stopping;
    },
  };
}
