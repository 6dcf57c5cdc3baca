/**
 * Paths of keys that appear twice in one JSON object (`JSON.parse` silently keeps the last), for
 * fieldValidation Strict (400) and Warn (a warning), as Kubernetes' strict decoder reports them:
 * `duplicate field "data"`. Expects syntactically valid JSON (run after JSON.parse succeeded).
 *
 * Every create body goes through this, so it scans char codes and allocates next to nothing:
 * keys are compared in place in the text against the earlier keys of the same object (offsets
 * kept in one flat array), decoded only when they hold escapes, and paths are built only for a
 * duplicate. An object with many keys switches to a Set of decoded keys. JSON nested deeper than
 * `maxDepth` is a 400 (the depth check of parseJson, done in this same pass).
 */
import { errors } from '../api/errors.js';
import { tooDeepMessage } from '../api/nesting-depth.js';

const MANY_KEYS = 32;

export function duplicateJsonKeys(text: string, maxDepth = Number.POSITIVE_INFINITY): string[] {
  const found: string[] = [];
  // One frame per open object or array. For an object: where its keys start in `keys`, and the
  // offset in `keys` of its current key (-1 before the first); for an array: its item index.
  const isObject: boolean[] = [];
  const keysFrom: number[] = [];
  const currentKey: number[] = [];
  const index: number[] = [];
  const many: (Set<string> | undefined)[] = [];
  // Keys of the open objects, three numbers each: start and end of the raw text between the quotes, 1 when escaped.
  const keys: number[] = [];
  let depth = 0;
  const n = text.length;
  // Where the next backslash is (n when none): strings before it end at the next quote.
  let nextBackslash = -1;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // a string
      if (nextBackslash <= i) {
        nextBackslash = text.indexOf('\\', i + 1);
        if (nextBackslash < 0) nextBackslash = n;
      }
      let j = text.indexOf('"', i + 1);
      if (j < 0) j = n;
      const escaped = nextBackslash < j;
      if (escaped) {
        for (j = i + 1; j < n; j++) {
          const d = text.charCodeAt(j);
          if (d === 0x5c) j++;
          else if (d === 0x22) break;
        }
      }
      if (depth > 0 && isObject[depth - 1]) {
        // A string directly followed by ':' inside an object is a key.
        let k = j + 1;
        let e = text.charCodeAt(k);
        while (e === 0x20 || e === 0x0a || e === 0x0d || e === 0x09) e = text.charCodeAt(++k);
        if (e === 0x3a) {
          const top = depth - 1;
          if (isRepeated(text, keys, keysFrom[top], i + 1, j, escaped, many, top))
            found.push(pathOf(text, keys, isObject, currentKey, index, depth, i + 1, j, escaped));
          currentKey[top] = keys.length;
          keys.push(i + 1, j, escaped ? 1 : 0);
        }
      }
      i = j + 1;
      continue;
    }
    if (c === 0x7b || c === 0x5b) {
      isObject[depth] = c === 0x7b;
      keysFrom[depth] = keys.length;
      currentKey[depth] = -1;
      index[depth] = 0;
      many[depth] = undefined;
      if (++depth > maxDepth)
        throw errors.badRequest(`couldn't get version/kind; json parse error: ${tooDeepMessage(maxDepth)}`);
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
      if (isObject[depth]) keys.length = keysFrom[depth];
    } else if (c === 0x2c && depth > 0 && !isObject[depth - 1]) {
      index[depth - 1]++;
    }
    i++;
  }
  return found;
}

/** Whether key text[start, end) repeats an earlier key of the object whose keys begin at keys[from]. */
function isRepeated(
  text: string,
  keys: number[],
  from: number,
  start: number,
  end: number,
  escaped: boolean,
  many: (Set<string> | undefined)[],
  frame: number,
): boolean {
  let set = many[frame];
  if (set === undefined && keys.length - from >= 3 * MANY_KEYS) {
    set = new Set();
    for (let p = from; p < keys.length; p += 3) set.add(keyText(text, keys[p], keys[p + 1], keys[p + 2] === 1));
    many[frame] = set;
  }
  if (set !== undefined) {
    const key = keyText(text, start, end, escaped);
    if (set.has(key)) return true;
    set.add(key);
    return false;
  }
  const len = end - start;
  for (let p = from; p < keys.length; p += 3) {
    const s = keys[p];
    const e = keys[p + 1];
    if (escaped || keys[p + 2] === 1) {
      if (keyText(text, s, e, keys[p + 2] === 1) === keyText(text, start, end, escaped)) return true;
      continue;
    }
    if (e - s !== len) continue;
    let q = 0;
    while (q < len && text.charCodeAt(s + q) === text.charCodeAt(start + q)) q++;
    if (q === len) return true;
  }
  return false;
}

function keyText(text: string, start: number, end: number, escaped: boolean): string {
  const raw = text.slice(start, end);
  return escaped ? (JSON.parse(`"${raw}"`) as string) : raw;
}

/** The reported path of the repeated key text[start, end) in the innermost open object (frames 0..depth-1). */
function pathOf(
  text: string,
  keys: number[],
  isObject: boolean[],
  currentKey: number[],
  index: number[],
  depth: number,
  start: number,
  end: number,
  escaped: boolean,
): string {
  // Each frame's own path comes from its parent: `parent.key`, `key` under the root, `parent[i]`.
  let path = '';
  for (let f = 0; f < depth - 1; f++) {
    if (isObject[f]) {
      const k = currentKey[f];
      const part = k < 0 ? '' : keyText(text, keys[k], keys[k + 1], keys[k + 2] === 1);
      path = path ? `${path}.${part}` : part;
    } else {
      path = `${path}[${index[f]}]`;
    }
  }
  const key = keyText(text, start, end, escaped);
  return path ? `${path}.${key}` : key;
}
