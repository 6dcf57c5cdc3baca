/**
 * The agent killed with `kill -9` in the middle of a burst of pod starts, at seeded random moments,
 * and started again on the same data dir: every pod ends up running exactly one container of each
 * kind (none stuck in ContainerCreating, none doubled), and nothing is left of the pods deleted
 * afterwards (no runc containers, bundles, mounts or cgroups). A container that runc had created
 * but nobody started when the agent died must be made anew, not re-adopted in runc's `created` state.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Pod } from 'kubernetes-types/core/v1.js';
import pino from 'pino';
import { ImageStore } from '../src/agent/images/image-store.js';
import { killAll } from '../src/agent/runtime/oci/kill-all.js';
import { mountPoints } from '../src/agent/runtime/oci/mounts.js';
import { runCommand } from '../src/machinery/exec/run-command.js';
import { seededRandom } from '../src/testing/seeded-random.js';
import { busyboxArchive, removeBusyboxArchive } from './fixtures/images/busybox.js';
import { AgentProcess } from './helpers/agent-process.js';
import { startTestServer, type TestServer } from './helpers/cluster.js';
import { ok } from './helpers/kubectl.js';
import { until } from './helpers/wait-until.js';
import { issueClientCertificate } from './helpers/real-node.js';

const log = pino({ level: process.env.FLOTILLA_TEST_LOG ?? 'silent' });
const suffix = Math.floor(Math.random() * 0xffff).toString(16);
const NODE = `crash-test-${suffix}`;
const NAMESPACE = `crash-${suffix}`;
const REPLICAS = 12;
const ROUNDS = 4;
const SEED = Number(process.env.FLOTILLA_TEST_SEED ?? 20261207);
let server: TestServer;
let dataDir = '';
let agent: AgentProcess;

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'flotilla-crash-'));
  server = await startTestServer();
  const images = new ImageStore(join(dataDir, 'images'), log);
  const [img] = await images.importArchive(await busyboxArchive());
  assert.ok(img);
  await images.layerDirs(img);
  const podCIDR = `10.42.${200 + Math.floor(Math.random() * 50)}.0/24`;
  // The Node with its pod range first: the node IPAM controller would otherwise give it 10.42.0.0/24,
  // which the agent takes over its own setting at the next start.
  ok(
    await server.kubectl(['create', '-f', '-'], {
      stdin: JSON.stringify({
        apiVersion: 'v1',
        kind: 'Node',
        metadata: { name: NODE },
        spec: { podCIDR, podCIDRs: [podCIDR] },
      }),
    }),
  );
  agent = new AgentProcess({
    server: server.url,
    clientCert: await issueClientCertificate(server.dataDir, `CN=system:node:${NODE}, O=system:nodes`),
    caPem: server.caPem,
    dataDir,
    nodeName: NODE,
    bridge: `flc${suffix}`,
    podCIDR,
    blackholeRoutes: [`198.51.100.${16 * Math.floor(Math.random() * 16)}/28`], // TEST-NET-2: nobody's traffic
  });
});

after(async () => {
  await agent?.dispose();
  if (dataDir) assert.deepEqual((await killAll(dataDir, log)).busyMounts, [], 'killall unmounts everything');
  await runCommand('ip', ['link', 'del', `flc${suffix}`], { allowFailure: true });
  await server?.stop();
  await rm(dataDir, { recursive: true, force: true });
  await removeBusyboxArchive();
});

interface RuncContainer {
  id: string;
  status: string;
}

async function runcList(): Promise<RuncContainer[]> {
  const r = await runCommand('/usr/sbin/runc', ['--root', join(dataDir, 'runc'), 'list', '--format', 'json']);
  return (JSON.parse(r.stdout.trim() || '[]') as RuncContainer[] | null) ?? [];
}

async function pods(): Promise<Pod[]> {
  const r = ok(await server.kubectl(['get', 'pods', '-n', NAMESPACE, '-l', 'app=crash', '-o', 'json']));
  return (JSON.parse(r) as { items: Pod[] }).items;
}

const allRunning = (ps: Pod[]): boolean =>
  ps.length === REPLICAS &&
  ps.every(
    (p) =>
      !p.metadata?.deletionTimestamp &&
      p.status?.phase === 'Running' &&
      p.status.containerStatuses?.[0]?.state?.running !== undefined &&
      p.status.initContainerStatuses?.[0]?.state?.terminated?.exitCode === 0,
  );

/** What the node holds of the given pods: runc containers by uid, bundle dirs, rootfs mounts, cgroups. */
async function leftovers(uids: string[]): Promise<string[]> {
  const found: string[] = [];
  const containers = await runcList();
  const bundles = await readdir(join(dataDir, 'containers')).catch(() => [] as string[]);
  const mounts = await mountPoints();
  const cgroups = await readdir('/sys/fs/cgroup/flotilla').catch(() => [] as string[]);
  for (const uid of uids) {
    found.push(...containers.filter((c) => c.id.startsWith(`${uid}-`)).map((c) => `runc ${c.id} ${c.status}`));
    found.push(...bundles.filter((b) => b.startsWith(`${uid}-`)).map((b) => `bundle ${b}`));
    found.push(...mounts.filter((m) => m.includes(uid)).map((m) => `mount ${m}`));
    found.push(...cgroups.filter((c) => c === `pod${uid}`).map((c) => `cgroup ${c}`));
  }
  return found;
}

