import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PullProgress } from '../agent/images/pull-image.js';
import { humanBytes, pullProgressLine, pullProgressPrinter } from './pull-progress.js';

const at = (over: Partial<PullProgress>): PullProgress => ({
  image: 'docker.io/library/nginx:1.25',
  layers: 7,
  layersDone: 2,
  bytes: 45_600_000,
  bytesDone: 12_300_000,
  elapsedMs: 1500,
  done: false,
  ...over,
});

test('humanBytes: powers of 1000 with three significant digits', () => {
  assert.deepEqual([0, 999, 3_400, 12_300_000, 456_000_000, 1_020_000_000].map(humanBytes), [
    '0 B',
    '999 B',
    '3.40 kB',
    '12.3 MB',
    '456 MB',
    '1.02 GB',
  ]);
});

test('pullProgressLine: layers and bytes while pulling; totals and time at the end', () => {
  assert.equal(pullProgressLine(at({})), 'pulling docker.io/library/nginx:1.25: 2/7 layers, 12.3 MB of 45.6 MB (26 %)');
  assert.equal(
    pullProgressLine(at({ done: true, layersDone: 7, bytesDone: 45_600_000, elapsedMs: 3210 })),
    'pulled docker.io/library/nginx:1.25: 7 layers, 45.6 MB in 3.2 s',
  );
  assert.equal(
    pullProgressLine(at({ done: true, layers: 0, bytes: 0, bytesDone: 0, elapsedMs: 50 })),
    'pulled docker.io/library/nginx:1.25: every layer already stored, in 0.1 s',
  );
});

test('pullProgressPrinter: the first report, then at most one per interval per image, and the end', () => {
  const lines: string[] = [];
  const print = pullProgressPrinter((l) => lines.push(l), 2000);
  print(at({ layersDone: 0, bytesDone: 0, elapsedMs: 0 }));
  print(at({ elapsedMs: 1000 })); // within the interval: skipped
  print(at({ image: 'b', layers: 1, layersDone: 0, bytesDone: 0, elapsedMs: 0 })); // another image: printed
  print(at({ layersDone: 5, elapsedMs: 2100 }));
  print(at({ done: true, layersDone: 7, bytesDone: 45_600_000, elapsedMs: 2500 }));
  print(at({ image: 'c', layers: 0, bytes: 0, bytesDone: 0, elapsedMs: 0 })); // nothing to fetch: only its end
  print(at({ image: 'c', layers: 0, bytes: 0, bytesDone: 0, elapsedMs: 10, done: true }));
  assert.deepEqual(lines, [
    'pulling docker.io/library/nginx:1.25: 0/7 layers, 0 B of 45.6 MB (0 %)',
    'pulling b: 0/1 layers, 0 B of 45.6 MB (0 %)',
    'pulling docker.io/library/nginx:1.25: 5/7 layers, 12.3 MB of 45.6 MB (26 %)',
    'pulled docker.io/library/nginx:1.25: 7 layers, 45.6 MB in 2.5 s',
    'pulled c: every layer already stored, in 0.0 s',
  ]);
});
