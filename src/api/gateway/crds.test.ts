import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../object.js';
import { customResourceDefinitionStrategy as s } from '../kinds/custom-resource-definition.js';
import { GATEWAY_API_BUNDLE_VERSION, gatewayApiCrds } from './crds.js';

test('the Gateway API CRDs pass the CRD validation (structural schemas, every CEL rule compiles within its cost)', () => {
  const crds = gatewayApiCrds();
  assert.deepEqual(
    crds.map((c) => c.metadata?.name),
    [
      'gatewayclasses.gateway.networking.k8s.io',
      'gateways.gateway.networking.k8s.io',
      'httproutes.gateway.networking.k8s.io',
      'grpcroutes.gateway.networking.k8s.io',
      'referencegrants.gateway.networking.k8s.io',
    ],
  );
  for (const c of crds) {
    const obj = c as unknown as KubeObject;
    s.applyDefaults?.(obj);
    const errs = (s.validate?.(obj) ?? []).map((e) => `${e.field}: ${e.message}`);
    assert.deepEqual(errs, [], c.metadata?.name);
    assert.equal(c.metadata?.annotations?.['gateway.networking.k8s.io/bundle-version'], GATEWAY_API_BUNDLE_VERSION);
  }
});
