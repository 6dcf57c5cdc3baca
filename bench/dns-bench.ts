/**
 * Cluster DNS benchmark: prints one JSON object.
 *   node --import tsx bench/dns-bench.ts [--quick]
 * The server (this process) serves 1,000 Services (800 ClusterIP, 200 headless with 10 ready
 * endpoints each) from informers over an in-memory FakeClient, on 127.0.0.1 UDP. A load generator
 * in a child process keeps N queries in flight on one UDP socket for a few seconds per level
 * (cluster names only: ClusterIP A, headless A, StatefulSet hostname A, SRV, NXDOMAIN) and
 * reports queries/s and latency percentiles per level. Goal (issue 5): >= 20,000 q/s with p99 <= 2 ms.
 */
import { fork } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { fileURLToPath } from 'node:url';
import dnsPacket, { type RecordType } from 'dns-packet';
import pino from 'pino';

interface LevelResult { inFlight: number; queries: number; qps: number; p50Ms: number; p99Ms: number; maxMs: number; timeouts: number; errors: number }

const quick = process.argv.includes('--quick');

if (process.argv[2] === '--load') await runLoad(Number(process.argv[3]), JSON.parse(process.argv[4] ?? '[]') as number[], Number(process.argv[5]));
else await runServer();

async function runServer(): Promise<void> {
  const { FakeClient } = await import('../src/client/testing/fake-client.js');
  const { findResourceType } = await import('../src/api/resource-types.js');
  const { startDns } = await import('../src/dns/index.js');
  type RT = NonNullable<ReturnType<typeof findResourceType>>;
  const SERVICES = findResourceType('', 'v1', 'services') as RT;
  const SLICES = findResourceType('discovery.k8s.io', 'v1', 'endpointslices') as RT;
  const fake = new FakeClient();
  for (let i = 0; i < 1000; i++) {
    const headless = i % 5 === 0;
    fake.seed(SERVICES, {
      apiVersion: 'v1', kind: 'Service', metadata: { name: `svc-${i}`, namespace: `ns-${i % 20}` },
      spec: { clusterIP: headless ? 'None' : `10.43.${Math.floor(i / 250)}.${(i % 250) + 2}`, ports: [{ name: 'http', port: 80, protocol: 'TCP' }] },
    });
    if (headless) {
      fake.seed(SLICES, {
        apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: `svc-${i}-x`, namespace: `ns-${i % 20}`, labels: { 'kubernetes.io/service-name': `svc-${i}` } },
        addressType: 'IPv4', ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
        endpoints: Array.from({ length: 10 }, (_, j) => ({ addresses: [`10.42.${i % 250}.${j + 2}`], hostname: `svc-${i}-${j}`, conditions: { ready: true, serving: true, terminating: false } })),
      });
    }
  }
  const dns = await startDns({ client: fake, listen: { host: '127.0.0.1', port: 0 }, upstreams: [], log: pino({ level: 'silent' }) });
  const levels = quick ? [16, 64] : [8, 16, 32, 64, 128];
  const seconds = quick ? 1.5 : 3;
  const child = fork(fileURLToPath(import.meta.url), ['--load', String(dns.port), JSON.stringify(levels), String(seconds)], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const results = await new Promise<LevelResult[]>((resolve, reject) => {
    child.once('message', (m) => resolve(m as LevelResult[]));
    child.once('exit', (code) => reject(new Error(`load generator exited ${code}`)));
  });
  child.kill();
  const meeting = results.filter((r) => r.p99Ms <= 2).sort((a, b) => b.qps - a.qps)[0];
  console.log(JSON.stringify({
    bench: 'dns', names: dns.table.size, services: 1000, transport: 'udp', loadGenerator: 'node child process, one UDP socket',
    levels: results,
    best: meeting ? { inFlight: meeting.inFlight, qps: meeting.qps, p99Ms: meeting.p99Ms } : null,
    goal: { qps: 20000, p99Ms: 2, met: meeting !== undefined && meeting.qps >= 20000 },
    serverQueries: dns.server.queries, serverRssMb: Math.round(process.memoryUsage().rss / 1e6),
  }, null, 2));
  await dns.stop();
}

async function runLoad(port: number, levels: number[], seconds: number): Promise<void> {
  const names: [string, RecordType][] = [];
  for (let i = 0; i < 1000; i += 7) {
    const base = `svc-${i}.ns-${i % 20}.svc.cluster.local`;
    names.push([base, 'A'], [`_http._tcp.${base}`, 'SRV'], [`missing-${i}.ns-${i % 20}.svc.cluster.local`, 'A']);
    if (i % 5 === 0) names.push([`svc-${i}-3.${base}`, 'A']);
  }
  const packets = names.map(([name, type]) => dnsPacket.encode({ type: 'query', id: 0, flags: dnsPacket.RECURSION_DESIRED, questions: [{ name, type, class: 'IN' }] }));
  const sock = createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  sock.setRecvBufferSize(4 * 1024 * 1024);
  const out: LevelResult[] = [];
  for (const inFlight of levels) out.push(await level(sock, port, packets, inFlight, seconds * 1000));
  sock.close();
  process.send?.(out);
}

function level(sock: ReturnType<typeof createSocket>, port: number, packets: Buffer[], inFlight: number, durationMs: number): Promise<LevelResult> {
  return new Promise((resolve) => {
    const sentAt = new Map<number, bigint>();
    const latencies: number[] = [];
    let nextId = 0, n = 0, errors = 0, timeouts = 0, stopping = false;
    const start = process.hrtime.bigint();
    const send = () => {
      if (stopping) return;
      nextId = (nextId + 1) & 0xffff;
      const pkt = Buffer.from(packets[n++ % packets.length] as Buffer);
      pkt.writeUInt16BE(nextId, 0);
      sentAt.set(nextId, process.hrtime.bigint());
      sock.send(pkt, port, '127.0.0.1');
    };
    const onMessage = (msg: Buffer) => {
      const id = msg.readUInt16BE(0);
      const t = sentAt.get(id);
      if (t === undefined) return;
      sentAt.delete(id);
      latencies.push(Number(process.hrtime.bigint() - t) / 1e6);
      if ((msg.readUInt16BE(2) & 0xf) === 2) errors++;
      send();
    };
    sock.on('message', onMessage);
    // Lost datagrams would shrink the window: re-fill it for queries older than 1 s.
    const sweeper = setInterval(() => {
      const now = process.hrtime.bigint();
      for (const [id, t] of sentAt) if (now - t > 1_000_000_000n) { sentAt.delete(id); timeouts++; send(); }
    }, 200);
    for (let i = 0; i < inFlight; i++) send();
    setTimeout(() => {
      stopping = true;
      const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
      clearInterval(sweeper);
      setTimeout(() => {
        sock.off('message', onMessage);
        latencies.sort((a, b) => a - b);
        const pct = (p: number) => Math.round((latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0) * 1000) / 1000;
        resolve({ inFlight, queries: latencies.length, qps: Math.round(latencies.length / elapsed), p50Ms: pct(0.5), p99Ms: pct(0.99), maxMs: pct(1), timeouts, errors });
      }, 100);
    }, durationMs);
  });
}
