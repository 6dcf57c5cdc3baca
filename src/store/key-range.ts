/**
 * Key ranges for prefix scans. Keys are ordered by Unicode code point, which is the byte order of
 * their UTF-8 encoding: the order SQLite (BINARY collation) and etcd use.
 */

/**
 * The smallest string greater than every string starting with `prefix`, or undefined when no
 * such bound exists (empty prefix, or a prefix made only of U+10FFFF). Pure; used as the exclusive
 * upper end of a prefix range: `prefix <= key < prefixEnd(prefix)`.
 */
export function prefixEnd(prefix: string): string | undefined {
  const points = Array.from(prefix);
  while (points.length > 0) {
    const last = points.pop() as string;
    let cp = (last.codePointAt(0) as number) + 1;
    if (cp === 0xd800) cp = 0xe000; // skip the surrogate range
    if (cp <= 0x10ffff) return points.join('') + String.fromCodePoint(cp);
  }
  return undefined;
}

/** Compares two keys in code point (UTF-8 byte) order; negative, zero or positive like a sort comparator. */
export function compareKeys(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // Surrogates (astral code points) sort after U+E000..U+FFFF in code point order.
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs !== ys) return xs ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}
