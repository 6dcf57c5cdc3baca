/**
 * Pod start latency on a real node: bind -> Running as seen by a watch, image present and unpacked.
 * A `flotilla server` (child process, 127.0.0.1) and an in-process agent with its own bridge and a
 * random 10.42.2xx.0/24; N pods (`sleep`), one at a time; the first pod is excluded (it creates the
 * bridge). Prints JSON: median, p90, min, max in ms. Removes every container, mount, netns and the
 * bridge at the end.
 * Usage: node --import tsx bench/pod-start-bench.ts [--pods 21]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { startAgent, type RunningAgent } from '../src/agent/agent.js';
import { PODS, type PodObject } from '../src/agent/pods/pod-workers.js';
import { createClient, type KubeClient } from '../src/client/index.js';
import { busyboxArchive, removeBusyboxArchive } from '../test/fixtures/images/busybox.js';
import { startTestServer, type TestServer } from '../test/helpers/cluster.js';

const args = process.argv.slice(2);
const opt = (name: string, def: string): string => { const i = args.indexOf(`--${name}`); return i >= 0 ? (args[i + 1] ?? def) : def; };
const count = Number(opt('pods', '21'));
const log = pino({ level: process.env.FLOTILLA_BENCH_LOG ?? 'silent' });
const suffix = Math.floor(Math.random() * 0xffff).toString(16);
const NODE = `bench-node-${suffix}`;

function waitRunning(client: KubeClient, name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { handle.stop(); reject(new Error(`${name} not Running in 30 s`)); }, 30_000);
    const handle = client.watch<PodObject>(PODS, 'default', { fieldSelector: `metadata.name=${name}`, resourceVersion: '0' }, (ev) => {
      if ((ev.type === 'ADDED' || ev.type === 'MODIFIED') && ev.object.status?.phase === 'Running') {
        clearTimeout(timer);
        handle.stop();
        resolve();
      }
    });
    handle.done.catch(reject);
  });
}

const pct = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;

async function main(): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'flotilla-bench-pods-'));
  let server: TestServer | undefined;
  let client: KubeClient | undefined;
  let agent: RunningAgent | undefined;
  try {
    server = await startTestServer();
    client = createClient({ server: server.url, token: server.joinToken, caPem: server.caPem });
    agent = await startAgent({ client, dataDir, nodeName: NODE, nodeIP: '127.0.0.1', log, bridge: `flb${suffix}`, podCIDR: `10.42.${200 + Math.floor(Math.random() * 50)}.0/24`, blackholeRoutes: [] });
    const [img] = await agent.images.importArchive(await busyboxArchive());
    if (img) await agent.images.layerDirs(img);
    const times: number[] = [];
    for (let i = 0; i < count; i++) {
      const name = `start-${i}`;
      await client.create(PODS, 'default', {
        apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' },
        spec: { schedulerName: 'bench-none', terminationGracePeriodSeconds: 0, containers: [{ name: 'main', image: 'busybox', command: ['sleep', '3600'] }] },
      });
      const running = waitRunning(client, name);
      await new Promise((r) => setTimeout(r, 30)); // the watch is established
      const t0 = performance.now();
      await client.create({ ...PODS, plural: `pods/${name}` }, 'default', { apiVersion: 'v1', kind: 'Binding', metadata: { name }, target: { kind: 'Node', name: NODE } }, { subresource: 'binding' });
      await running;
      times.push(performance.now() - t0);
    }
    const measured = times.slice(1).sort((a, b) => a - b);
    process.stdout.write(`${JSON.stringify({
      bench: 'pod-start', what: 'bind -> Running seen by a watch, image unpacked, pods one at a time, first excluded',
      pods: measured.length, medianMs: Math.round(pct(measured, 50)), p90Ms: Math.round(pct(measured, 90)),
      minMs: Math.round(measured[0] ?? NaN), maxMs: Math.round(measured[measured.length - 1] ?? NaN), firstPodMs: Math.round(times[0] ?? NaN),
    })}\n`);
  } finally {
    await agent?.stop();
    await agent?.runtime.destroyAll();
    await agent?.network.removeBridge();
    await client?.close();
    await server?.stop();
    await rm(dataDir, { recursive: true, force: true });
    await removeBusyboxArchive();
  }
}

await main();
