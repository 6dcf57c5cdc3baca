import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getStrategy } from '../../api/kinds/index.js';
import type { KubeObject } from '../../api/object.js';
import { memoizeRow, rowFromMemo } from './table-row-memo.js';
import { tableRowJson } from './table.js';

const created = '2026-01-01T00:00:00Z';
const t0 = new Date('2026-01-01T00:00:30Z');
const pod = (restartedAt?: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', namespace: 'd', creationTimestamp: created, uid: 'u' },
  spec: { containers: [{ name: 'c', image: 'i' }] },
  status: {
    phase: 'Running',
    containerStatuses: [
      {
        name: 'c',
        ready: true,
        restartCount: restartedAt ? 2 : 0,
        image: 'i',
        imageID: '',
        state: { running: { startedAt: created } },
        ...(restartedAt
          ? { lastState: { terminated: { exitCode: 1, finishedAt: restartedAt, startedAt: created } } }
          : {}),
      },
    ],
  },
});

test('a row whose only clock-dependent cell is AGE is re-rendered from its template, equal to a fresh render', () => {
  const strategy = getStrategy('', 'Pod');
  const memo = memoizeRow(strategy, pod(), 'Metadata', t0);
  assert.ok(memo.template);
  const later = new Date(t0.getTime() + 5 * 60_000);
  assert.equal(rowFromMemo(memo, later), tableRowJson(strategy, pod(), 'Metadata', later));
  assert.match(rowFromMemo(memo, later) ?? '', /"5m30s"/);
});

test('a row with other clock-dependent cells (RESTARTS "(x ago)") is reused only within the second', () => {
  const strategy = getStrategy('', 'Pod');
  const memo = memoizeRow(strategy, pod('2026-01-01T00:00:20Z'), 'Metadata', t0);
  assert.equal(memo.template, undefined);
  assert.equal(rowFromMemo(memo, new Date(t0.getTime() + 500)), memo.json);
  assert.equal(rowFromMemo(memo, new Date(t0.getTime() + 1500)), undefined);
});
