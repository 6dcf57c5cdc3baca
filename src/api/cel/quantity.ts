/**
 * Exact resource.Quantity values for CEL's `quantity()` library: a value in nano units as a BigInt,
 * so `quantity("1") == quantity("1000m")` and sums stay exact (the validation helpers in
 * api/validation/quantity.ts use JS numbers, which is enough there but not for equality here).
 * Kubernetes rounds anything finer than a nano up; so does this.
 */

const NANO = 1_000_000_000n;
const BINARY: Record<string, bigint> = {
  Ki: 1n << 10n,
  Mi: 1n << 20n,
  Gi: 1n << 30n,
  Ti: 1n << 40n,
  Pi: 1n << 50n,
  Ei: 1n << 60n,
};
const DECIMAL_EXP: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const QUANTITY_RE = /^([+-]?)([0-9]+\.?[0-9]*|\.[0-9]+)(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][-+]?[0-9]+)?$/;

export class Quantity {
  constructor(
    /** The value times 10^9. */
    readonly nanos: bigint,
    /** The text it was parsed from, kept for string(). */
    readonly text: string,
  ) {}

  static parse(text: string): Quantity | undefined {
    const m = QUANTITY_RE.exec(text);
    if (!m) return undefined;
    const sign = m[1] === '-' ? -1n : 1n;
    const [whole, frac = ''] = m[2].split('.');
    const suffix = m[3] ?? '';
    let digits = BigInt(`${whole || '0'}${frac}`);
    let exp = -frac.length;
    let factor = 1n;
    if (suffix in BINARY) factor = BINARY[suffix];
    else if (suffix in DECIMAL_EXP) exp += DECIMAL_EXP[suffix];
    else if (/^[eE]/.test(suffix)) {
      const e = Number(suffix.slice(1));
      if (Math.abs(e) > 60) return undefined;
      exp += e;
    }
    digits *= factor;
    // to nano units: multiply by 10^(exp+9), rounding a remainder up (away from zero) as Kubernetes does
    const shift = exp + 9;
    let nanos: bigint;
    if (shift >= 0) nanos = digits * 10n ** BigInt(shift);
    else {
      const div = 10n ** BigInt(-shift);
      nanos = digits / div + (digits % div === 0n ? 0n : 1n);
    }
    return new Quantity(sign * nanos, text);
  }

  static fromInt(n: bigint): Quantity {
    return new Quantity(n * NANO, `${n}`);
  }

  sign(): bigint {
    return this.nanos > 0n ? 1n : this.nanos < 0n ? -1n : 0n;
  }

  isInteger(): boolean {
    return this.nanos % NANO === 0n;
  }

  asInteger(): bigint | undefined {
    if (!this.isInteger()) return undefined;
    const v = this.nanos / NANO;
    if (v > 9223372036854775807n || v < -9223372036854775808n) return undefined;
    return v;
  }

  asApproximateFloat(): number {
    return Number(this.nanos) / 1e9;
  }

  compareTo(o: Quantity): bigint {
    return this.nanos < o.nanos ? -1n : this.nanos > o.nanos ? 1n : 0n;
  }

  add(o: Quantity): Quantity {
    const nanos = this.nanos + o.nanos;
    return new Quantity(nanos, formatNanos(nanos));
  }

  sub(o: Quantity): Quantity {
    const nanos = this.nanos - o.nanos;
    return new Quantity(nanos, formatNanos(nanos));
  }

  toString(): string {
    return this.text;
  }
}

/** A canonical-enough text of a computed value: whole numbers plain, else milli or nano units. */
function formatNanos(nanos: bigint): string {
  if (nanos % NANO === 0n) return `${nanos / NANO}`;
  if (nanos % 1_000_000n === 0n) return `${nanos / 1_000_000n}m`;
  return `${nanos}n`;
}
