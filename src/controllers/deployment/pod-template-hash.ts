import type { PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import { deepEqual } from '../../api/deep-equal.js';

/** The label on a Deployment's ReplicaSets and pods (and in their selectors) naming the template. */
export const POD_TEMPLATE_HASH = 'pod-template-hash';

/** rand.SafeEncodeString's alphabet: no vowels, no 0/1/3 (avoids words and look-alikes). */
const SAFE = 'bcdfghjklmnpqrstvwxz2456789';

/** 32-bit FNV-1a over bytes. Pure. */
export function fnv32a(bytes: Uint8Array, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (const b of bytes) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** JSON with object keys sorted, so equal templates always give equal text. Pure. */
export function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${stableJson(x)}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/**
 * controller.ComputeHash: FNV-32a of the template (Kubernetes hashes a spew dump; we hash a
 * stable JSON form, equally deterministic), then collisionCount as 4 little-endian bytes when
 * set, printed in decimal and mapped through SafeEncodeString. Pure.
 */
export function computeHash(template: PodTemplateSpec | undefined, collisionCount?: number): string {
  let h = fnv32a(new TextEncoder().encode(stableJson(template ?? {})));
  if (collisionCount !== undefined && collisionCount !== null) {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, collisionCount >>> 0, true);
    h = fnv32a(b, h);
  }
  return [...String(h)].map((c) => SAFE[c.charCodeAt(0) % SAFE.length]).join('');
}

/** Whether two templates are equal once the pod-template-hash label is ignored (EqualIgnoreHash). Pure. */
export function equalIgnoreHash(a: PodTemplateSpec | undefined, b: PodTemplateSpec | undefined): boolean {
  return deepEqual(withoutHash(a), withoutHash(b));
}

function withoutHash(t: PodTemplateSpec | undefined): unknown {
  const c = structuredClone(t ?? {});
  if (c.metadata?.labels) {
    delete c.metadata.labels[POD_TEMPLATE_HASH];
    if (Object.keys(c.metadata.labels).length === 0) delete c.metadata.labels;
  }
  if (c.metadata && Object.keys(c.metadata).length === 0) delete c.metadata;
  return c;
}
