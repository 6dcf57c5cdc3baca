import assert from 'node:assert/strict';
import { test } from 'node:test';
import pino from 'pino';
import type { Node } from 'kubernetes-types/core/v1.js';
import type { Ingress, IngressClass } from 'kubernetes-types/networking/v1.js';
import type { KubeObject } from '../../api/object.js';
import { FakeClient } from '../../machinery/client/testing/fake-client.js';
import { Informer } from '../../machinery/client/informer.js';
import { INGRESS_CLASSES, INGRESSES, NODES } from '../../machinery/resources/well-known.js';
import { until } from '../../testing/until.js';
import { ingressStatusReconciler } from './ingress-status-controller.js';

const log = pino({ level: 'silent' });
const node = (name: string, ip: string, ready = true): KubeObject =>
  ({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name },
    status: {
      addresses: [{ type: 'InternalIP', address: ip }],
      conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
    },
  }) as Node as KubeObject;
const ingress = (name: string, cls?: string): KubeObject =>
  ({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { namespace: 'default', name },
    spec: {
      ...(cls ? { ingressClassName: cls } : {}),
      defaultBackend: { service: { name: 's', port: { number: 80 } } },
    },
  }) as Ingress as KubeObject;

test("reconcile: the built-in class's Ingresses get the Ready nodes' addresses once; other classes untouched", async () => {
  const fake = new FakeClient();
  fake.seed(NODES, node('n2', '192.168.9.2'), node('n1', '192.168.9.1'), node('n3', '192.168.9.3', false));
  fake.seed(
    INGRESS_CLASSES,
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'IngressClass',
      metadata: { name: 'flotilla', annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } },
      spec: { controller: 'flotilla.dev/ingress' },
    } as IngressClass as KubeObject,
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'IngressClass',
      metadata: { name: 'nginx' },
      spec: { controller: 'x' },
    } as IngressClass as KubeObject,
  );
  fake.seed(INGRESSES, ingress('web'), ingress('other', 'nginx'));
  const ingresses = new Informer<KubeObject & Ingress>(fake, INGRESSES, { log });
  const classes = new Informer<KubeObject & IngressClass>(fake, INGRESS_CLASSES, { log });
  const nodes = new Informer<KubeObject & Node>(fake, NODES, { log });
  for (const i of [ingresses, classes, nodes]) i.start();
  await Promise.all([ingresses.waitForSync(), classes.waitForSync(), nodes.waitForSync()]);
  const reconcile = ingressStatusReconciler({ client: fake, ingresses, classes, nodes });
  await reconcile({ namespace: 'default', name: 'other' });
  assert.equal(fake.actions.length, 0);
  await reconcile({ namespace: 'default', name: 'web' });
  assert.deepEqual(
    fake.actions.map((x) => [x.verb, x.name, x.subresource]),
    [['update', 'web', 'status']],
  );
  assert.deepEqual((fake.actions[0]?.body as Ingress | undefined)?.status?.loadBalancer, {
    ingress: [{ ip: '192.168.9.1' }, { ip: '192.168.9.2' }],
  });
  await until('the informer sees the status', () => ingresses.get('default', 'web')?.status?.loadBalancer?.ingress);
  await reconcile({ namespace: 'default', name: 'web' });
  assert.equal(fake.actions.length, 1, 'no-op when up to date');
  await Promise.all([ingresses.stop(), classes.stop(), nodes.stop()]);
});
