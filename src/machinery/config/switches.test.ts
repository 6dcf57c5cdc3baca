import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseAbSwitches, parseSettings } from './switches.js';

test('settings: set values are parsed, unset, empty and unparsable ones stay undefined', () => {
  const s = parseSettings({
    FLOTILLA_LOG_LEVEL: 'debug',
    FLOTILLA_METRICS_TTL_MS: '0',
    FLOTILLA_BUSYBOX: '/usr/bin/busybox',
    FLOTILLA_CRONJOB_CLOCK_SPEED: '30',
    FLOTILLA_HPA_SYNC_PERIOD_MS: '1000',
    FLOTILLA_HPA_DOWNSCALE_STABILIZATION_MS: '0',
    FLOTILLA_HPA_TOLERANCE: 'x',
    FLOTILLA_NODE_MONITOR_GRACE_PERIOD_MS: '3000',
    FLOTILLA_CLUSTER_CIDR: '10.40.0.0/14',
    FLOTILLA_NODE_CIDR_MASK_SIZE: '26',
    FLOTILLA_POD_GC_QUARANTINE_MS: '1000',
    FLOTILLA_POD_GC_INTERVAL_MS: '',
  });
  assert.deepEqual(s, {
    logLevel: 'debug',
    metricsTtlMs: 0,
    busybox: '/usr/bin/busybox',
    controllers: {
      cronJobClockSpeed: 30,
      hpa: { syncPeriodMs: 1000, downscaleWindowMs: 0, cpuInitializationPeriodMs: undefined, tolerance: undefined },
      nodes: { gracePeriodMs: 3000, clusterCidr: '10.40.0.0/14', nodeMaskSize: 26 },
      podGc: { quarantineMs: 1000, intervalMs: undefined },
    },
  });
});

test('settings: zero where only positive values make sense, negative values and unknown log levels are ignored', () => {
  const s = parseSettings({
    FLOTILLA_LOG_LEVEL: 'loud',
    FLOTILLA_METRICS_TTL_MS: '-1',
    FLOTILLA_CRONJOB_CLOCK_SPEED: '0',
    FLOTILLA_HPA_SYNC_PERIOD_MS: '0',
    FLOTILLA_NODE_CIDR_MASK_SIZE: '0',
  });
  assert.equal(s.logLevel, undefined);
  assert.equal(s.metricsTtlMs, undefined);
  assert.equal(s.controllers.cronJobClockSpeed, undefined);
  assert.equal(s.controllers.hpa.syncPeriodMs, undefined);
  assert.equal(s.controllers.nodes.nodeMaskSize, undefined);
});

test('A/B switches: each trick is on unless its variable turns it off exactly', () => {
  assert.deepEqual(parseAbSwitches({}), { directSpawn: false, unsealedRunc: false, noSqliteCheckpointWorker: false });
  assert.deepEqual(
    parseAbSwitches({
      FLOTILLA_DIRECT_SPAWN: '1',
      FLOTILLA_UNSEALED_RUNC: '1',
      FLOTILLA_SQLITE_CHECKPOINT_WORKER: '0',
    }),
    { directSpawn: true, unsealedRunc: true, noSqliteCheckpointWorker: true },
  );
  assert.equal(
    parseAbSwitches({ FLOTILLA_DIRECT_SPAWN: 'yes', FLOTILLA_SQLITE_CHECKPOINT_WORKER: '1' }).directSpawn,
    false,
  );
});
