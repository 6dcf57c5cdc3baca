import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { Container, Namespace, Pod } from 'kubernetes-types/core/v1.js';
import type { NetworkPolicy } from 'kubernetes-types/networking/v1.js';
import type { KubeObject } from '../api/object.js';
import type { ResourceType } from '../api/resource-type.js';
import { findResourceType } from '../api/resource-types.js';
import type { KubeClient } from '../client/kube-client.js';
import { Informer } from '../client/informer.js';
import { runCommand } from '../agent/runtime/run-command.js';
import { compilePolicies, type PolicyTable } from './compile.js';
import { renderUpdate } from './render.js';

const POLICIES = findResourceType('networking.k8s.io', 'v1', 'networkpolicies') as ResourceType;
const PODS = findResourceType('', 'v1', 'pods') as ResourceType;
const NAMESPACES = findResourceType('', 'v1', 'namespaces') as ResourceType;

export interface StartNetworkPolicyOptions {
  client: KubeClient;
  log: Logger;
  /** Only pods bound to this node are isolated here (each node enforces for its own pods). */
  nodeName: string;
  /** nftables table (family ip) this enforcer owns (default `flotilla-netpol`). */
  table?: string;
  /** Minimum time between two syncs, ms (default 50): events in between are coalesced. */
  minSyncIntervalMs?: number;
}

export interface RunningNetworkPolicy {
  /** Resolves after the next sync has been applied (forces one). */
  syncNow(): Promise<void>;
  stats(): { syncs: number; skipped: number; failures: number; lastSyncMs: number };
  /** Stops watching; with removeRules (default true) deletes the table. Idempotent. */
  stop(opts?: { removeRules?: boolean }): Promise<void>;
}

/** Deletes the enforcer's table. Idempotent. */
export async function deleteNetworkPolicyTable(table: string): Promise<void> {
  await runCommand('nft', ['delete', 'table', 'ip', table], { allowFailure: true });
}

/** Keeps only what policies read of a pod (labels, node, host network, ports, phase, IPs): less memory, and updates of other fields render the same text. */
function slimPod(o: KubeObject): KubeObject {
  const p = o as unknown as Pod;
  const ports = (cs: Container[]): Container[] => cs.map((c) => ({ name: c.name, ports: c.ports }));
  const slim: Pod = {
    metadata: { name: p.metadata?.name, namespace: p.metadata?.namespace, uid: p.metadata?.uid, labels: p.metadata?.labels, resourceVersion: p.metadata?.resourceVersion },
    spec: { nodeName: p.spec?.nodeName, hostNetwork: p.spec?.hostNetwork, containers: ports(p.spec?.containers ?? []), initContainers: ports(p.spec?.initContainers ?? []) },
    status: { phase: p.status?.phase, podIP: p.status?.podIP, podIPs: p.status?.podIPs },
  };
  return { apiVersion: 'v1', kind: 'Pod', ...slim } as unknown as KubeObject;
}

/**
 * Starts NetworkPolicy enforcement on a node:
 *
 *   NetworkPolicy / Pod (all nodes: peers) / Namespace informers --(any event)--> coalesced sync
 *     --> compilePolicies (pure) --> renderUpdate (pure: diff vs last applied) --> one `nft -f -` (none when unchanged)
 *
 * Resolves after the informers synced and the first table is in the kernel. A failed apply is
 * logged and retried after 1 s as a full replacement of the table. Pods not selected by any policy stay allow-all.
 */
export async function startNetworkPolicy(opts: StartNetworkPolicyOptions): Promise<RunningNetworkPolicy> {
  const log = opts.log.child({ component: 'netpol' });
  const table = opts.table ?? 'flotilla-netpol';
  const minInterval = opts.minSyncIntervalMs ?? 50;
  const policies = new Informer(opts.client, POLICIES, { log });
  const pods = new Informer(opts.client, PODS, { log, transform: slimPod });
  const namespaces = new Informer(opts.client, NAMESPACES, { log });
  const st = { syncs: 0, skipped: 0, failures: 0, lastSyncMs: 0 };
  let applied: PolicyTable | undefined;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let lastStart = 0;
  let dirty = false;
  let stopped = false;
  let waiters: (() => void)[] = [];

  const bridgeNf = (await readFile('/proc/sys/net/bridge/bridge-nf-call-iptables', 'utf8').catch(() => '')).trim();
  if (bridgeNf !== '1') log.warn({ bridgeNf }, 'net.bridge.bridge-nf-call-iptables is not 1: traffic between pods of one bridge bypasses the policies');

  const sync = async (): Promise<void> => {
    dirty = false;
    lastStart = Date.now();
    const done = waiters;
    waiters = [];
    const t0 = performance.now();
    const next = compilePolicies({
      policies: policies.list() as unknown as NetworkPolicy[],
      pods: pods.list() as unknown as Pod[],
      namespaces: namespaces.list() as unknown as Namespace[],
      nodeName: opts.nodeName,
    });
    const script = renderUpdate(table, next, applied);
    if (!script) {
      st.skipped++;
    } else {
      try {
        await runCommand('nft', ['-f', '-'], { input: script });
        applied = next;
        st.syncs++;
        st.lastSyncMs = performance.now() - t0;
      } catch (err) {
        st.failures++;
        applied = undefined; // next attempt replaces the table whole
        log.error({ err }, 'network policy sync failed; retrying');
        if (!stopped) setTimeout(() => schedule(), 1000).unref();
      }
    }
    for (const w of done) w();
  };

  const schedule = (): void => {
    dirty = true;
    if (stopped || timer || running) return;
    const wait = Math.max(0, lastStart + minInterval - Date.now());
    timer = setTimeout(() => {
      timer = undefined;
      running = sync().finally(() => {
        running = undefined;
        if (dirty || waiters.length) schedule();
      });
    }, wait);
  };
  const onEvent = () => schedule();
  const informers = [policies, pods, namespaces];
  for (const inf of informers) {
    inf.addHandlers({ onAdd: onEvent, onUpdate: onEvent, onDelete: onEvent });
    inf.start();
  }
  await Promise.all(informers.map((i) => i.waitForSync()));
  await sync();
  log.info({ table, syncMs: Math.round(st.lastSyncMs) }, 'network policy enforcement running');

  let stopping: Promise<void> | undefined;
  return {
    syncNow: () => new Promise<void>((resolve) => { waiters.push(resolve); schedule(); }),
    stats: () => ({ ...st }),
    stop(o = {}) {
      stopping ??= (async () => {
        stopped = true;
        if (timer) clearTimeout(timer);
        await Promise.all(informers.map((i) => i.stop()));
        await running;
        for (const w of waiters) w();
        if (o.removeRules ?? true) await deleteNetworkPolicyTable(table);
      })();
      return stopping;
    },
  };
}
