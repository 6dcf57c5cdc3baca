import assert from 'node:assert/strict';
import { until } from '../../testing/until.js';
import { test } from 'node:test';
import pino from 'pino';
import type { Node, Service } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../api/object.js';
import { FakeClient } from '../../machinery/client/testing/fake-client.js';
import { Informer } from '../../machinery/client/informer.js';
import { chooseIngress, nodeAddresses, parseLbPool } from './lb-addresses.js';
import { serviceLbReconciler } from './servicelb-controller.js';
import { NODES, SERVICES } from '../../machinery/resources/well-known.js';

const log = pino({ level: 'silent' });
function lb(
  name: string,
  port: number,
  created: string,
  ingress?: string[],
  extra: Partial<NonNullable<Service['spec']>> = {},
): Service {
  return {
    metadata: { namespace: 'default', name, creationTimestamp: created },
    spec: {
      type: 'LoadBalancer',
      clusterIP: '10.43.0.9',
      ports: [{ port, protocol: 'TCP', nodePort: 30000 + port }],
      ...extra,
    },
    status: { loadBalancer: ingress ? { ingress: ingress.map((ip) => ({ ip })) } : {} },
  };
}
function node(name: string, ip: string, ready = true): Node {
  return {
    metadata: { name },
    status: {
      addresses: [
        { type: 'InternalIP', address: ip },
        { type: 'Hostname', address: name },
      ],
      conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
    },
  };
}

test('parseLbPool: addresses, ranges and CIDRs in order; bad items named', () => {
  assert.deepEqual(parseLbPool('192.168.9.10, 192.168.9.20-192.168.9.21,10.9.0.0/30,192.168.9.10'), [
    '192.168.9.10',
    '192.168.9.20',
    '192.168.9.21',
    '10.9.0.1',
    '10.9.0.2',
  ]);
  assert.deepEqual(parseLbPool('10.9.0.4/32'), ['10.9.0.4']);
  assert.deepEqual(parseLbPool(''), []);
  assert.throws(() => parseLbPool('10.9.0.300'), /"10\.9\.0\.300": not an IPv4 address/);
  assert.throws(() => parseLbPool('10.9.0.9-10.9.0.1'), /first <= last/);
  assert.throws(() => parseLbPool('10.0.0.0/8'), /16\.\.32/);
});

test("without a pool: Ready nodes' InternalIPs; a younger Service on the same port stays pending", () => {
  const nodes = [node('b', '192.168.9.2'), node('a', '192.168.9.1'), node('c', '192.168.9.3', false)];
  assert.deepEqual(nodeAddresses(nodes), ['192.168.9.1', '192.168.9.2']);
  assert.deepEqual(nodeAddresses([node('c', '192.168.9.3', false)]), ['192.168.9.3']);
  const first = lb('first', 80, '2026-01-01T00:00:00Z');
  const second = lb('second', 80, '2026-01-02T00:00:00Z');
  const other = lb('other', 443, '2026-01-03T00:00:00Z');
  assert.deepEqual(chooseIngress(first, [first, second, other], [], nodes), ['192.168.9.1', '192.168.9.2']);
  assert.deepEqual(chooseIngress(second, [first, second, other], [], nodes), []);
  assert.deepEqual(chooseIngress(other, [first, second, other], [], nodes), ['192.168.9.1', '192.168.9.2']);
  // Another provider's class is not a rival.
  assert.deepEqual(
    chooseIngress(second, [lb('first', 80, '2026-01-01T00:00:00Z', [], { loadBalancerClass: 'x.io/lb' })], [], nodes),
    ['192.168.9.1', '192.168.9.2'],
  );
});

test('with a pool: one address each, kept while valid; shared when ports differ; pending when full', () => {
  const pool = ['10.9.0.1', '10.9.0.2'];
  const a = lb('a', 80, '2026-01-01T00:00:00Z', ['10.9.0.1']);
  const b = lb('b', 80, '2026-01-02T00:00:00Z');
  const c = lb('c', 443, '2026-01-03T00:00:00Z');
  assert.deepEqual(chooseIngress(a, [a, b, c], pool, []), ['10.9.0.1']);
  assert.deepEqual(chooseIngress(b, [a, b, c], pool, []), ['10.9.0.2']);
  const b2 = lb('b', 80, '2026-01-02T00:00:00Z', ['10.9.0.2']);
  assert.deepEqual(chooseIngress(c, [a, b2, c], pool, []), ['10.9.0.1']); // port 443 is free on the first address
  const d = lb('d', 80, '2026-01-04T00:00:00Z');
  assert.deepEqual(chooseIngress(d, [a, b2, d], pool, []), []);
  // An address that left the pool is replaced.
  assert.deepEqual(chooseIngress(lb('e', 8080, '2026-01-05T00:00:00Z', ['10.8.0.1']), [], pool, []), ['10.9.0.1']);
});

test('reconcile: writes the ingress through services/status once; clears it when no longer a LoadBalancer', async () => {
  const fake = new FakeClient();
  fake.seed(NODES, node('n1', '192.168.9.1') as KubeObject);
  fake.seed(SERVICES, lb('web', 80, '2026-01-01T00:00:00Z') as KubeObject, {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { namespace: 'default', name: 'plain' },
    spec: { clusterIP: '10.43.0.8', ports: [{ port: 80 }] },
    status: { loadBalancer: {} },
  });
  const services = new Informer<KubeObject & Service>(fake, SERVICES, { log });
  const nodes = new Informer<KubeObject & Node>(fake, NODES, { log });
  services.start();
  nodes.start();
  await Promise.all([services.waitForSync(), nodes.waitForSync()]);
  const reconcile = serviceLbReconciler({ client: fake, services, nodes, pool: [] });
  await reconcile({ namespace: 'default', name: 'plain' });
  assert.equal(fake.actions.length, 0);
  await reconcile({ namespace: 'default', name: 'web' });
  assert.deepEqual(
    fake.actions.map((x) => [x.verb, x.name, x.subresource]),
    [['update', 'web', 'status']],
  );
  assert.deepEqual((fake.actions[0]?.body as Service | undefined)?.status?.loadBalancer, {
    ingress: [{ ip: '192.168.9.1' }],
  });
  await until('the informer sees the ingress', () => services.get('default', 'web')?.status?.loadBalancer?.ingress);
  await reconcile({ namespace: 'default', name: 'web' });
  assert.equal(fake.actions.length, 1, 'no-op when up to date');
  const web = services.get('default', 'web') ?? assert.fail('web is in the cache');
  await fake.update(SERVICES, 'default', { ...web, spec: { ...web.spec, type: 'ClusterIP' } });
  await until('the informer sees the type change', () => services.get('default', 'web')?.spec?.type === 'ClusterIP');
  await reconcile({ namespace: 'default', name: 'web' });
  assert.deepEqual((fake.actions.at(-1)?.body as Service | undefined)?.status?.loadBalancer, {});
  await services.stop();
  await nodes.stop();
});
