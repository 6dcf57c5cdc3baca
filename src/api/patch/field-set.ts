/**
 * A set of field paths (structured-merge-diff `fieldpath.Set`) as a tree of encoded path
 * elements. A node is a *member* when its own path is in the set; nodes without members below
 * them are pruned. Immutable-style API: set operations return new sets.
 * Serialises to and from the FieldsV1 JSON of `metadata.managedFields[].fieldsV1`.
 */
import { isObject, type JsonObject } from './json-value.js';
import { compareElements, type FieldPath, type PathElement } from './field-path.js';

export class FieldSet {
  member = false;
  readonly children = new Map<PathElement, FieldSet>();

  /** Parses FieldsV1 (`{"f:spec":{"f:replicas":{}}}`); anything malformed is ignored. */
  static fromFieldsV1(v: unknown): FieldSet {
    const set = new FieldSet();
    if (!isObject(v)) return set;
    for (const [k, child] of Object.entries(v)) {
      if (k === '.') continue;
      const node = FieldSet.fromFieldsV1(child);
      node.member = !isObject(child) || Object.keys(child).length === 0 || '.' in child;
      if (!node.isEmpty()) set.children.set(k, node);
    }
    return set;
  }

  static of(paths: FieldPath[]): FieldSet {
    const s = new FieldSet();
    for (const p of paths) s.insert(p);
    return s;
  }

  toFieldsV1(): JsonObject {
    const out: JsonObject = {};
    this.writeFieldsV1(out);
    return out;
  }

  /** toFieldsV1 into an existing object (saves a copy per level). */
  private writeFieldsV1(out: JsonObject): void {
    const keys = [...this.children.keys()];
    if (keys.length > 1) keys.sort(compareElements);
    for (const k of keys) {
      const child = this.children.get(k) as FieldSet;
      // `"."` first marks a member that also has members below it.
      const body: JsonObject = child.member && child.children.size > 0 ? { '.': {} } : {};
      child.writeFieldsV1(body);
      out[k] = body;
    }
  }

  /** Adds `path` (mutates this set). The empty path is ignored. */
  insert(path: FieldPath): void {
    if (path.length === 0) return;
    let node: FieldSet = this;
    for (const pe of path) {
      let next = node.children.get(pe);
      if (!next) {
        next = new FieldSet();
        node.children.set(pe, next);
      }
      node = next;
    }
    node.member = true;
  }

  has(path: FieldPath): boolean {
    let node: FieldSet | undefined = this;
    for (const pe of path) {
      node = node.children.get(pe);
      if (!node) return false;
    }
    return path.length > 0 && node.member;
  }

  /** The subtree below `path` (empty set when absent). */
  at(path: FieldPath): FieldSet {
    let node: FieldSet | undefined = this;
    for (const pe of path) {
      node = node.children.get(pe);
      if (!node) return new FieldSet();
    }
    return node;
  }

  isEmpty(): boolean {
    return !this.member && this.children.size === 0;
  }

  /** Member paths in sorted (depth-first) order. */
  paths(prefix: FieldPath = []): FieldPath[] {
    const out: FieldPath[] = [];
    for (const k of [...this.children.keys()].sort(compareElements)) {
      const child = this.children.get(k) as FieldSet;
      const p = [...prefix, k];
      if (child.member) out.push(p);
      out.push(...child.paths(p));
    }
    return out;
  }

  union(o: FieldSet): FieldSet {
    return combine(this, o, (a, b) => a || b);
  }
  intersection(o: FieldSet): FieldSet {
    return combine(this, o, (a, b) => a && b);
  }
  /** Member-wise difference: members of this set not in `o` (children of removed members stay). */
  difference(o: FieldSet): FieldSet {
    return combine(this, o, (a, b) => a && !b);
  }

  /** This set without whole subtrees rooted at `prefixes`. */
  withoutSubtrees(prefixes: FieldPath[]): FieldSet {
    const out = this.clone();
    for (const p of prefixes) {
      let node: FieldSet | undefined = out;
      for (const pe of p.slice(0, -1)) node = node?.children.get(pe);
      node?.children.delete(p[p.length - 1]);
    }
    return out.pruned();
  }

  /** structured-merge-diff `EnsureNamedFieldsAreMembers`: every `f:` prefix of a member is a member. */
  withNamedFieldsAsMembers(): FieldSet {
    const out = new FieldSet();
    for (const p of this.paths()) {
      for (let i = 1; i <= p.length; i++) if (i === p.length || p[i - 1].startsWith('f:')) out.insert(p.slice(0, i));
    }
    return out;
  }

  clone(): FieldSet {
    return this.union(new FieldSet());
  }

  private pruned(): FieldSet {
    for (const [k, c] of this.children) {
      c.pruned();
      if (c.isEmpty()) this.children.delete(k);
    }
    return this;
  }
}

function combine(a: FieldSet | undefined, b: FieldSet | undefined, op: (x: boolean, y: boolean) => boolean): FieldSet {
  const out = new FieldSet();
  out.member = op(a?.member ?? false, b?.member ?? false);
  const keys = new Set([...(a?.children.keys() ?? []), ...(b?.children.keys() ?? [])]);
  for (const k of keys) {
    const c = combine(a?.children.get(k), b?.children.get(k), op);
    if (!c.isEmpty()) out.children.set(k, c);
  }
  return out;
}
