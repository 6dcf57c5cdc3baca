import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Job } from 'kubernetes-types/batch/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { planPods, wantActive } from './job-plan.js';
import { formatIndexes, parseIndexes, podOutcome } from './job-state.js';

test('formatIndexes / parseIndexes round-trip interval lists', () => {
  for (const [set, text] of [
    [[], ''],
    [[0], '0'],
    [[0, 1, 2, 4, 6, 7], '0-2,4,6-7'],
    [[5, 3, 4], '3-5'],
  ] as [number[], string][]) {
    assert.equal(formatIndexes(set), text);
    assert.deepEqual(
      [...parseIndexes(text)].sort((a, b) => a - b),
      [...new Set(set)].sort((a, b) => a - b),
    );
  }
});

test('podOutcome: phases, and a pod being deleted before it succeeded counts as failed', () => {
  assert.equal(podOutcome({ status: { phase: 'Running' } }), undefined);
  assert.equal(podOutcome({ status: { phase: 'Succeeded' } }), 'succeeded');
  assert.equal(podOutcome({ status: { phase: 'Failed' } }), 'failed');
  assert.equal(podOutcome({ metadata: { deletionTimestamp: 'x' }, status: { phase: 'Running' } }), 'failed');
});

test('wantActive: parallelism capped by missing completions; work queues stop creating after a success', () => {
  const cases: [Job['spec'], number, number, number][] = [
    [{ template: {}, completions: 3, parallelism: 2 }, 0, 0, 2],
    [{ template: {}, completions: 3, parallelism: 2 }, 2, 2, 1],
    [{ template: {}, completions: 3, parallelism: 2 }, 0, 3, 0],
    [{ template: {}, parallelism: 4 }, 0, 0, 4],
    [{ template: {}, parallelism: 4 }, 3, 1, 3],
  ];
  for (const [spec, active, succeeded, want] of cases)
    assert.equal(wantActive({ spec }, active, succeeded), want, JSON.stringify([spec, active, succeeded]));
});

test('planPods Indexed: duplicates and completed indexes are removed, free low indexes created', () => {
  const p = (name: string, index: string): Pod => ({
    metadata: { name, annotations: { 'batch.kubernetes.io/job-completion-index': index } },
  });
  const job: Job = { spec: { template: {}, completionMode: 'Indexed', completions: 5, parallelism: 3 } };
  const plan = planPods(job, [p('a', '1'), p('b', '1'), p('c', '0')], 1, new Set([0]), 100);
  assert.deepEqual(
    plan.remove.map((x) => x.metadata?.name),
    ['b', 'c'],
  );
  assert.deepEqual(plan.create, [2, 3]);
});
