import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { loadNativeMalloc } from './native-malloc.js';

const rssMb = () => process.memoryUsage().rss / 1048576;

test('without the addon: undefined, and one debug line that says why', () => {
  const lines: string[] = [];
  const log = {
    debug: (...a: unknown[]) => {
      lines.push(String(a.at(-1)));
    },
  };
  const m = loadNativeMalloc(log as never, () => {
    throw new Error("Cannot find module 'flotilla-malloc-trim'");
  });
  assert.equal(m, undefined);
  assert.deepEqual(lines, ['malloc addon not built; idle memory is not trimmed']);
});

test('the addon (built by npm ci from native/malloc-trim) gives freed malloc memory back to the kernel', () => {
  const m = loadNativeMalloc();
  assert.ok(m, 'flotilla-malloc-trim loads');
  // Keep glibc from trimming the top of the heap on its own, so the drop below is trim()'s.
  assert.equal(m.mallopt(-1 /* M_TRIM_THRESHOLD */, 1 << 30), true);
  // 50 MB of 1 kB malloc'd backing stores, one in a thousand kept: the heap cannot shrink from
  // the top, only trim's release of the free pages in between gives the memory back.
  let buffers: Buffer[] | undefined = Array.from({ length: 50_000 }, () => Buffer.allocUnsafeSlow(1000));
  const kept = buffers.filter((_, i) => i % 1000 === 0);
  buffers = undefined;
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  gc();
  const before = rssMb();
  assert.equal(m.trim(), true);
  const after = rssMb();
  assert.ok(before - after > 20, `RSS ${before.toFixed(0)} → ${after.toFixed(0)} MB`);
  assert.equal(kept.length, 50);
});
