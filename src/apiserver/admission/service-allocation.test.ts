import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../../api/object.js';
import type { WatchCache } from '../watch-cache.js';
import { allocateServiceAddresses, DEFAULT_SERVICE_RANGES } from './service-allocation.js';

/** A watch cache holding these Services (only list() is read). */
function cacheOf(services: KubeObject[]): WatchCache {
  const entries = services.map((s) => ({ namespace: s.metadata.namespace, name: s.metadata.name, object: () => s }));
  return { list: () => entries } as unknown as WatchCache;
}

const service = (name: string, spec: Record<string, unknown> = {}): KubeObject =>
  ({ apiVersion: 'v1', kind: 'Service', metadata: { namespace: 'default', name }, spec }) as KubeObject;

test('cluster IPs come from the default service range, skipping its network and .1 addresses', () => {
  const svc = service('a');
  allocateServiceAddresses(cacheOf([]), DEFAULT_SERVICE_RANGES, svc, undefined);
  const ip = (svc.spec as { clusterIP: string }).clusterIP;
  const [a, b, c, d] = ip.split('.').map(Number);
  assert.equal(`${a}.${b}`, '10.43', ip);
  assert.ok((c ?? 0) * 256 + (d ?? 0) >= 2 && (c ?? 0) * 256 + (d ?? 0) < 65535, ip);
  assert.deepEqual((svc.spec as { clusterIPs: string[] }).clusterIPs, [ip]);
});

test('a requested cluster IP must be in the range and free', () => {
  const taken = service('taken', { clusterIP: '10.43.0.20', clusterIPs: ['10.43.0.20'] });
  const ok = service('ok', { clusterIP: '10.43.7.7' });
  allocateServiceAddresses(cacheOf([taken]), DEFAULT_SERVICE_RANGES, ok, undefined);
  assert.deepEqual((ok.spec as { clusterIPs: string[] }).clusterIPs, ['10.43.7.7']);
  assert.throws(
    () =>
      allocateServiceAddresses(
        cacheOf([]),
        DEFAULT_SERVICE_RANGES,
        service('x', { clusterIP: '10.44.0.1' }),
        undefined,
      ),
    /not in the valid range. The range of valid IPs is 10.43.0.0\/16/,
  );
  assert.throws(
    () =>
      allocateServiceAddresses(cacheOf([]), DEFAULT_SERVICE_RANGES, service('y', { clusterIP: '10.43.0' }), undefined),
    /not in the valid range/,
  );
  assert.throws(
    () =>
      allocateServiceAddresses(
        cacheOf([taken]),
        DEFAULT_SERVICE_RANGES,
        service('z', { clusterIP: '10.43.0.20' }),
        undefined,
      ),
    /already allocated/,
  );
});
