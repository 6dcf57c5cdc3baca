import assert from 'node:assert/strict';
import { test } from 'node:test';
import { servedGatewayTlsSecrets } from './tls-secrets.js';
import type { Gateway, GatewayClass, Listener, ReferenceGrant } from './types.js';

const classes: GatewayClass[] = [
  { metadata: { name: 'flotilla' }, spec: { controllerName: 'flotilla.dev/gateway-controller' } },
  { metadata: { name: 'other' }, spec: { controllerName: 'example.com/gateway' } },
];

const gateway = (namespace: string, className: string, listeners: Listener[]): Gateway => ({
  metadata: { namespace, name: `gw-${className}` },
  spec: { gatewayClassName: className, listeners },
});

const https = (name: string, refs: { name: string; namespace?: string; kind?: string }[], mode?: string): Listener => ({
  name,
  port: 443,
  protocol: 'HTTPS',
  tls: { ...(mode ? { mode } : {}), certificateRefs: refs },
});

const grant: ReferenceGrant = {
  metadata: { namespace: 'certs', name: 'from-web' },
  spec: {
    from: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'web' }],
    to: [{ group: '', kind: 'Secret', name: 'granted-tls' }],
  },
} as ReferenceGrant;

test("the Secrets of served Gateways' terminating HTTPS listeners; across namespaces only when granted", () => {
  const names = servedGatewayTlsSecrets(
    [
      gateway('web', 'flotilla', [
        https('a', [{ name: 'site-tls' }, { name: 'granted-tls', namespace: 'certs' }]),
        https('b', [
          { name: 'ungranted-tls', namespace: 'certs' },
          { name: 'cm', kind: 'ConfigMap' },
        ]),
        https('c', [{ name: 'passthrough-tls' }], 'Passthrough'),
        { name: 'http', port: 80, protocol: 'HTTP', tls: { certificateRefs: [{ name: 'http-tls' }] } },
      ]),
      gateway('web', 'other', [https('d', [{ name: 'other-tls' }])]),
    ],
    classes,
    [grant],
  );
  assert.deepEqual([...names].sort(), ['certs/granted-tls', 'web/site-tls']);
});
