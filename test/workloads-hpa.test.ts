/**
 * HorizontalPodAutoscaler end to end on hollow nodes with fake metrics, driven by the real kubectl:
 * `kubectl autoscale`, `kubectl get hpa` (TARGETS cpu: N%/50%), usage raised through the pods'
 * `flotilla.dev/fake-cpu` annotation -> scaled up with a SuccessfulRescale event, lowered -> scaled
 * down once the scale-down stabilization window (3 s, set in spec.behavior) has passed.
 * The server syncs HPAs every second and caches node summaries for 500 ms (environment settings).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { createClient, type KubeClient } from '../src/machinery/client/index.js';
import { startHollowNodesWithStats, type HollowNodes, type HollowStats } from '../src/agent/hollow/index.js';
import { startTestServer, type TestServer } from './helpers/cluster.js';
import { quietPeriod, untilWith } from './helpers/wait-until.js';

let server: TestServer | undefined;
let client: KubeClient | undefined;
let hollow: HollowNodes | undefined;
let stats: HollowStats | undefined;

before(async () => {
  server = await startTestServer({
    datastore: 'memory',
    env: { FLOTILLA_HPA_SYNC_PERIOD_MS: '1000', FLOTILLA_METRICS_TTL_MS: '500' },
  });
  client = createClient({ server: server.url, caPem: server.caPem, token: server.token });
  ({ hollow, stats } = await startHollowNodesWithStats({
    client,
    log: pino({ level: 'warn' }),
    count: 2,
    namePrefix: 'hpa-node-',
    clusterCaPem: server.caPem,
    leaseRenewIntervalMs: 1000,
    statusSyncIntervalMs: 1000,
  }));
});

after(async () => {
  await hollow?.stop();
  await stats?.close();
  await client?.close();
  await server?.stop();
});

async function kubectl(args: string[], stdin?: string): Promise<string> {
  const r = await (server as TestServer).kubectl(args, stdin === undefined ? {} : { stdin });
  assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

const until = untilWith({ timeoutMs: 30_000, intervalMs: 250, retryErrors: true });

const DEPLOYMENT = `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: busybox
        resources: {requests: {cpu: 100m, memory: 64Mi}}
`;

const replicas = async (): Promise<number> =>
  Number(await kubectl(['get', 'deploy', 'web', '-o', 'jsonpath={.spec.replicas}']));

test('kubectl autoscale, get hpa, scale up on raised usage, scale down after the stabilization window', async () => {
  await kubectl(['apply', '-f', '-'], DEPLOYMENT);
  await kubectl(['autoscale', 'deployment', 'web', '--cpu-percent=50', '--min=1', '--max=4']);
  // Default fake usage: 10% of the request.
  const row = await until('hpa targets at 10%', async () => {
    const out = await kubectl(['get', 'hpa', 'web']);
    return /cpu: 10%\/50%/.test(out) && out;
  });
  assert.match(row, /^NAME\s+REFERENCE\s+TARGETS\s+MINPODS\s+MAXPODS\s+REPLICAS\s+AGE$/m);
  assert.match(row, /^web\s+Deployment\/web\s+cpu: 10%\/50%\s+1\s+4\s+1\s+\S+$/m);
  assert.equal(await replicas(), 1);

  // 90m of 100m = 90% against 50%: ceil(1 x 1.8) = 2; the new pod's 10% brings the average to 50%.
  await kubectl(['annotate', 'pods', '-l', 'app=web', 'flotilla.dev/fake-cpu=90m', '--overwrite']);
  await until('scaled up to 2', async () => (await replicas()) === 2);
  const events = await until('SuccessfulRescale event', async () => {
    const out = await kubectl([
      'get',
      'events',
      '--field-selector',
      'reason=SuccessfulRescale',
      '-o',
      'jsonpath={.items[*].message}',
    ]);
    return out.includes('New size: 2') && out;
  });
  assert.match(events, /New size: 2; reason: cpu resource utilization \(percentage of request\) above target/);
  await until(
    'two pods running',
    async () =>
      (await kubectl(['get', 'pods', '-l', 'app=web', '--field-selector=status.phase=Running', '-o', 'name']))
        .trim()
        .split('\n').length === 2,
  );
  await until('hpa at 50%, desired 2', async () => {
    const hpa = JSON.parse(await kubectl(['get', 'hpa.v2.autoscaling', 'web', '-o', 'json'])) as {
      status: {
        desiredReplicas: number;
        currentMetrics?: { resource?: { current: { averageUtilization?: number } } }[];
      };
    };
    return (
      hpa.status.desiredReplicas === 2 && hpa.status.currentMetrics?.[0]?.resource?.current.averageUtilization === 50
    );
  });
  await quietPeriod(2500, 'a usage within tolerance changes no replica count');
  assert.equal(await replicas(), 2, 'within tolerance: stays at 2');

  // A short scale-down window in behavior, then lower the usage: 5% -> ceil(2 x 0.1) = 1 after 3 s.
  await kubectl([
    'patch',
    'hpa',
    'web',
    '--type=merge',
    '-p',
    '{"spec":{"behavior":{"scaleDown":{"stabilizationWindowSeconds":3}}}}',
  ]);
  const v2 = JSON.parse(await kubectl(['get', 'hpa.v2.autoscaling', 'web', '-o', 'json'])) as {
    spec: {
      behavior: {
        scaleDown: { stabilizationWindowSeconds: number; policies: unknown[] };
        scaleUp: { policies: unknown[] };
      };
    };
  };
  assert.equal(v2.spec.behavior.scaleDown.stabilizationWindowSeconds, 3);
  assert.ok(v2.spec.behavior.scaleUp.policies.length === 2, 'scale-up rules defaulted');
  const lowered = Date.now();
  await kubectl(['annotate', 'pods', '-l', 'app=web', 'flotilla.dev/fake-cpu=5m', '--overwrite']);
  await until('hpa sees 5%', async () => /cpu: 5%\/50%/.test(await kubectl(['get', 'hpa', 'web'])));
  await until('scaled down to 1', async () => (await replicas()) === 1, { timeoutMs: 40_000 });
  assert.ok(
    Date.now() - lowered >= 2500,
    `scaled down after ${Date.now() - lowered} ms: the 3 s window was not honoured`,
  );
  const all = await kubectl([
    'get',
    'events',
    '--field-selector',
    'reason=SuccessfulRescale',
    '-o',
    'jsonpath={.items[*].message}',
  ]);
  assert.match(all, /New size: 1; reason: All metrics below target/);
  const described = await kubectl(['describe', 'hpa', 'web']);
  assert.match(described, /AbleToScale\s+True/);
  assert.match(described, /ScalingActive\s+True\s+ValidMetricFound/);
});