test('kill -9 of the agent during pod bursts: after a restart every pod runs exactly one container of each kind, nothing is left behind', async () => {
  const random = seededRandom(SEED);
  await agent.start();
  ok(await server.kubectl(['create', 'namespace', NAMESPACE]));
  ok(
    await server.kubectl(['apply', '-f', '-'], {
      stdin: JSON.stringify({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'crash', namespace: NAMESPACE },
        spec: {
          replicas: 0,
          selector: { matchLabels: { app: 'crash' } },
          template: {
            metadata: { labels: { app: 'crash' } },
            spec: {
              terminationGracePeriodSeconds: 1,
              automountServiceAccountToken: false,
              initContainers: [{ name: 'init', image: 'busybox', command: ['true'] }],
              containers: [{ name: 'main', image: 'busybox', command: ['sleep', '3600'] }],
            },
          },
        },
      }),
    }),
  );
  const goneUids: string[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const killAfterMs = 100 + Math.floor(random() * 1400);
    ok(await server.kubectl(['scale', 'deployment/crash', '-n', NAMESPACE, `--replicas=${REPLICAS}`]));
    // The kill point itself: a moment in the burst, not a condition to wait for.
    await new Promise((r) => setTimeout(r, killAfterMs));
    await agent.kill();
    await agent.start();

    let last: Pod[] = [];
    await until(
      `round ${round} (killed after ${killAfterMs} ms): all ${REPLICAS} pods running`,
      async () => allRunning((last = await pods())),
      {
        timeoutMs: 90_000,
        intervalMs: 250,
        describe: () =>
          `${last.map((p) => `${p.metadata?.name} ${p.status?.phase} ${JSON.stringify(p.status?.containerStatuses?.[0]?.state)}`).join('\n')}\n${agent.output}`,
      },
    );
    // Exactly one running `main` and one exited `init` per pod; no container of another attempt left over.
    const containers = await runcList();
    for (const p of last) {
      const uid = p.metadata?.uid ?? '';
      const mine = containers.filter((c) => c.id.startsWith(`${uid}-`));
      const byKind = (name: string) => mine.filter((c) => c.id.startsWith(`${uid}-${name}-`));
      assert.deepEqual(
        byKind('main').map((c) => c.status),
        ['running'],
        `${p.metadata?.name}: ${JSON.stringify(mine)}`,
      );
      assert.deepEqual(
        byKind('init').map((c) => c.status),
        ['stopped'],
        `${p.metadata?.name}: ${JSON.stringify(mine)}`,
      );
      assert.equal(mine.length, 2, JSON.stringify(mine));
    }
    assert.equal(
      containers.filter((c) => c.status === 'created').length,
      0,
      `no container left in runc's created state: ${JSON.stringify(containers)}`,
    );

    const uids = last.map((p) => p.metadata?.uid ?? '');
    goneUids.push(...uids);
    ok(await server.kubectl(['scale', 'deployment/crash', '-n', NAMESPACE, '--replicas=0']));
    await until(
      `round ${round}: the pods deleted and nothing left of them on the node`,
      async () => {
        if ((await pods()).length > 0) return false;
        return (await leftovers(uids)).length === 0;
      },
      { timeoutMs: 60_000, intervalMs: 250, describe: async () => (await leftovers(uids)).join('\n') },
    );
  }
  assert.deepEqual(await leftovers(goneUids), []);
});
