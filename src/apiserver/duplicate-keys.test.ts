import { test } from 'node:test';
import assert from 'node:assert/strict';
import { duplicateJsonKeys } from './duplicate-keys.js';
import { normalizeNulls } from './normalize-nulls.js';
import { typeInfoFor } from '../api/schema/index.js';
import { seededRandom } from '../testing/seeded-random.js';

test('duplicate keys are found with their paths, escapes and arrays handled', () => {
  assert.deepEqual(duplicateJsonKeys('{"a":1,"data":{"x":"1"},"data":{"y":"2"}}'), ['data']);
  assert.deepEqual(duplicateJsonKeys('{"spec":{"containers":[{"name":"a","name":"b"}]}}'), ['spec.containers[0].name']);
  assert.deepEqual(duplicateJsonKeys('{"a":"x\\"y","b":["a","a"],"c":{"a":1},"d":{"a":1}}'), []);
  assert.deepEqual(duplicateJsonKeys('{"l":[{"k":1},{"k":1,"k":2}]}'), ['l[1].k']);
  assert.deepEqual(duplicateJsonKeys('{"a\\"b":1,"a\\u0022b":2}'), ['a"b'], 'escaped keys are compared decoded');
});

test('nulls: fields dropped, null items of object lists become empty objects', () => {
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', labels: null },
    spec: { containers: [null, { name: 'a', image: null }], nodeName: null },
  };
  normalizeNulls(pod, typeInfoFor({ group: '', version: 'v1', kind: 'Pod' }));
  assert.deepEqual(pod, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p' },
    spec: { containers: [{}, { name: 'a' }] },
  });
});

/** The first implementation (a Set and a path string per object): the new scan must report the same. */
function referenceDuplicateKeys(text: string): string[] {
  const found: string[] = [];
  // One frame per open object or array: its keys so far and the path leading to it.
  const stack: { keys: Set<string> | undefined; path: string; key: string | undefined; index: number }[] = [];
  let i = 0;
  const n = text.length;
  const childPath = (): string => {
    const top = stack[stack.length - 1];
    if (!top) return '';
    const part = top.keys ? (top.key ?? '') : `[${top.index}]`;
    return top.keys ? (top.path ? `${top.path}.${part}` : part) : `${top.path}${part}`;
  };
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // string
      let j = i + 1;
      let escaped = false;
      for (; j < n; j++) {
        const d = text.charCodeAt(j);
        if (escaped) escaped = false;
        else if (d === 0x5c) escaped = true;
        else if (d === 0x22) break;
      }
      const top = stack[stack.length - 1];
      // A string directly followed by ':' inside an object is a key.
      let k = j + 1;
      while (
        k < n &&
        (text.charCodeAt(k) === 0x20 ||
          text.charCodeAt(k) === 0x0a ||
          text.charCodeAt(k) === 0x0d ||
          text.charCodeAt(k) === 0x09)
      )
        k++;
      if (top?.keys && text.charCodeAt(k) === 0x3a) {
        const raw = text.slice(i + 1, j);
        const key = raw.includes('\\') ? (JSON.parse(`"${raw}"`) as string) : raw;
        if (top.keys.has(key)) found.push(top.path ? `${top.path}.${key}` : key);
        top.keys.add(key);
        top.key = key;
      }
      i = j + 1;
      continue;
    }
    if (c === 0x7b || c === 0x5b) {
      const path = childPath();
      stack.push({ keys: c === 0x7b ? new Set() : undefined, path, key: undefined, index: 0 });
    } else if (c === 0x7d || c === 0x5d) {
      stack.pop();
    } else if (c === 0x2c) {
      const top = stack[stack.length - 1];
      if (top && !top.keys) top.index++;
    }
    i++;
  }
  return found;
}

/** Random JSON text with repeated keys, escapes, odd whitespace and big objects. */
function randomJsonText(rnd: () => number, depth = 0): string {
  const pick = <T>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)];
  const ws = () => pick(['', '', '', ' ', '\n  ', '\t', '\r\n']);
  const keyPool = ['a', 'b', 'name', 'data', 'a\\"b', 'a\\u0022b', 'x\\\\', '\\u00e9', 'é', '', '1', 'k:{\\"n\\":1}'];
  const r = rnd();
  if (depth > 4 || r < 0.3)
    return pick(['1', '-2.5e3', 'true', 'false', 'null', '"s"', '"a,b:{[]}"', '"q\\"uote\\\\"', '"\\u007b"']);
  if (r < 0.75) {
    const count = rnd() < 0.05 ? 40 + Math.floor(rnd() * 30) : Math.floor(rnd() * 5);
    const members: string[] = [];
    for (let i = 0; i < count; i++) {
      const key = count > 20 ? `k${Math.floor(rnd() * count * 1.2)}` : pick(keyPool);
      members.push(`${ws()}"${key}"${ws()}:${ws()}${randomJsonText(rnd, depth + 1)}${ws()}`);
    }
    return `{${members.join(',')}}`;
  }
  return `[${Array.from({ length: Math.floor(rnd() * 4) }, () => `${ws()}${randomJsonText(rnd, depth + 1)}`).join(',')}]`;
}

test('the scan reports what the first implementation did on random JSON', () => {
  const rnd = seededRandom(42);
  let withDuplicates = 0;
  for (let i = 0; i < 4000; i++) {
    const text = randomJsonText(rnd);
    JSON.parse(text); // valid JSON only, as the caller guarantees
    const expected = referenceDuplicateKeys(text);
    if (expected.length > 0) withDuplicates++;
    assert.deepEqual(duplicateJsonKeys(text), expected, text);
  }
  assert.ok(withDuplicates > 500, `only ${withDuplicates} texts had duplicates`);
});
