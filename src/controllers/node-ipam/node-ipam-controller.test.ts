import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { FakeClient } from '../../machinery/client/testing/fake-client.js';
import { Informer } from '../../machinery/client/informer.js';
import { nodeIpamReconciler } from './node-ipam-controller.js';
import { NODES } from '../../machinery/resources/well-known.js';

const log = pino({ level: 'silent' });
const node = (name: string, podCIDR?: string) => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name },
  spec: podCIDR ? { podCIDR, podCIDRs: [podCIDR] } : {},
});

async function setup(...nodes: ReturnType<typeof node>[]) {
  const fake = new FakeClient();
  fake.seed(NODES, ...nodes);
  const nodesInf = new Informer(fake, NODES, { log });
  nodesInf.start();
  await nodesInf.waitForSync();
  return { fake, nodesInf, reconcile: nodeIpamReconciler({ client: fake, nodes: nodesInf, log }) };
}

test('a node without a range gets the lowest free /24, never one another node holds', async () => {
  const { fake, nodesInf, reconcile } = await setup(node('a', '10.42.0.0/24'), node('b'));
  await reconcile({ namespace: '', name: 'b' });
  assert.deepEqual(fake.actions, [
    {
      verb: 'patch',
      resource: 'nodes',
      namespace: '',
      name: 'b',
      body: { spec: { podCIDR: '10.42.1.0/24', podCIDRs: ['10.42.1.0/24'] } },
    },
  ]);
  await reconcile({ namespace: '', name: 'a' });
  await reconcile({ namespace: '', name: 'b' });
  assert.equal(fake.actions.length, 1, 'stable: nothing more to do');
  await nodesInf.stop();
});

test('a deleted node frees its range for a later node', async () => {
  const fake = new FakeClient();
  fake.seed(NODES, node('a', '10.42.0.0/24'));
  const nodesInf = new Informer(fake, NODES, { log });
  nodesInf.start();
  await nodesInf.waitForSync();
  const reconcile = nodeIpamReconciler({
    client: fake,
    nodes: nodesInf,
    log,
    clusterCidr: '10.42.0.0/23',
    nodeMaskSize: 24,
  });
  await reconcile({ namespace: '', name: 'a' });
  await fake.delete(NODES, '', 'a');
  await reconcile({ namespace: '', name: 'a' });
  await fake.create(NODES, '', node('c'));
  await fake.create(NODES, '', node('d'));
  await reconcile({ namespace: '', name: 'c' });
  await reconcile({ namespace: '', name: 'd' });
  assert.deepEqual(
    fake.actions.filter((x) => x.verb === 'patch').map((x) => [x.name, x.body]),
    [
      ['c', { spec: { podCIDR: '10.42.0.0/24', podCIDRs: ['10.42.0.0/24'] } }],
      ['d', { spec: { podCIDR: '10.42.1.0/24', podCIDRs: ['10.42.1.0/24'] } }],
    ],
  );
  await nodesInf.stop();
});

test('an exhausted range asks to look again later', async () => {
  const fake = new FakeClient();
  fake.seed(NODES, node('a', '10.42.0.0/24'), node('b'));
  const nodesInf = new Informer(fake, NODES, { log });
  nodesInf.start();
  await nodesInf.waitForSync();
  const reconcile = nodeIpamReconciler({
    client: fake,
    nodes: nodesInf,
    log,
    clusterCidr: '10.42.0.0/24',
    nodeMaskSize: 24,
    exhaustedRetryMs: 9,
  });
  assert.deepEqual(await reconcile({ namespace: '', name: 'b' }), { requeueAfterMs: 9 });
  assert.deepEqual(fake.actions, []);
  await nodesInf.stop();
});
