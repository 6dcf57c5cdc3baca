/**
 * NetworkPolicy sync benchmark: prints one JSON object.
 *   node --import tsx bench/netpol-sync-bench.ts [--quick] [--rounds N]
 * Runs the real enforcer (startNetworkPolicy: informers, IncrementalCompiler, renderUpdate, nft)
 * against an in-memory FakeClient holding a synthetic cluster, with its nft table in a network
 * namespace the bench creates (`ip netns add flt-npbench-<hex>`) and removes at the end; no
 * traffic is sent. Cluster (seeded random, the same each run): 50 namespaces (team/env labels),
 * pods on 10 nodes (one tenth on this node, so they get chains), each in a random namespace with
 * random app (5 values) and role (client: one in three) labels and named ports http (8080) and
 * metrics (9090); policies spread over the namespaces, each selecting one app, ingress from a
 * podSelector peer (role=client of some app) and a namespaceSelector peer (team), on the named port
 * http and the numeric port 9090, one in four with an egress ipBlock rule. Each round relabels one pod (role client <-> other, and a new app label
 * half of the time, so the policies selecting it change), alternately one of this node's and one of
 * another node's, and times change -> rules committed in the kernel: from the client update to the
 * end of the nft transaction that carried it (the enforcer's onSync). A relabel that no chain or set
 * depends on sends nothing: such rounds are counted apart and the bench goes on until ROUNDS
 * relabels changed the table. Rounds are spaced more than the enforcer's 50 ms coalescing interval,
 * so no round waits for the timer.
 * Then POLICY_ROUNDS policy changes (a policy selects another app), timed the same way.
 * Also: the first full sync, a from-scratch compilePolicies of the same cluster (what a change
 * would cost without the incremental compiler), and nft's floor: the same kind of change in a
 * one-chain table through a kept `nft -i` (as the enforcer) and through a new `nft -f` per change.
 * Goal: p99 <= 100 ms.
 */
import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import pino from 'pino';
import type { Namespace, Pod } from 'kubernetes-types/core/v1.js';
import type { NetworkPolicy } from 'kubernetes-types/networking/v1.js';
import type { KubeObject } from '../src/api/object.js';
import { runCommand } from '../src/machinery/exec/run-command.js';
import { FakeClient } from '../src/machinery/client/testing/fake-client.js';
import { compilePolicies, startNetworkPolicy, type SyncTiming } from '../src/netpol/index.js';
import { NftSession } from '../src/machinery/nftables/nft-session.js';
import { seededRandom } from '../src/testing/seeded-random.js';
import { NAMESPACES as NAMESPACE_RESOURCE, NETWORK_POLICIES, PODS } from '../src/machinery/resources/well-known.js';

const quick = process.argv.includes('--quick');
const roundsArg = process.argv.indexOf('--rounds');
const ROUNDS = roundsArg > 0 ? Number(process.argv[roundsArg + 1]) : quick ? 40 : 200;
const POLICY_ROUNDS = quick ? 10 : 50;
const SCALES = quick
  ? [{ pods: 2000, policies: 100 }]
  : [
      { pods: 5000, policies: 200 },
      { pods: 10000, policies: 500 },
    ];
const NAMESPACES = 50;
const NODES = 10;
const APPS = 5;
const NODE = 'bench-node';
const NETNS = `flt-npbench-${randomBytes(3).toString('hex')}`;
const NFT = ['nsenter', `--net=/run/netns/${NETNS}`, 'nft'];
const TABLE = 'flotilla-netpol-bench';
const FLOOR = 'flotilla-netpol-bench-floor';

const log = pino({ level: 'silent' });

