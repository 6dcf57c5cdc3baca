import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Ingress, IngressClass } from 'kubernetes-types/networking/v1.js';
import { servedIngressTlsSecrets } from '../../../api/kinds/ingress-class.js';

const classes: IngressClass[] = [
  {
    metadata: { name: 'flotilla', annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } },
    spec: { controller: 'flotilla.dev/ingress' },
  },
  { metadata: { name: 'nginx' }, spec: { controller: 'k8s.io/ingress-nginx' } },
];

function ingress(namespace: string, name: string, secrets: string[], className?: string): Ingress {
  return {
    metadata: { namespace, name },
    spec: { ...(className ? { ingressClassName: className } : {}), tls: secrets.map((secretName) => ({ secretName })) },
  };
}

test('the TLS Secrets of served Ingresses: own class or the default class, not another controller’s', () => {
  const names = servedIngressTlsSecrets(
    [
      ingress('web', 'a', ['a-tls', 'shared-tls'], 'flotilla'),
      ingress('shop', 'b', ['b-tls']),
      ingress('web', 'c', ['nginx-tls'], 'nginx'),
      ingress('web', 'd', [], 'flotilla'),
    ],
    classes,
  );
  assert.deepEqual([...names].sort(), ['shop/b-tls', 'web/a-tls', 'web/shared-tls']);
  // Without a default class of this controller, class-less Ingresses are not served.
  assert.deepEqual([...servedIngressTlsSecrets([ingress('shop', 'b', ['b-tls'])], [classes[1]])], []);
});
