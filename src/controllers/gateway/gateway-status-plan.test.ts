import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveGateways } from '../../api/gateway/resolve.js';
import type { Gateway, GatewayClass, HTTPRoute } from '../../api/gateway/types.js';
import { mergeConditions, planGatewayStatus } from './gateway-status-plan.js';

const CONTROLLER = 'flotilla.dev/gateway-controller';
const CLASS: GatewayClass = { metadata: { name: 'flotilla', generation: 1 }, spec: { controllerName: CONTROLLER } };
const GW: Gateway = {
  metadata: { namespace: 'ns', name: 'gw', generation: 2 },
  spec: { gatewayClassName: 'flotilla', listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }] },
};
const ROUTE: HTTPRoute = {
  metadata: { namespace: 'ns', name: 'r', generation: 3 },
  spec: { parentRefs: [{ name: 'gw' }] },
  status: {
    parents: [
      {
        parentRef: { name: 'other' },
        controllerName: 'example.com/other',
        conditions: [{ type: 'Accepted', status: 'True', reason: 'Accepted', message: '', lastTransitionTime: 't0' }],
      },
    ],
  },
};

test('conditions keep their transition time while their status stays', () => {
  const old = [{ type: 'Accepted', status: 'True', reason: 'Accepted', message: 'x', lastTransitionTime: 't0' }];
  const same = mergeConditions(old, [{ type: 'Accepted', status: 'True', reason: 'Accepted', message: 'y' }], 4, 't1');
  assert.deepEqual(same, [
    {
      type: 'Accepted',
      status: 'True',
      reason: 'Accepted',
      message: 'y',
      observedGeneration: 4,
      lastTransitionTime: 't0',
    },
  ]);
  const flipped = mergeConditions(old, [{ type: 'Accepted', status: 'False', reason: 'Nope', message: '' }], 4, 't1');
  assert.equal(flipped[0].lastTransitionTime, 't1');
});

test("the plan writes class, Gateway and route status once, keeps other controllers' parents, then nothing", () => {
  const resolution = resolveGateways({
    classes: [CLASS],
    gateways: [GW],
    httpRoutes: [ROUTE],
    grants: [],
    services: [],
    namespaces: [],
    controller: CONTROLLER,
  });
  const plan = (classes: GatewayClass[], gateways: Gateway[], routes: HTTPRoute[], addresses: string[]) =>
    planGatewayStatus({
      resolution: resolveGateways({
        classes,
        gateways,
        httpRoutes: routes,
        grants: [],
        services: [],
        namespaces: [],
        controller: CONTROLLER,
      }),
      classes,
      routes: routes.map((route) => ({ kind: 'HTTPRoute' as const, route })),
      controller: CONTROLLER,
      addresses,
      now: '2026-01-01T00:00:00Z',
    });
  assert.ok(resolution.gateways.has('ns/gw'));
  const writes = plan([CLASS], [GW], [ROUTE], ['10.0.0.5']);
  assert.deepEqual(
    writes.map((w) => w.kind),
    ['GatewayClass', 'Gateway', 'HTTPRoute'],
  );
  const gw = writes[1].object as Gateway;
  assert.deepEqual(gw.status?.addresses, [{ type: 'IPAddress', value: '10.0.0.5' }]);
  assert.deepEqual(
    gw.status?.conditions?.map((c) => `${c.type}=${c.status}:${c.reason}@${c.observedGeneration}`),
    ['Accepted=True:Accepted@2', 'Programmed=True:Programmed@2'],
  );
  assert.deepEqual(
    gw.status?.listeners?.map((l) => [l.name, l.attachedRoutes]),
    [['http', 1]],
  );
  const route = writes[2].object as HTTPRoute;
  assert.deepEqual(
    route.status?.parents?.map((p) => p.controllerName),
    ['example.com/other', CONTROLLER],
  );
  // Applied, the same inputs plan nothing more.
  const again = plan([writes[0].object as GatewayClass], [gw], [route], ['10.0.0.5']);
  assert.deepEqual(again, []);
  // No Ready node address: Programmed False AddressNotAssigned.
  const noAddr = plan([CLASS], [GW], [], []);
  const g2 = noAddr.find((w) => w.kind === 'Gateway')?.object as Gateway;
  assert.equal(g2.status?.conditions?.find((c) => c.type === 'Programmed')?.reason, 'AddressNotAssigned');
});
