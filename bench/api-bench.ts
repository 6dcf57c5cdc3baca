/**
 * API server benchmark: prints JSON figures for the API server's goals.
 *   creates/s over HTTPS, 32 concurrent clients, realistic pods   (goal >= 5,000/s on SQLite)
 *   LIST of 10,000 pods as JSON and as Table                        (goals <= 150 ms, <= 250 ms)
 *   one write seen by 1,000 watchers, p99 delivery                  (goal <= 100 ms)
 *   server resident memory with 10,000 pods stored                  (goal <= 200 MB)
 * Usage: node --import tsx bench/api-bench.ts [--datastore sqlite|etcd] [--pods 10000] [--watchers 1000] [--full]
 * The server runs without controllers and scheduler (the API server alone) unless --full.
 * Traffic goes only to the server it starts on 127.0.0.1.
 */
import { Agent, request } from 'node:https';
import { readFileSync } from 'node:fs';
import { wrkCreatePods, wrkInstalled } from './wrk/create-pods.js';
import { startTestServer } from '../test/helpers/cluster.js';
import { startEtcdTestServer } from '../src/store/etcd/etcd-test-server.js';

const args = process.argv.slice(2);
const opt = (name: string, def: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const datastoreKind = opt('datastore', 'sqlite');
const podCount = Number(opt('pods', '10000'));
const watcherCount = Number(opt('watchers', '1000'));
const concurrency = 32;
const full = args.includes('--full');

function pod(i: number) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `bench-${i}`,
      namespace: 'default',
      labels: { app: 'bench', 'pod-template-hash': '5d8f7c9b6', shard: String(i % 10) },
      annotations: { 'example.com/owner': 'benchmark' },
    },
    spec: {
      // Not for the default scheduler: the benchmark measures the API server, not scheduling reactions.
      schedulerName: 'bench-none',
      containers: [
        {
          name: 'web',
          image: '127.0.0.1:5000/library/nginx:1.25.3',
          imagePullPolicy: 'IfNotPresent',
          ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
          env: [
            { name: 'MODE', value: 'production' },
            { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
          ],
          resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
          readinessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 5 },
          livenessProbe: { tcpSocket: { port: 8080 }, initialDelaySeconds: 10 },
          volumeMounts: [
            { name: 'config', mountPath: '/etc/app' },
            { name: 'cache', mountPath: '/var/cache/app' },
          ],
        },
      ],
      volumes: [
        { name: 'config', configMap: { name: 'app-config' } },
        { name: 'cache', emptyDir: {} },
      ],
      nodeSelector: { 'kubernetes.io/os': 'linux' },
      tolerations: [
        { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
      ],
    },
  };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * p))];
};

