/**
 * Seeded random objects shaped by a kind's OpenAPI schema, for property tests that compare two
 * implementations (no fast-check in the tree). Mostly schema-conforming, with the mess clients
 * send: nulls and empty values anywhere, unknown fields, repeated or missing list-map keys,
 * non-object list items, integer-like and oddly quoted map keys.
 */
import type { Schema } from '../../schema/json-schema.js';
import { DEFINITIONS, definitionNameFor, resolve } from '../../schema/definitions.js';
import type { GroupVersionKind } from '../../object.js';
import { seededRandom } from '../../../testing/seeded-random.js';

const KEYS = [
  'a',
  'b',
  'app',
  'tier',
  'example.com/x',
  'x.y',
  'quo"te',
  'back\\slash',
  'ünï',
  '1',
  '10',
  '2',
  'smile😀',
  'ctl\u0001',
  'lone\ud800',
  '.',
  'f:x',
  'k:{}',
];
const STRINGS = ['', 'web', 'db', 'TCP', 'UDP', 'x"y', 'line\nbreak', '100m', '1Gi', 'ünï', 'null'];

export class RandomObjects {
  private readonly rnd: () => number;

  constructor(seed: number) {
    this.rnd = seededRandom(seed);
  }

  /** A random object of a served kind, with its apiVersion and kind set as the schema names them. */
  ofKind(gvk: GroupVersionKind): Record<string, unknown> {
    const name = definitionNameFor(gvk);
    const schema = name ? DEFINITIONS[name] : { type: 'object' as const };
    const obj = this.object(schema, 0, 0.6);
    obj.apiVersion = gvk.group ? `${gvk.group}/${gvk.version}` : gvk.version;
    obj.kind = gvk.kind;
    if (this.chance(0.9))
      obj.metadata = this.object(DEFINITIONS['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta'], 1, 0.5);
    return obj;
  }

  /** Any JSON value (no schema). */
  json(depth: number): unknown {
    const r = this.rnd();
    if (depth > 3 || r < 0.4) return this.scalar();
    if (r < 0.7) {
      const o: Record<string, unknown> = {};
      for (let i = this.int(4); i > 0; i--) o[this.pick(KEYS)] = this.json(depth + 1);
      return o;
    }
    return Array.from({ length: this.int(4) }, () => this.json(depth + 1));
  }

  private value(via: Schema, depth: number): unknown {
    if (this.chance(0.05)) return this.pick<unknown>([null, {}, [], 'x', 0, true]);
    if (this.chance(0.02)) return this.json(depth);
    const s = resolve(via);
    if (depth > 7) return s.type === 'array' ? [] : s.properties ? {} : this.scalar();
    if (s.properties) return this.object(s, depth, 0.35);
    if (s.type === 'array') return this.list(via, s, depth);
    if (typeof s.additionalProperties === 'object') {
      const o: Record<string, unknown> = {};
      for (let i = this.int(4); i > 0; i--) o[this.pick(KEYS)] = this.value(s.additionalProperties, depth + 1);
      return o;
    }
    if (s.type === 'object' || s.type === undefined) return this.json(depth + 1);
    return this.scalar(s.type);
  }

  private object(s: Schema, depth: number, density: number): Record<string, unknown> {
    const o: Record<string, unknown> = {};
    for (const [k, p] of Object.entries(s.properties ?? {})) if (this.chance(density)) o[k] = this.value(p, depth + 1);
    if (this.chance(0.1)) o[this.pick(KEYS)] = this.json(depth + 1);
    return o;
  }

  private list(via: Schema, s: Schema, depth: number): unknown[] {
    const keys =
      via['x-kubernetes-list-map-keys'] ??
      (via['x-kubernetes-patch-merge-key'] ? [via['x-kubernetes-patch-merge-key']] : []);
    const items: unknown[] = [];
    for (let i = this.int(5); i > 0; i--) {
      const item = s.items ? this.value(s.items, depth + 1) : this.json(depth + 1);
      // Key fields from a small pool, so items repeat keys now and then.
      if (item !== null && typeof item === 'object' && !Array.isArray(item)) {
        for (const k of keys)
          if (this.chance(0.9))
            (item as Record<string, unknown>)[k] = this.pick<unknown>(['web', 'db', 80, 443, 'TCP', 'UDP']);
      }
      items.push(item);
    }
    return items;
  }

  private scalar(type?: Schema['type']): unknown {
    switch (type) {
      case 'integer':
        return this.int(1000) - 10;
      case 'number':
        return this.rnd() * 100;
      case 'boolean':
        return this.chance(0.5);
      case 'string':
        return this.pick(STRINGS);
      default:
        return this.pick<unknown>([...STRINGS, 0, 1.5, -3, true, false, null]);
    }
  }

  private chance(p: number): boolean {
    return this.rnd() < p;
  }
  private int(n: number): number {
    return Math.floor(this.rnd() * n);
  }
  private pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }
}
