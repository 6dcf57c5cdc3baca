/**
 * A real node agent (node certificate `system:node:<name>`, group system:nodes) against a server
 * with `--authorization-mode RBAC`: it registers, gets its serving certificate approved (a node's
 * own kubelet-serving request), runs a pod, and the API server's logs and exec through it keep
 * working, while the node's credential cannot do admin things.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { SECRETS } from '../src/machinery/resources/well-known.js';
import { ClientError } from '../src/machinery/client/client-error.js';
import { startRealNode, type RealNode } from './helpers/real-node.js';

let node: RealNode;

before(async () => {
  node = await startRealNode({
    name: 'rbac',
    server: { extraArgs: ['--authorization-mode', 'RBAC'] },
    credentials: 'node-certificate',
  });
});
after(async () => {
  await node?.stop();
});

test('the agent runs pods, logs and exec work, under RBAC', async () => {
  await node.kubectl([
    'run',
    'hello',
    '--image=busybox',
    '--image-pull-policy=Never',
    '--command',
    '--',
    'sh',
    '-c',
    'echo hi from rbac; sleep 3600',
  ]);
  await node.waitForPod('hello', (p) => p.status?.phase === 'Running', 60_000);
  const logs = await node.kubectl(['logs', 'hello']);
  assert.match(logs, /hi from rbac/);
  assert.equal((await node.kubectl(['exec', 'hello', '--', 'echo', 'exec ok'])).trim(), 'exec ok');
  // The node's credential is not an admin's.
  await assert.rejects(
    node.client.create(SECRETS, 'default', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x' } }),
    (e: unknown) => e instanceof ClientError && e.code === 403,
  );
});
