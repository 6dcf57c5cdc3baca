/**
 * RFC 6902 JSON Patch (`application/json-patch+json`) as the Kubernetes API server applies it
 * (evanphx/json-patch v4 semantics). Called by the PATCH handler through `applyPatch`.
 *
 * Errors, as Kubernetes reports them:
 * - a body that is not an array of objects: 400 BadRequest (`json: cannot unmarshal ...`);
 * - more than 10000 operations: 413;
 * - any failing operation (unknown op, bad pointer, missing path, failed `test`): 422 Invalid with
 *   Kubernetes' generic message `the server rejected our request due to an error in our request`.
 *   The specific reason is kept in `details.causes[0].message` (Kubernetes drops it).
 */
import { ApiError, errors } from '../errors.js';
import { clone, deepEqual, isObject, type JsonObject } from './json-value.js';

const MAX_OPERATIONS = 10000;
const GENERIC_422 = 'the server rejected our request due to an error in our request';

class OpError extends Error {}

/** Applies `ops` to a copy of `doc` and returns the result; never mutates its inputs. */
export function applyJsonPatch(doc: unknown, ops: unknown): unknown {
  if (!Array.isArray(ops)) {
    throw errors.badRequest(`json: cannot unmarshal ${goJsonType(ops)} into Go value of type jsonpatch.Patch`);
  }
  for (const op of ops) {
    if (!isObject(op))
      throw errors.badRequest(`json: cannot unmarshal ${goJsonType(op)} into Go value of type jsonpatch.Operation`);
  }
  if (ops.length > MAX_OPERATIONS) {
    throw errors.tooLarge(`The allowed maximum operations in a JSON patch is ${MAX_OPERATIONS}, got ${ops.length}`);
  }
  let out = clone(doc);
  try {
    for (const op of ops as JsonObject[]) out = applyOne(out, op);
  } catch (e) {
    if (e instanceof OpError)
      throw new ApiError(422, 'Invalid', GENERIC_422, {
        causes: [{ reason: 'UnexpectedServerResponse', message: e.message }],
      });
    throw e;
  }
  return out;
}

function goJsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'object') return 'object';
  return typeof v;
}

/** RFC 6901 pointer → reference tokens. */
function parsePointer(path: unknown, field: string): string[] {
  if (typeof path !== 'string') throw new OpError(`operation missing ${field} field`);
  if (path === '') return [];
  if (!path.startsWith('/')) throw new OpError(`invalid JSON pointer: ${JSON.stringify(path)}`);
  return path
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function applyOne(doc: unknown, op: JsonObject): unknown {
  switch (op.op) {
    case 'add':
      return add(doc, parsePointer(op.path, 'path'), requireValue(op), String(op.path));
    case 'remove':
      return remove(doc, parsePointer(op.path, 'path'), String(op.path)).doc;
    case 'replace': {
      const path = parsePointer(op.path, 'path');
      const value = requireValue(op);
      if (path.length === 0) return clone(value);
      get(doc, path, `replace operation does not apply: doc is missing key: ${String(op.path)}: missing value`);
      const { doc: d } = remove(doc, path, String(op.path));
      return add(d, path, value, String(op.path));
    }
    case 'move': {
      const from = parsePointer(op.from, 'from');
      const path = parsePointer(op.path, 'path');
      const { doc: d, value } = remove(doc, from, String(op.from), 'move');
      return add(d, path, value, String(op.path));
    }
    case 'copy': {
      const from = parsePointer(op.from, 'from');
      const value = get(
        doc,
        from,
        `copy operation does not apply: doc is missing from path: ${String(op.from)}: missing value`,
      );
      return add(doc, parsePointer(op.path, 'path'), clone(value), String(op.path));
    }
    case 'test': {
      const path = parsePointer(op.path, 'path');
      const expected = 'value' in op ? op.value : null;
      let actual: unknown = null;
      try {
        actual = get(doc, path, '');
      } catch {
        actual = undefined;
      }
      if (actual === undefined ? expected === null : deepEqual(actual, expected)) return doc;
      throw new OpError(`testing value ${String(op.path)} failed: test failed`);
    }
    default:
      throw new OpError(`Unexpected kind: ${String(op.op)}`);
  }
}

function requireValue(op: JsonObject): unknown {
  if (!('value' in op)) throw new OpError(`operation missing value field`);
  return clone(op.value);
}

function arrayIndex(token: string, len: number, allowEnd: boolean, path: string): number {
  if (allowEnd && token === '-') return len;
  if (!/^(0|[1-9][0-9]*)$/.test(token)) throw new OpError(`Unable to access invalid index: ${token}: ${path}`);
  const i = Number(token);
  if (i > len || (!allowEnd && i >= len)) throw new OpError(`Unable to access invalid index: ${i}: ${path}`);
  return i;
}

function get(doc: unknown, path: string[], missing: string): unknown {
  let cur = doc;
  for (const t of path) {
    if (Array.isArray(cur)) {
      if (!/^(0|[1-9][0-9]*)$/.test(t) || Number(t) >= cur.length) throw new OpError(missing);
      cur = cur[Number(t)];
    } else if (isObject(cur) && Object.hasOwn(cur, t)) {
      cur = cur[t];
    } else {
      throw new OpError(missing);
    }
  }
  return cur;
}

function add(doc: unknown, path: string[], value: unknown, raw: string): unknown {
  if (path.length === 0) return value;
  const parent = get(
    doc,
    path.slice(0, -1),
    `add operation does not apply: doc is missing path: ${JSON.stringify(raw)}: missing value`,
  );
  const last = path[path.length - 1];
  if (Array.isArray(parent)) {
    parent.splice(arrayIndex(last, parent.length, true, raw), 0, value);
  } else if (isObject(parent)) {
    parent[last] = value;
  } else {
    throw new OpError(`add operation does not apply: doc is missing path: ${JSON.stringify(raw)}: missing value`);
  }
  return doc;
}

function remove(doc: unknown, path: string[], raw: string, verb = 'remove'): { doc: unknown; value: unknown } {
  const missing = `${verb} operation does not apply: doc is missing path: ${JSON.stringify(raw)}: missing value`;
  if (path.length === 0) return { doc: null, value: doc };
  const parent = get(doc, path.slice(0, -1), missing);
  const last = path[path.length - 1];
  if (Array.isArray(parent)) {
    const i = arrayIndex(last, parent.length, false, raw);
    const [value] = parent.splice(i, 1);
    return { doc, value };
  }
  if (isObject(parent) && Object.hasOwn(parent, last)) {
    const value = parent[last];
    delete parent[last];
    return { doc, value };
  }
  throw new OpError(missing);
}
