import type { PolicyPod } from './policy-pod.js';
import type { PolicyPodChange, PolicyPods } from './policy-pods.js';

/** What a kind of set holds (peer IPs, `ip . port` of a named port). */
export interface SetKind<D extends { name: string }> {
  /** The pod's element in the set; undefined when it is not a member. */
  element(def: D, p: PolicyPod): string | undefined;
  /** Element order in the set (as compilePolicies sorts). */
  compare(a: string, b: string): number;
  /** The only namespace whose pods can be members (undefined: any), to look at fewer sets per pod change. */
  scope(def: D): string | undefined;
}

/**
 * The sets chains refer to, each with its members kept up to date one pod change at a time.
 * A set lives while at least one reference holds it (acquire/release); it is filled from all
 * policy pods when it appears. Contents are replaced, never mutated (see PolicyTable).
 */
export class LiveSets<D extends { name: string }> {
  /** Set name -> sorted elements. */
  readonly contents = new Map<string, string[]>();
  private readonly defs = new Map<string, { def: D; refs: number }>();
  private readonly scoped = new Map<string, Set<string>>();
  private readonly unscoped = new Set<string>();

  constructor(
    private readonly kind: SetKind<D>,
    private readonly pods: PolicyPods,
  ) {}

  /** Adds a reference to the set, creating and filling it on the first. */
  acquire(def: D): void {
    const held = this.defs.get(def.name);
    if (held) {
      held.refs++;
      return;
    }
    this.defs.set(def.name, { def, refs: 1 });
    const scope = this.kind.scope(def);
    if (scope === undefined) this.unscoped.add(def.name);
    else this.scoped.set(scope, (this.scoped.get(scope) ?? new Set()).add(def.name));
    this.contents.set(def.name, this.compute(def));
  }

  /** Drops a reference; the set goes with the last. */
  release(name: string): void {
    const held = this.defs.get(name);
    if (!held || --held.refs > 0) return;
    this.defs.delete(name);
    this.contents.delete(name);
    const scope = this.kind.scope(held.def);
    if (scope === undefined) this.unscoped.delete(name);
    else {
      const names = this.scoped.get(scope);
      names?.delete(name);
      if (names?.size === 0) this.scoped.delete(scope);
    }
  }

  /**
   * Moves the elements of changed pods in every set that may hold them: all removals first, as
   * pods trading an IP change together and two pods' elements can be equal (the same IP).
   */
  podsChanged(changes: PolicyPodChange[]): void {
    for (const phase of ['before', 'after'] as const) {
      for (const c of changes) {
        const p = c[phase];
        if (!p) continue;
        const other = phase === 'before' ? c.after : c.before;
        for (const names of [this.scoped.get(p.namespace), this.unscoped]) {
          for (const name of names ?? []) {
            const def = this.defs.get(name)?.def;
            if (!def) continue;
            const el = this.kind.element(def, p);
            if (el === undefined || (other && this.kind.element(def, other) === el)) continue; // unchanged in this set
            const els = this.contents.get(name) ?? [];
            this.contents.set(
              name,
              phase === 'before' ? without(els, el, this.kind.compare) : withElement(els, el, this.kind.compare),
            );
          }
        }
      }
    }
  }

  /** Refills the sets whose definition says so (e.g. a namespace's labels changed). */
  rebuild(affected: (def: D) => boolean): void {
    for (const { def } of this.defs.values()) if (affected(def)) this.contents.set(def.name, this.compute(def));
  }

  private compute(def: D): string[] {
    const scope = this.kind.scope(def);
    const els: string[] = [];
    for (const p of scope === undefined ? this.pods.values() : this.pods.inNamespace(scope)) {
      const e = this.kind.element(def, p);
      if (e !== undefined) els.push(e);
    }
    return els.sort(this.kind.compare);
  }
}

/** Index of the first element not before x (binary search). */
function lowerBound(els: string[], x: string, compare: (a: string, b: string) => number): number {
  let lo = 0;
  let hi = els.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (compare(els[mid] as string, x) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function withElement(els: string[], x: string, compare: (a: string, b: string) => number): string[] {
  const i = lowerBound(els, x, compare);
  return els[i] === x ? els : [...els.slice(0, i), x, ...els.slice(i)];
}

function without(els: string[], x: string, compare: (a: string, b: string) => number): string[] {
  const i = lowerBound(els, x, compare);
  return els[i] === x ? [...els.slice(0, i), ...els.slice(i + 1)] : els;
}