function cluster(podCount: number, policyCount: number) {
  const r = seededRandom(podCount + policyCount);
  const int = (n: number) => Math.floor(r() * n);
  const namespaces: Namespace[] = Array.from({ length: NAMESPACES }, (_, i) => ({
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: `ns-${i}`, labels: { team: `t${i % 5}`, env: i % 2 ? 'prod' : 'dev' } },
  }));
  const pods: Pod[] = Array.from({ length: podCount }, (_, i) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      namespace: `ns-${int(NAMESPACES)}`,
      name: `pod-${i}`,
      labels: { app: `app-${int(APPS)}`, role: int(3) === 0 ? 'client' : 'other' },
    },
    spec: {
      nodeName: i % NODES === 0 ? NODE : `node-${i % NODES}`,
      containers: [
        {
          name: 'c',
          image: 'x',
          ports: [
            { name: 'http', containerPort: 8080 },
            { name: 'metrics', containerPort: 9090 },
          ],
        },
      ],
    },
    status: { phase: 'Running', podIP: `10.42.${i >> 8}.${i & 255}` },
  }));
  const policies: NetworkPolicy[] = Array.from({ length: policyCount }, (_, i) => {
    const app = `app-${int(APPS)}`;
    return {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { namespace: `ns-${i % NAMESPACES}`, name: `np-${i}` },
      spec: {
        podSelector: { matchLabels: { app } },
        ingress: [
          {
            from: [
              { podSelector: { matchLabels: { role: 'client', app: `app-${int(APPS)}` } } },
              { namespaceSelector: { matchLabels: { team: `t${int(5)}` } } },
            ],
            ports: [
              { protocol: 'TCP', port: 'http' },
              { protocol: 'TCP', port: 9090 },
            ],
          },
        ],
        ...(i % 4 === 0 ? { egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['10.99.0.0/16'] } }] }] } : {}),
      },
    };
  });
  return { namespaces, pods, policies };
}

function pct(sorted: number[], p: number): number {
  return Number((sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0).toFixed(2));
}
const sortNum = (a: number[]) => [...a].sort((x, y) => x - y);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function nft(script: string): Promise<void> {
  await runCommand(NFT[0] as string, [...NFT.slice(1), '-f', '-'], { input: script });
}

/** VmRSS of the enforcer's kept `nft -i`: the child of this process named nft that is not the floor's. */
async function rssKiB(floorPid: number | undefined): Promise<number | undefined> {
  for (const pid of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(pid) || Number(pid) === floorPid) continue;
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    const m = /^\d+ \((.*)\) \S+ (\d+)/.exec(stat);
    if (m?.[1] !== 'nft' || Number(m[2]) !== process.pid) continue;
    const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
    return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
  }
  return undefined;
}

type NftJson = {
  nftables: Array<{
    set?: { name: string; elem?: unknown[] };
    map?: { name: string; elem?: [string, { jump?: { target: string } }][] };
    chain?: { name: string };
    rule?: { chain: string };
  }>;
};

/** The bench table as the kernel holds it: set -> sorted elements, map -> sorted `ip>chain`, chain -> rule count. */
async function kernelTable() {
  const out = await runCommand(NFT[0] as string, [...NFT.slice(1), '-j', 'list', 'table', 'ip', TABLE]);
  const j = JSON.parse(out.stdout) as NftJson;
  const sets = new Map<string, string>();
  const maps = new Map<string, string>();
  const chains = new Map<string, number>();
  const el = (e: unknown) =>
    typeof e === 'object' && e && 'concat' in e ? (e as { concat: unknown[] }).concat.join(' . ') : String(e);
  for (const o of j.nftables) {
    if (o.set) sets.set(o.set.name, (o.set.elem ?? []).map(el).sort().join(','));
    if (o.map)
      maps.set(
        o.map.name,
        (o.map.elem ?? [])
          .map(([k, v]) => `${k}>${v.jump?.target ?? ''}`)
          .sort()
          .join(','),
      );
    if (o.chain) chains.set(o.chain.name, chains.get(o.chain.name) ?? 0);
    if (o.rule) chains.set(o.rule.chain, (chains.get(o.rule.chain) ?? 0) + 1);
  }
  return { sets, maps, chains };
}

