import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { IngressClass } from 'kubernetes-types/networking/v1.js';
import { defaultIngressClass } from './default-ingress-class.js';

const cls = (name: string, isDefault: boolean, created: string): IngressClass => ({
  metadata: {
    name,
    creationTimestamp: created,
    ...(isDefault ? { annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } } : {}),
  },
  spec: { controller: `x/${name}` },
});

test('the default IngressClass: the annotated one; the newest of several; none without', () => {
  assert.equal(defaultIngressClass([cls('a', false, '2026-01-01T00:00:00Z')]), undefined);
  assert.equal(
    defaultIngressClass([cls('a', false, '2026-01-01T00:00:00Z'), cls('b', true, '2026-01-01T00:00:00Z')]),
    'b',
  );
  assert.equal(
    defaultIngressClass([cls('old', true, '2026-01-01T00:00:00Z'), cls('new', true, '2026-02-01T00:00:00Z')]),
    'new',
  );
});
