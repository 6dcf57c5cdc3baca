/**
 * What every Pod Security check shares: its result type, the container visitor and the text
 * helpers whose output the messages depend on (quoting, plurals), as the upstream policy package has them.
 */
import type { Container, PodSpec } from 'kubernetes-types/core/v1.js';

/** The pod metadata a check reads (a workload's template metadata for workloads). */
export interface PodMeta {
  annotations?: Record<string, string> | null;
}

/** A check's verdict. A forbidden result has a short reason ("host namespaces") and an optional detail. */
export type CheckResult = { allowed: true } | { allowed: false; reason: string; detail: string };

export type CheckPod = (meta: PodMeta, spec: PodSpec) => CheckResult;

export const ALLOWED: CheckResult = { allowed: true };

export function forbidden(reason: string, detail: string): CheckResult {
  return { allowed: false, reason, detail };
}

/** Init containers, then containers, then ephemeral containers (the upstream visiting order, which messages show). */
export function allContainers(spec: PodSpec): Container[] {
  return [
    ...(spec.initContainers ?? []),
    ...(spec.containers ?? []),
    ...((spec.ephemeralContainers ?? []) as Container[]),
  ];
}

/** `"a", "b"` (Go's joinQuote). */
export function joinQuote(items: readonly string[]): string {
  return items.length === 0 ? '' : items.map(goQuote).join(', ');
}

export function pluralize(singular: string, plural: string, count: number): string {
  return count === 1 ? singular : plural;
}

/** The sorted distinct values (Go's sets.NewString(...).List(): byte order). */
export function sortedSet(values: Iterable<string>): string[] {
  return [...new Set(values)].sort(byteOrder);
}

export function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Go's %q for the strings these messages quote: JSON escaping, with Go's spelling of control characters. */
export function goQuote(s: string): string {
  return JSON.stringify(s).replace(/\\u00([01][0-9a-f])|\x7f/g, (_m, hex: string | undefined) => {
    if (hex === '07') return '\\a';
    if (hex === '0b') return '\\v';
    return `\\x${hex ?? '7f'}`;
  });
}

/** "container "a"" / "containers "a", "b"". */
export function containersPhrase(names: readonly string[]): string {
  return `${pluralize('container', 'containers', names.length)} ${joinQuote(names)}`;
}

/** Pods whose spec.os.name is windows are exempt from some restricted checks since v1.25. */
export function isWindowsPod(spec: PodSpec): boolean {
  return spec.os?.name === 'windows';
}

/** Pods in a user namespace (hostUsers: false) are exempt from some checks since v1.35. */
export function inUserNamespace(spec: PodSpec): boolean {
  return spec.hostUsers === false;
}