async function runScale(podCount: number, policyCount: number) {
  const c = cluster(podCount, policyCount);
  const client = new FakeClient();
  client.seed(NAMESPACE_RESOURCE, ...(c.namespaces as unknown as KubeObject[]));
  client.seed(PODS, ...(c.pods as unknown as KubeObject[]));
  client.seed(NETWORK_POLICIES, ...(c.policies as unknown as KubeObject[]));

  // What a change would cost without the incremental compiler: a from-scratch compile of the same cluster
  // (median of 5).
  const full: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    compilePolicies({ ...c, nodeName: NODE });
    full.push(performance.now() - t);
  }

  let onSync: ((s: SyncTiming) => void) | undefined;
  const t0 = performance.now();
  const enforcer = await startNetworkPolicy({
    client,
    log,
    nodeName: NODE,
    table: TABLE,
    nft: NFT,
    onSync: (s) => onSync?.(s),
  });
  const firstSyncMs = performance.now() - t0;
  const floor = new NftSession({ command: NFT });
  try {
    const total: number[] = [],
      local: number[] = [],
      remote: number[] = [],
      compile: number[] = [],
      render: number[] = [],
      nftMs: number[] = [];
    const floorSession: number[] = [],
      floorSpawn: number[] = [];
    const rounds: { ms: number; local: boolean; nftMs: number; compileMs: number; renderMs: number; at: number }[] = [];
    let unchanged = 0;
    await nft(`add table ip ${FLOOR}\nadd chain ip ${FLOOR} c\n`);
    // Until ROUNDS relabels changed the table (a relabel no chain or set depends on sends nothing: counted apart).
    for (let r = 0; total.length < ROUNDS && r < ROUNDS * 10; r++) {
      // Alternately one of this node's pods (its chains change) and one of another node's (set members only).
      const base = Math.floor(Math.random() * (podCount / NODES)) * NODES;
      const i = r % 2 === 0 ? base : base + 1 + Math.floor(Math.random() * (NODES - 1));
      const old = client.peek(PODS, c.pods[i]?.metadata?.namespace ?? '', `pod-${i}`) as unknown as Pod;
      const labels: Record<string, string> = {
        ...old.metadata?.labels,
        role: old.metadata?.labels?.role === 'client' ? 'other' : 'client',
      };
      if (r % 4 < 2) labels.app = `app-${Math.floor(Math.random() * APPS)}`;
      const synced = new Promise<SyncTiming>((resolve) => {
        onSync = resolve;
      });
      const start = performance.now();
      await client.update(PODS, old.metadata?.namespace ?? '', {
        ...old,
        metadata: { ...old.metadata, labels },
      } as unknown as KubeObject);
      const s = await synced;
      const ms = performance.now() - start;
      if (!s.applied) unchanged++;
      else {
        total.push(ms);
        (r % 2 === 0 ? local : remote).push(ms);
        compile.push(s.compileMs);
        render.push(s.renderMs);
        nftMs.push(s.nftMs);
        rounds.push({ ms, local: r % 2 === 0, nftMs: s.nftMs, compileMs: s.compileMs, renderMs: s.renderMs, at: r });
      }
      const f0 = performance.now();
      await floor.apply(`flush chain ip ${FLOOR} c\nadd rule ip ${FLOOR} c ip saddr 10.42.0.${r & 255} drop\n`);
      const f1 = performance.now();
      await nft(`flush chain ip ${FLOOR} c\nadd rule ip ${FLOOR} c ip saddr 10.42.1.${r & 255} drop\n`);
      floorSession.push(f1 - f0);
      floorSpawn.push(performance.now() - f1);
      await sleep(60); // past the enforcer's 50 ms coalescing interval
    }
    // Policy changes: one policy now selects another app (its namespace's local pods it selected or selects get new chains).
    const policyMs: number[] = [];
    for (let r = 0; policyMs.length < POLICY_ROUNDS && r < POLICY_ROUNDS * 10; r++) {
      const np = c.policies[Math.floor(Math.random() * policyCount)] as NetworkPolicy;
      const old = client.peek(
        NETWORK_POLICIES,
        np.metadata?.namespace ?? '',
        np.metadata?.name ?? '',
      ) as unknown as NetworkPolicy;
      const app = `app-${(Number(old.spec?.podSelector?.matchLabels?.app?.slice(4)) + 1 + Math.floor(Math.random() * (APPS - 1))) % APPS}`;
      const synced = new Promise<SyncTiming>((resolve) => {
        onSync = resolve;
      });
      const start = performance.now();
      await client.update(NETWORK_POLICIES, old.metadata?.namespace ?? '', {
        ...old,
        spec: { ...old.spec, podSelector: { matchLabels: { app } } },
      } as unknown as KubeObject);
      const s = await synced;
      if (s.applied) policyMs.push(performance.now() - start);
      await sleep(60);
    }
    const nftRssKiB = await rssKiB(floor.pid);
    // Check: after all the incremental updates the kernel holds what a from-scratch compile of the final cluster gives.
    const finalPods = (await client.list(PODS)).items as unknown as Pod[];
    const kernel = await kernelTable();
    const finalPolicies = (await client.list(NETWORK_POLICIES)).items as unknown as NetworkPolicy[];
    const expected = compilePolicies({ ...c, pods: finalPods, policies: finalPolicies, nodeName: NODE });
    const kernelChains = kernel.chains.size;
    const sets = kernel.sets.size;
    const want = new Map(
      [...expected.peerSets, ...expected.portSets].map(([n, els]) => [n, [...els].sort().join(',')]),
    );
    const wantMaps = (['ingress', 'egress'] as const).map((d) =>
      [...expected[d]]
        .map(([ip, ch]) => `${ip}>${ch}`)
        .sort()
        .join(','),
    );
    const kernelMatchesFullCompile =
      want.size === kernel.sets.size &&
      [...want].every(([n, els]) => kernel.sets.get(n) === els) &&
      kernel.chains.size === expected.chains.size + 1 &&
      [...expected.chains].every(([n, rules]) => kernel.chains.get(n) === rules.length) &&
      wantMaps[0] === kernel.maps.get('ingress-pods') &&
      wantMaps[1] === kernel.maps.get('egress-pods');
    const T = sortNum(total);
    return {
      pods: podCount,
      policies: policyCount,
      namespaces: NAMESPACES,
      localPods: podCount / NODES,
      kernelChains,
      kernelSets: sets,
      kernelMatchesFullCompile,
      firstFullSyncMs: Number(firstSyncMs.toFixed(1)),
      fullCompileMs: pct(sortNum(full), 50),
      rounds: total.length,
      unchangedRounds: unchanged,
      changeToKernelMs: { p50: pct(T, 50), p90: pct(T, 90), p99: pct(T, 99), max: pct(T, 100) },
      policyChangeMs: {
        rounds: policyMs.length,
        p50: pct(sortNum(policyMs), 50),
        p99: pct(sortNum(policyMs), 99),
        max: pct(sortNum(policyMs), 100),
      },
      enforcerNftRssKiB: nftRssKiB,
      localPodRelabelMs: { p50: pct(sortNum(local), 50), p99: pct(sortNum(local), 99) },
      remotePodRelabelMs: { p50: pct(sortNum(remote), 50), p99: pct(sortNum(remote), 99) },
      partsP50Ms: {
        compile: pct(sortNum(compile), 50),
        render: pct(sortNum(render), 50),
        nft: pct(sortNum(nftMs), 50),
      },
      partsP99Ms: {
        compile: pct(sortNum(compile), 99),
        render: pct(sortNum(render), 99),
        nft: pct(sortNum(nftMs), 99),
      },
      nftFloorMs: {
        keptProcess: { p50: pct(sortNum(floorSession), 50), p99: pct(sortNum(floorSession), 99) },
        newProcessPerChange: { p50: pct(sortNum(floorSpawn), 50), p99: pct(sortNum(floorSpawn), 99) },
        note: 'same kind of change in a one-chain table',
      },
      slowest: rounds
        .sort((a, b) => b.ms - a.ms)
        .slice(0, 3)
        .map((x) => ({
          ...x,
          ms: Number(x.ms.toFixed(1)),
          nftMs: Number(x.nftMs.toFixed(1)),
          compileMs: Number(x.compileMs.toFixed(2)),
          renderMs: Number(x.renderMs.toFixed(2)),
        })),
      met: pct(T, 99) <= 100,
    };
  } finally {
    await floor.close();
    await enforcer.stop();
    await runCommand(NFT[0] as string, [...NFT.slice(1), 'delete', 'table', 'ip', FLOOR], { allowFailure: true });
    await client.close();
  }
}

await runCommand('ip', ['netns', 'add', NETNS]);
try {
  const results = [];
  for (const s of SCALES) results.push(await runScale(s.pods, s.policies));
  console.log(
    JSON.stringify(
      {
        bench: 'netpol-sync',
        netns: NETNS,
        goalP99Ms: 100,
        results,
        loadAvg: (await runCommand('cat', ['/proc/loadavg'])).stdout.split(' ').slice(0, 3).join(' '),
      },
      null,
      2,
    ),
  );
} finally {
  await runCommand('ip', ['netns', 'del', NETNS], { allowFailure: true });
}
