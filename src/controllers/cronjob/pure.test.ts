import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Job } from 'kubernetes-types/batch/v1.js';
import type { KubeObject } from '../../api/object.js';
import { compileSchedule, parseGoDuration, scheduleDue } from './cron-times.js';
import { jobName, jobsToPrune } from './cronjob-jobs.js';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

test('compileSchedule: fields, descriptors, day-of-month OR day-of-week, time zones, @every', () => {
  const from = at('2024-01-01T00:00:30Z');
  const cases: [string, string | undefined, string][] = [
    ['* * * * *', 'UTC', '2024-01-01T00:01:00.000Z'],
    ['*/15 * * * *', 'UTC', '2024-01-01T00:15:00.000Z'],
    ['@hourly', 'UTC', '2024-01-01T01:00:00.000Z'],
    ['@midnight', 'UTC', '2024-01-02T00:00:00.000Z'],
    ['@weekly', 'UTC', '2024-01-07T00:00:00.000Z'],
    ['0 0 13 * FRI', 'UTC', '2024-01-05T00:00:00.000Z'],
    ['0 9 * * *', 'Asia/Tokyo', '2024-01-02T00:00:00.000Z'],
    ['30 9 * * *', 'America/New_York', '2024-01-01T14:30:00.000Z'],
  ];
  for (const [s, tz, want] of cases) assert.equal(iso(compileSchedule(s, tz).next(from)), want, `${s} ${tz}`);
  assert.equal(compileSchedule('@every 90s').next(from), from + 90_000);
  assert.throws(() => compileSchedule('* * * * *', 'Mars/Olympus'), /unknown time zone/);
  assert.equal(parseGoDuration('1h30m'), 5_400_000);
});

test('scheduleDue: most recent unmet activation, missed count, next', () => {
  const every = compileSchedule('* * * * *', 'UTC');
  assert.deepEqual(scheduleDue(every, at('2024-01-01T00:00:30Z'), at('2024-01-01T00:00:50Z')), {
    mostRecent: undefined,
    missed: 0,
    next: at('2024-01-01T00:01:00Z'),
  });
  assert.deepEqual(scheduleDue(every, at('2024-01-01T00:00:30Z'), at('2024-01-01T00:03:10Z')), {
    mostRecent: at('2024-01-01T00:03:00Z'),
    missed: 3,
    next: at('2024-01-01T00:04:00Z'),
  });
  const long = scheduleDue(every, at('2023-12-01T00:00:00Z'), at('2024-01-01T00:03:10Z'));
  assert.equal(long.mostRecent, at('2024-01-01T00:03:00Z'));
  assert.ok(long.missed > 100);
});

test('jobName uses minutes since the epoch; jobsToPrune keeps the newest per limit', () => {
  assert.equal(jobName('tick', at('2024-01-01T00:01:00Z')), 'tick-28401121');
  const j = (name: string, type: string, t: string): KubeObject & Job => ({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name },
    status: { startTime: t, conditions: [{ type, status: 'True' }] },
  });
  const pruned = jobsToPrune(
    { spec: { schedule: '', jobTemplate: {}, successfulJobsHistoryLimit: 1, failedJobsHistoryLimit: 0 } },
    [
      j('b', 'Complete', '2024-01-02T00:00:00Z'),
      j('a', 'Complete', '2024-01-01T00:00:00Z'),
      j('f', 'Failed', '2024-01-01T00:00:00Z'),
    ],
  );
  assert.deepEqual(
    pruned.map((x) => x.metadata.name),
    ['a', 'f'],
  );
});
