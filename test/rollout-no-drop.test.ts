/**
 * Rollouts and scale-downs drop no request: a 3-replica busybox httpd Deployment with a readiness
 * probe behind a ClusterIP Service, on a real server + in-process agent (real runc, real nftables).
 * Its containers exit at once on SIGTERM (the harshest app), so a pod signalled while a proxy still
 * sends it new connections shows up as refused ones. Steady traffic from the host to the ClusterIP
 * (new connections and a keep-alive agent) runs through `kubectl rollout restart` and a scale-down
 * 3 -> 1; every request must be answered: the agent signals a deleted pod only once its address is
 * out of the node's proxy. Runs as root; removes the route, table, bridge and containers.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { runCommand } from '../src/machinery/exec/run-command.js';
import { startRealNode, type RealNode } from './helpers/real-node.js';
import { startTraffic, summarize, type TrafficRecord } from './helpers/steady-traffic.js';
import { untilWith } from './helpers/wait-until.js';
import { httpGet } from './helpers/http-get.js';

let node: RealNode | undefined;
const theNode = (): RealNode => {
  if (!node) throw new Error('no node');
  return node;
};
let clusterIP = '';

before(async () => {
  node = await startRealNode({ name: 'no-drop' });
});

after(async () => {
  if (clusterIP) await runCommand('ip', ['route', 'del', `${clusterIP}/32`], { allowFailure: true });
  await node?.stop();
});

// The shell exits on SIGTERM at once (and takes httpd with it): no graceful shutdown to hide behind.
const SCRIPT = [
  'mkdir /www',
  'hostname > /www/index.html',
  'touch /tmp/ready',
  'trap "exit 0" TERM',
  'httpd -p 8080 -h /www',
  'while true; do sleep 1 & wait $!; done',
].join('; ');

const MANIFEST = `
apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: default }
spec:
  replicas: 3
  selector: { matchLabels: { app: web } }
  strategy: { type: RollingUpdate, rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } }
  template:
    metadata: { labels: { app: web } }
    spec:
      terminationGracePeriodSeconds: 6
      containers:
      - name: httpd
        image: busybox
        command: ['sh', '-c', '${SCRIPT}']
        ports: [{ containerPort: 8080 }]
        readinessProbe: { httpGet: { path: /, port: 8080 }, periodSeconds: 1 }
---
apiVersion: v1
kind: Service
metadata: { name: web, namespace: default }
spec:
  selector: { app: web }
  ports: [{ port: 80, targetPort: 8080 }]
`;

const until = untilWith({ timeoutMs: 90_000, intervalMs: 200, retryErrors: true });

const RATE = 40;

async function podNames(): Promise<string[]> {
  const r = await theNode().server.kubectl([
    'get',
    'pods',
    '-l',
    'app=web',
    '-o',
    'jsonpath={.items[*].metadata.name}',
  ]);
  return r.stdout.trim().split(/\s+/).filter(Boolean);
}

function report(what: string, rec: TrafficRecord): ReturnType<typeof summarize> {
  const s = summarize(rec);
  process.stdout.write(`# ${what}: ${JSON.stringify(s)} ${JSON.stringify(rec.failures.slice(0, 5))}\n`);
  return s;
}

test('a rolling update and a scale-down under steady traffic through the ClusterIP: no request fails', async () => {
  const server = theNode().server;
  const applied = await server.kubectl(['apply', '-f', '-'], { stdin: MANIFEST });
  assert.equal(applied.code, 0, applied.stderr);
  const rollout = await server.kubectl(['rollout', 'status', 'deployment/web', '--timeout=90s']);
  assert.equal(rollout.code, 0, rollout.stderr);
  clusterIP = (await server.kubectl(['get', 'service', 'web', '-o', 'jsonpath={.spec.clusterIP}'])).stdout.trim();
  assert.match(clusterIP, /^10\.43\./);
  // The host may hold the 10.43.0.0/16 blackhole of a `flotilla up`: route this IP to our bridge.
  await runCommand('ip', ['route', 'replace', `${clusterIP}/32`, 'dev', theNode().bridge]);
  const url = `http://${clusterIP}/`;
  await until('the ClusterIP to answer from every replica', async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 30; i++) seen.add((await httpGet(url, 2000)).body.trim());
    return seen.size === 3 || undefined;
  });
  const before = await podNames();

  // Rolling update: every old pod is replaced (one surge at a time) and deleted while traffic flows.
  let traffic = startTraffic({ url, rate: RATE });
  const restart = await server.kubectl(['rollout', 'restart', 'deployment/web']);
  assert.equal(restart.code, 0, restart.stderr);
  const done = await server.kubectl(['rollout', 'status', 'deployment/web', '--timeout=90s']);
  assert.equal(done.code, 0, done.stderr);
  await until('the old pods gone', async () => {
    const now = await podNames();
    return (now.length === 3 && now.every((p) => !before.includes(p))) || undefined;
  });
  const rolled = report('rolling update', await traffic.stop());
  assert.ok(rolled.requests > RATE * 3, `enough traffic: ${rolled.requests}`);
  assert.deepEqual(rolled.failures, {}, 'no request failed during the rolling update');

  // Scale-down 3 -> 1: two ready pods are deleted at once.
  traffic = startTraffic({ url, rate: RATE });
  await new Promise((r) => setTimeout(r, 1000));
  const scaled = await server.kubectl(['scale', 'deployment/web', '--replicas=1']);
  assert.equal(scaled.code, 0, scaled.stderr);
  await until('two pods gone', async () => ((await podNames()).length === 1 ? true : undefined));
  const down = report('scale-down 3 -> 1', await traffic.stop());
  assert.deepEqual(down.failures, {}, 'no request failed during the scale-down');
});
