/**
 * The scheduler inside a real `flotilla server`, driven by the real kubectl: three Nodes created
 * through the API, pods with requests, nodeSelector, taints and tolerations applied with
 * `kubectl apply`; each lands where Kubernetes would put it, and a pod that fits nowhere stays
 * Pending with Kubernetes' FailedScheduling event.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from './helpers/cluster.js';
import { untilWith } from './helpers/wait-until.js';

let server: TestServer;

before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server?.stop();
});

async function kubectl(args: string[], stdin?: string): Promise<string> {
  const r = await server.kubectl(args, stdin === undefined ? {} : { stdin });
  assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

const until = untilWith({ timeoutMs: 15_000 });

/** A Node manifest; its capacity is set apart, through the status subresource (nodeStatus). */
function node(name: string, labels: Record<string, string>, taints = ''): string {
  return `apiVersion: v1
kind: Node
metadata:
  name: ${name}
  labels: ${JSON.stringify({ 'kubernetes.io/hostname': name, ...labels })}
spec: ${taints ? `{taints: ${taints}}` : '{}'}
`;
}

function nodeStatus(cpu: string): string {
  const alloc = { cpu, memory: '8Gi', pods: '110', 'ephemeral-storage': '50Gi' };
  return JSON.stringify({
    status: {
      capacity: alloc,
      allocatable: alloc,
      conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'ready' }],
    },
  });
}

function pod(name: string, cpu: string, extra = ''): string {
  return `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
spec:
  containers:
  - name: c
    image: busybox
    resources: {requests: {cpu: "${cpu}"}}
${extra}---
`;
}

test('pods land on the nodes Kubernetes would choose; a pod that fits nowhere gets FailedScheduling', {
  timeout: 60_000,
}, async () => {
  const nodes: [string, string, Record<string, string>, string][] = [
    ['node-a', '2', { disk: 'ssd' }, ''],
    ['node-b', '4', { disk: 'hdd' }, ''],
    ['node-c', '8', { accelerator: 'gpu' }, '[{key: dedicated, value: gpu, effect: NoSchedule}]'],
  ];
  await kubectl(['apply', '-f', '-'], nodes.map(([n, , l, t]) => node(n, l, t)).join('---\n'));
  for (const [n, cpu] of nodes)
    await kubectl(['patch', 'node', n, '--subresource=status', '--type=merge', '-p', nodeStatus(cpu)]);

  await kubectl(
    ['apply', '-f', '-'],
    [
      pod('web', '3'),
      pod('on-ssd', '500m', '  nodeSelector: {disk: ssd}\n'),
      pod(
        'on-gpu',
        '1',
        '  tolerations: [{key: dedicated, operator: Equal, value: gpu, effect: NoSchedule}]\n  affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: [{matchExpressions: [{key: accelerator, operator: In, values: [gpu]}]}]}}}\n',
      ),
      pod('huge', '6'),
    ].join(''),
  );

  const placed = await until('three pods bound', async () => {
    const out = await kubectl([
      'get',
      'pods',
      '-o',
      'jsonpath={range .items[*]}{.metadata.name}={.spec.nodeName}{"\\n"}{end}',
    ]);
    const m = Object.fromEntries(
      out
        .trim()
        .split('\n')
        .map((l) => l.split('=')),
    );
    return m.web && m['on-ssd'] && m['on-gpu'] ? m : undefined;
  });
  assert.equal(placed.web, 'node-b');
  assert.equal(placed['on-ssd'], 'node-a');
  assert.equal(placed['on-gpu'], 'node-c');
  assert.equal(placed.huge, '');

  const message = await until('FailedScheduling event of huge', async () => {
    const out = await kubectl([
      'get',
      'events',
      '--field-selector',
      'involvedObject.name=huge,reason=FailedScheduling',
      '-o',
      'jsonpath={.items[*].message}',
    ]);
    return out.trim() || undefined;
  });
  assert.equal(
    message,
    '0/3 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}, 2 Insufficient cpu. preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.',
  );
  const events = await kubectl(['get', 'events', '--field-selector', 'involvedObject.name=huge']);
  assert.match(
    events,
    /Warning\s+FailedScheduling\s+pod\/huge\s+0\/3 nodes are available: 1 node\(s\) had untolerated taint \{dedicated: gpu\}, 2 Insufficient cpu\./,
  );

  const huge = JSON.parse(await kubectl(['get', 'pod', 'huge', '-o', 'json'])) as {
    status: { phase: string; conditions?: { type: string; status: string; reason?: string }[] };
  };
  assert.equal(huge.status.phase, 'Pending');
  const cond = huge.status.conditions?.find((c) => c.type === 'PodScheduled');
  assert.equal(cond?.status, 'False');
  assert.equal(cond?.reason, 'Unschedulable');

  const scheduled = await until('Scheduled event of web', async () => {
    const out = await kubectl([
      'get',
      'events',
      '--field-selector',
      'involvedObject.name=web,reason=Scheduled',
      '-o',
      'jsonpath={.items[*].message}',
    ]);
    return out.trim() || undefined;
  });
  assert.equal(scheduled, 'Successfully assigned default/web to node-b');

  // A new node with room: the unschedulable pod is retried at once (cluster event) and lands there.
  await kubectl(['apply', '-f', '-'], node('node-d', {}));
  await kubectl(['patch', 'node', 'node-d', '--subresource=status', '--type=merge', '-p', nodeStatus('16')]);
  const hugeNode = await until(
    'huge bound after node-d joined',
    async () => (await kubectl(['get', 'pod', 'huge', '-o', 'jsonpath={.spec.nodeName}'])).trim() || undefined,
  );
  assert.equal(hugeNode, 'node-d');
});
