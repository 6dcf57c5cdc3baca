/**
 * Service proxy end to end with real containers and real nftables: a Deployment of 2 busybox httpd
 * replicas (each serving its hostname) behind a ClusterIP Service, applied with the real kubectl to
 * a server + in-process agent (own bridge, own pod /24, own table `flotilla-proxy-<bridge>`).
 * From the host: the ClusterIP answers, requests reach both replicas; a replica whose readiness
 * probe starts failing stops receiving traffic; scaled to 0 the connection
 * is refused at once (icmp port-unreachable). Runs as root; removes the table, route, bridge.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { runCommand } from '../src/machinery/exec/run-command.js';
import type { TestServer } from './helpers/cluster.js';
import { startRealNode, type RealNode } from './helpers/real-node.js';
import { untilWith } from './helpers/wait-until.js';
import { httpGet } from './helpers/http-get.js';

let node: RealNode | undefined;
let server: TestServer;
let BRIDGE = '';
let TABLE = '';
let clusterIP = '';

before(async () => {
  node = await startRealNode({ name: 'proxy-test' });
  server = node.server;
  BRIDGE = node.bridge;
  TABLE = `flotilla-proxy-${BRIDGE}`;
});

// The agent deletes its proxy table when it stops.
after(async () => {
  if (clusterIP) await runCommand('ip', ['route', 'del', `${clusterIP}/32`], { allowFailure: true });
  await node?.stop();
});

const MANIFEST = `
apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: default }
spec:
  replicas: 2
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: httpd
        image: busybox
        command: ['sh', '-c', 'mkdir /www; hostname > /www/index.html; touch /tmp/ready; exec httpd -f -p 8080 -h /www']
        ports: [{ containerPort: 8080 }]
        readinessProbe: { exec: { command: ['test', '-f', '/tmp/ready'] }, periodSeconds: 1 }
---
apiVersion: v1
kind: Service
metadata: { name: web, namespace: default }
spec:
  selector: { app: web }
  ports: [{ port: 80, targetPort: 8080 }]
`;

const get = async (url: string): Promise<string> => (await httpGet(url, 2000)).body;

const until = untilWith({ timeoutMs: 30_000, retryErrors: true });

test('ClusterIP balances over both replicas from the host; scaled to 0 it refuses at once', async () => {
  const applied = await server.kubectl(['apply', '-f', '-'], { stdin: MANIFEST });
  assert.equal(applied.code, 0, applied.stderr);
  const rollout = await server.kubectl(['rollout', 'status', 'deployment/web', '--timeout=60s']);
  assert.equal(rollout.code, 0, rollout.stderr);
  const ip = await server.kubectl(['get', 'service', 'web', '-o', 'jsonpath={.spec.clusterIP}']);
  clusterIP = ip.stdout.trim();
  assert.match(clusterIP, /^10\.43\./);
  // The host may hold the 10.43.0.0/16 blackhole of a `flotilla up` (connect() would fail EINVAL): route this IP to our bridge.
  await runCommand('ip', ['route', 'replace', `${clusterIP}/32`, 'dev', BRIDGE]);

  const names = await server.kubectl(['get', 'pods', '-l', 'app=web', '-o', 'jsonpath={.items[*].metadata.name}']);
  const pods = names.stdout.trim().split(/\s+/).sort();
  assert.equal(pods.length, 2);

  const first = await until('the ClusterIP to answer', () => get(`http://${clusterIP}/`));
  assert.ok(pods.includes(first.trim()), `answer ${first} from one of ${pods.join(',')}`);
  const seen = new Map<string, number>();
  for (let i = 0; i < 40; i++) {
    const body = (await get(`http://${clusterIP}/`)).trim();
    seen.set(body, (seen.get(body) ?? 0) + 1);
  }
  process.stdout.write(`# 40 requests through ${clusterIP}: ${JSON.stringify(Object.fromEntries(seen))}\n`);
  assert.deepEqual([...seen.keys()].sort(), pods);

  const rules = await runCommand('nft', ['list', 'table', 'ip', TABLE]);
  assert.match(rules.stdout, new RegExp(`${clusterIP.replace(/\./g, '\\.')} \\. tcp \\. 80 : goto svc-`));
  assert.match(rules.stdout, /dnat ip to numgen random mod 2 map/);

  // A replica that turns unready (its readiness probe starts failing) stops receiving traffic.
  const [unready, ready] = pods as [string, string];
  const rm = await server.kubectl(['exec', unready, '--', 'rm', '/tmp/ready']);
  assert.equal(rm.code, 0, rm.stderr);
  await until(`${unready} not ready in the EndpointSlice`, async () => {
    const r = await server.kubectl([
      'get',
      'endpointslices',
      '-l',
      'kubernetes.io/service-name=web',
      '-o',
      `jsonpath={.items[*].endpoints[?(@.targetRef.name=="${unready}")].conditions.ready}`,
    ]);
    return r.stdout.trim() === 'false' || undefined;
  });
  const answers = await until('only the ready replica answers', async () => {
    const bodies: string[] = [];
    for (let i = 0; i < 20; i++) bodies.push((await get(`http://${clusterIP}/`)).trim());
    return bodies.every((b) => b === ready) ? bodies : undefined;
  });
  process.stdout.write(`# ${unready} unready: ${answers.length} requests all answered by ${ready}\n`);

  const scaled = await server.kubectl(['scale', 'deployment/web', '--replicas=0']);
  assert.equal(scaled.code, 0, scaled.stderr);
  const err = await until('connection refused', async () => {
    try {
      await get(`http://${clusterIP}/`);
      return undefined;
    } catch (e) {
      return (e as NodeJS.ErrnoException).code === 'ECONNREFUSED' ? e : undefined;
    }
  });
  assert.ok(err);
  const t0 = performance.now();
  await assert.rejects(get(`http://${clusterIP}/`), (e: NodeJS.ErrnoException) => e.code === 'ECONNREFUSED');
  const refusedMs = performance.now() - t0;
  process.stdout.write(`# refused in ${refusedMs.toFixed(1)} ms\n`);
  assert.ok(refusedMs < 500, `refused in ${refusedMs} ms`);
  // A terminating pod whose server has exited refuses too (it stays a serving-terminating fallback
  // endpoint until it is gone), so wait for the reject entry rather than expecting it at once.
  const rejectEntry = new RegExp(`${clusterIP.replace(/\./g, '\\.')} \\. tcp \\. 80 : goto reject-chain`);
  await until(
    'the reject entry',
    async () =>
      rejectEntry.test((await runCommand('nft', ['list', 'map', 'ip', TABLE, 'no-endpoint-services'])).stdout) ||
      undefined,
  );
});
