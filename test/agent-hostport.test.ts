/**
 * hostPort through the CNI portmap plugin: a busybox httpd pod with a hostPort answers on
 * 127.0.0.1:<hostPort> of the node; deleting the pod removes the forwarding (the port is closed
 * again and portmap's chain for the pod is gone). Real server + in-process agent (real-node.ts).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { runCommand } from '../src/machinery/exec/run-command.js';
import { httpGet } from './helpers/http-get.js';
import { startRealNode, type RealNode } from './helpers/real-node.js';
import { until } from './helpers/wait-until.js';

let node: RealNode | undefined;

before(async () => {
  node = await startRealNode({ name: 'hostport', agent: { proxy: false, dns: false } });
});

after(async () => {
  await node?.stop();
});

test('a hostPort forwards 127.0.0.1:<hostPort> of the node to the pod; deleting the pod removes it', async () => {
  assert.ok(node);
  const hostPort = 20_000 + Math.floor(Math.random() * 20_000);
  const manifest = JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'hp', namespace: 'default' },
    spec: {
      nodeName: node.nodeName,
      terminationGracePeriodSeconds: 0,
      containers: [
        {
          name: 'web',
          image: 'busybox',
          command: [
            'sh',
            '-c',
            'mkdir -p /www && echo "hello on a hostPort" > /www/index.html && exec httpd -f -p 8080 -h /www',
          ],
          ports: [{ containerPort: 8080, hostPort }],
        },
      ],
    },
  });
  await node.kubectl(['apply', '-f', '-'], manifest);
  await node.waitForPod('hp', (p) => p.status?.phase === 'Running', 60_000);
  await until(
    `the pod through 127.0.0.1:${hostPort}`,
    async () =>
      (await httpGet(`http://127.0.0.1:${hostPort}/`, 1000).catch(() => ({ body: '' }))).body.includes(
        'hello on a hostPort',
      ),
    { timeoutMs: 15_000 },
  );
  const rules = await runCommand('iptables-save', ['-t', 'nat']);
  assert.match(rules.stdout, new RegExp(`--dport ${hostPort} .*DNAT`), 'portmap DNAT rule');

  await node.kubectl(['delete', 'pod', 'hp', '--wait=true', '--timeout=60s']);
  await until(
    'the portmap rule removed',
    async () => !(await runCommand('iptables-save', ['-t', 'nat'])).stdout.includes(`--dport ${hostPort} `),
    { timeoutMs: 30_000 },
  );
  await assert.rejects(httpGet(`http://127.0.0.1:${hostPort}/`, 1000));
});