async function main() {
  const etcd = datastoreKind === 'etcd' ? await startEtcdTestServer() : undefined;
  const server = await startTestServer({
    datastore: etcd ? etcd.endpoint.replace(/^http:/, 'etcd:') : 'sqlite',
    extraArgs: full ? [] : ['--disable-controllers', '--disable-scheduler'],
  });
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency, ca: server.caPem });
  const url = new URL(server.url);
  const call = (method: string, path: string, body?: string, headers: Record<string, string> = {}, a: Agent = agent) =>
    new Promise<{ status: number; body: string; ms: number }>((resolve, reject) => {
      const t0 = performance.now();
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          method,
          path,
          agent: a,
          headers: {
            authorization: `Bearer ${server.token}`,
            'content-type': 'application/json',
            ...(body === undefined ? {} : { 'content-length': Buffer.byteLength(body) }),
            ...headers,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () => {
            // Time to the last byte: the client's own decoding of a 25 MB body is not the server's latency.
            const ms = performance.now() - t0;
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), ms });
          });
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  try {
    // Creates/s: wrk (a C load generator, 32 connections) when installed, so the client does not
    // compete with the server for the cores as a Node client would. Then exactly --pods pods
    // are created with a Node client for the list, watch and memory figures.
    let failures = 0;
    let createRate: {
      tool: string;
      warmUpSeconds?: number;
      seconds: number;
      perSecond: number;
      p50Ms?: number;
      p99Ms?: number;
    };
    if (wrkInstalled()) {
      // Into their own namespace, deleted afterwards, so the list and memory figures are for exactly --pods pods.
      await call(
        'POST',
        '/api/v1/namespaces',
        JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bench-rate' } }),
      );
      // Pods need their ServiceAccount, and no controller runs here to create `default`.
      await call(
        'POST',
        '/api/v1/namespaces/bench-rate/serviceaccounts',
        JSON.stringify({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default' } }),
      );
      const figures = wrkCreatePods({
        url: server.url,
        token: server.token,
        namespace: 'bench-rate',
        seconds: 8,
        connections: concurrency,
      });
      failures += figures.failed;
      // (A DELETE body needs its Content-Length: without it Node's server reads the body as a new,
      // malformed request, and answers that with a bare 400 while the real deletion runs on.)
      const cleared = await call(
        'DELETE',
        '/api/v1/namespaces/bench-rate/pods',
        JSON.stringify({ gracePeriodSeconds: 0 }),
      );
      if (cleared.status !== 200)
        throw new Error(`deleting the rate-test pods: ${cleared.status} ${cleared.body.slice(0, 200)}`);
      createRate = {
        tool: figures.tool,
        warmUpSeconds: 2,
        seconds: figures.seconds,
        perSecond: figures.perSecond,
        p50Ms: figures.p50Ms,
        p99Ms: figures.p99Ms,
      };
    } else {
      createRate = { tool: 'node https client', seconds: 0, perSecond: 0 };
    }
    const remaining = podCount;
    const bodies = Array.from({ length: remaining }, (_, i) => JSON.stringify(pod(i)));
    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < remaining) {
          const i = next++;
          const r = await call('POST', '/api/v1/namespaces/default/pods', bodies[i]);
          if (r.status !== 201) failures++;
        }
      }),
    );
    if (createRate.tool === 'node https client') {
      createRate.seconds = +((performance.now() - t0) / 1000).toFixed(2);
      createRate.perSecond = Math.round(remaining / createRate.seconds);
    }

    // The server's CPU time per LIST beside the wall time: CPU time hardly moves with other load on
    // the machine, so it compares two trees fairly where wall times are noisy.
    const serverCpuMs = () => {
      const fields = readFileSync(`/proc/${server.pid}/stat`, 'utf8').split(') ')[1].split(' ');
      return (Number(fields[11]) + Number(fields[12])) * 10; // utime + stime in 10 ms clock ticks
    };
    const listJson: number[] = [];
    const listJsonCpu: number[] = [];
    const listTable: number[] = [];
    let listedItems = 0;
    for (let i = 0; i < 15; i++) {
      const cpuBefore = serverCpuMs();
      const j = await call('GET', '/api/v1/namespaces/default/pods');
      listJsonCpu.push(serverCpuMs() - cpuBefore);
      listJson.push(j.ms);
      listedItems = (JSON.parse(j.body) as { items: unknown[] }).items.length;
      listTable.push(
        (
          await call('GET', '/api/v1/namespaces/default/pods', undefined, {
            accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json',
          })
        ).ms,
      );
    }

    const rss = () =>
      Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${server.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
    const rssAfterListsMb = rss();
    // The steady state: the watch cache forgets events after 75 s, and the server's idle memory
    // reducer collects once the loop is quiet (every 60 s while quiet), so wait 100 s.
    await new Promise((r) => setTimeout(r, 100_000));
    const rssSettledMb = rss();

    // 1,000 watchers on one ConfigMap name; one write; delivery time at each.
    const watchAgent = new Agent({ keepAlive: true, maxSockets: watcherCount + 10, ca: server.caPem });
    const list = JSON.parse((await call('GET', '/api/v1/namespaces/default/configmaps')).body) as {
      metadata: { resourceVersion: string };
    };
    let writeAt = 0;
    const delays: number[] = [];
    const connected: Promise<void>[] = [];
    let allSeen!: () => void;
    const seen = new Promise<void>((r) => {
      allSeen = r;
    });
    const reqs: import('node:http').ClientRequest[] = [];
    for (let i = 0; i < watcherCount; i++) {
      connected.push(
        new Promise((resolve, reject) => {
          const req = request(
            {
              host: url.hostname,
              port: url.port,
              method: 'GET',
              agent: watchAgent,
              path: `/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${list.metadata.resourceVersion}`,
              headers: { authorization: `Bearer ${server.token}` },
            },
            (res) => {
              resolve();
              res.once('data', () => {
                delays.push(performance.now() - writeAt);
                if (delays.length === watcherCount) allSeen();
              });
            },
          );
          req.on('error', reject);
          req.end();
          reqs.push(req);
        }),
      );
    }
    await Promise.all(connected);
    writeAt = performance.now();
    await call(
      'POST',
      '/api/v1/namespaces/default/configmaps',
      JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'fanout' }, data: { a: '1' } }),
    );
    await Promise.race([seen, new Promise((r) => setTimeout(r, 30000))]);
    for (const r of reqs) r.destroy();
    watchAgent.destroy();

    console.log(
      JSON.stringify(
        {
          benchmark: 'api',
          datastore: datastoreKind,
          cpus: 2,
          controlPlane: full ? 'full' : 'api-server only',
          creates: { ...createRate, concurrency, failures },
          list: {
            items: listedItems,
            jsonMedianMs: +median(listJson).toFixed(1),
            jsonServerCpuMeanMs: +(listJsonCpu.reduce((a, b) => a + b, 0) / listJsonCpu.length).toFixed(1),
            tableMedianMs: +median(listTable).toFixed(1),
          },
          watchFanout: {
            watchers: watcherCount,
            delivered: delays.length,
            p50Ms: +pct(delays, 0.5).toFixed(1),
            p99Ms: +pct(delays, 0.99).toFixed(1),
          },
          serverRss: {
            pods: listedItems,
            afterListsMb: +rssAfterListsMb.toFixed(1),
            settledAfter100sIdleMb: +rssSettledMb.toFixed(1),
          },
        },
        null,
        2,
      ),
    );
  } finally {
    agent.destroy();
    await server.stop();
    await etcd?.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
