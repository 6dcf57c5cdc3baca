import type { PodAffinityTerm } from 'kubernetes-types/core/v1.js';
import { selectorMatches, selectorIsEmpty } from '../../api/validation/label-selector.js';
import type { PodInfo } from './pod-info.js';

/**
 * Whether `target` is selected by an affinity term declared by a pod in `ownerNamespace`: its
 * namespace is among term.namespaces (default: the owner's), or namespaceSelector is `{}` (all
 * namespaces), and its labels match term.labelSelector (a missing selector selects nothing).
 * A non-empty namespaceSelector is not evaluated (no namespace labels in the scheduler yet): only
 * term.namespaces and the owner's namespace count then. Pure.
 */
export function affinityTermMatches(term: PodAffinityTerm, ownerNamespace: string, target: PodInfo): boolean {
  if (!term.labelSelector) return false;
  const allNamespaces =
    term.namespaceSelector !== undefined && selectorIsEmpty(term.namespaceSelector) && !term.namespaces?.length;
  if (!allNamespaces) {
    const namespaces = term.namespaces?.length ? term.namespaces : [ownerNamespace];
    if (!namespaces.includes(target.namespace)) return false;
  }
  return selectorMatches(term.labelSelector, target.labels as Record<string, string>);
}

/** Scores or counts per topology domain: topologyKey -> value -> number. */
export class TopologyCounts {
  private readonly byKey = new Map<string, Map<string, number>>();

  add(key: string, value: string | undefined, n: number): void {
    if (value === undefined) return;
    let m = this.byKey.get(key);
    if (!m) this.byKey.set(key, (m = new Map()));
    m.set(value, (m.get(value) ?? 0) + n);
  }

  get(key: string, value: string | undefined): number {
    return value === undefined ? 0 : (this.byKey.get(key)?.get(value) ?? 0);
  }

  get empty(): boolean {
    return this.byKey.size === 0;
  }

  /** Sum over every key of the count of the node's domain for that key. */
  sumFor(labels: Readonly<Record<string, string>>): number {
    let s = 0;
    for (const [key, m] of this.byKey) {
      const v = labels[key];
      if (v !== undefined) s += m.get(v) ?? 0;
    }
    return s;
  }

  /** Whether any key has a positive count in the node's domain. */
  anyPositive(labels: Readonly<Record<string, string>>): boolean {
    for (const [key, m] of this.byKey) {
      const v = labels[key];
      if (v !== undefined && (m.get(v) ?? 0) > 0) return true;
    }
    return false;
  }
}
