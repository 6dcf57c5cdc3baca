import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { KubeObject } from '../api/object.js';
import { ADVERTISE_ANNOTATION, apiServerLeaseName, liveApiServers } from './api-endpoints-reconciler.js';

const now = Date.parse('2026-01-01T00:00:30Z');
function lease(address: string | undefined, renewTime: string, duration = 15): KubeObject & Lease {
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name: 'x', annotations: address ? { [ADVERTISE_ANNOTATION]: address } : {} },
    spec: { leaseDurationSeconds: duration, renewTime },
  };
}

test('liveApiServers: servers whose Lease has not expired, sorted by address, without duplicates', () => {
  const live = liveApiServers(
    [
      lease('10.0.0.254:6443', '2026-01-01T00:00:20.000000Z'),
      lease('10.0.0.9:6443', '2026-01-01T00:00:29.000000Z'),
      lease('10.0.0.10:6443', '2026-01-01T00:00:29.000000Z'),
      lease('10.0.0.10:6443', '2026-01-01T00:00:25.000000Z'),
      // expired: renewed 16 s ago with a 15 s duration
      lease('10.0.0.3:6443', '2026-01-01T00:00:14.000000Z'),
      // exactly at expiry counts as expired
      lease('10.0.0.4:6443', '2026-01-01T00:00:15.000000Z'),
      lease(undefined, '2026-01-01T00:00:29.000000Z'),
      lease('no-port', '2026-01-01T00:00:29.000000Z'),
      lease('10.0.0.5:6443', 'not a time'),
    ],
    now,
  );
  assert.deepEqual(live, [
    { ip: '10.0.0.9', port: 6443 },
    { ip: '10.0.0.10', port: 6443 },
    { ip: '10.0.0.254', port: 6443 },
  ]);
});

test('apiServerLeaseName: a valid Lease name from any identity, stable', () => {
  const name = apiServerLeaseName('My_Host_0123456789');
  assert.match(name, /^apiserver-[0-9a-f]{10}$/);
  assert.equal(apiServerLeaseName('My_Host_0123456789'), name);
  assert.notEqual(apiServerLeaseName('other'), name);
});
