/**
 * Exact resource.Quantity arithmetic for quota accounting. parseQuantity (validation/quantity.ts)
 * gives JS numbers, which is enough to compare one value against another but not to add up
 * hundreds of `100m` requests (0.1 + 0.2 !== 0.3) nor to print a sum as Kubernetes does. Here a
 * quantity is an integer count of nano-units (a bigint: `1Ei` in nano-units is far beyond 2^53)
 * plus the format its text was written in, which decides how a sum is printed
 * (`1536Mi`, `1500m`, `2k`), as resource.Quantity's String does.
 */

export type QuantityFormat = 'BinarySI' | 'DecimalSI' | 'DecimalExponent';

export interface Quantity {
  /** The value in units of 10^-9 (rounded up, as Kubernetes rounds to nano precision). */
  nano: bigint;
  format: QuantityFormat;
}

const NANO = 1_000_000_000n;
const BINARY_SUFFIXES: Record<string, number> = { Ki: 1, Mi: 2, Gi: 3, Ti: 4, Pi: 5, Ei: 6 };
const DECIMAL_SUFFIXES: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const QUANTITY_RE = /^([+-]?)([0-9]+\.?[0-9]*|\.[0-9]+)(|[numkMGTPE]|[KMGTPE]i|[eE][+-]?[0-9]+)$/;

/** The zero quantity (DecimalSI, so that adding to it takes the other operand's format). */
export const ZERO: Quantity = { nano: 0n, format: 'DecimalSI' };

/** Parses a quantity's text (or a JSON number); undefined when it is not one. Pure. */
export function parseExact(text: string | number | undefined): Quantity | undefined {
  if (typeof text === 'number') {
    if (!Number.isFinite(text)) return undefined;
    text = String(text);
  }
  if (typeof text !== 'string') return undefined;
  const m = QUANTITY_RE.exec(text.trim());
  if (!m) return undefined;
  const [, sign, number, suffix] = m;
  const [whole, frac = ''] = number.split('.');
  // digits as an integer, scaled by 10^-frac.length
  let mantissa = BigInt(`${whole || '0'}${frac}`);
  let exp10 = -frac.length;
  let binaryPower = 0;
  let format: QuantityFormat = 'DecimalSI';
  if (suffix in BINARY_SUFFIXES) {
    binaryPower = BINARY_SUFFIXES[suffix] * 10;
    format = 'BinarySI';
  } else if (suffix in DECIMAL_SUFFIXES) {
    exp10 += DECIMAL_SUFFIXES[suffix];
  } else {
    exp10 += Number(suffix.slice(1));
    format = 'DecimalExponent';
  }
  if (exp10 > 40 || binaryPower > 60 + 40) return undefined;
  mantissa <<= BigInt(binaryPower);
  // nano = mantissa * 10^(exp10 + 9), rounded up (away from zero) when it has a finer part.
  const shift = exp10 + 9;
  let nano: bigint;
  if (shift >= 0) nano = mantissa * 10n ** BigInt(shift);
  else {
    const div = 10n ** BigInt(-shift);
    nano = mantissa / div + (mantissa % div === 0n ? 0n : 1n);
  }
  return { nano: sign === '-' ? -nano : nano, format };
}

/** A quantity of `n` whole units (object counts), DecimalSI as resource.NewQuantity(n, DecimalSI). */
export function countQuantity(n: number): Quantity {
  return { nano: BigInt(n) * NANO, format: 'DecimalSI' };
}

/** a + b; the result keeps a's format unless a is zero (resource.Quantity.Add). */
export function addQuantity(a: Quantity, b: Quantity): Quantity {
  return { nano: a.nano + b.nano, format: a.nano === 0n ? b.format : a.format };
}

/** a - b in a's format. */
export function subQuantity(a: Quantity, b: Quantity): Quantity {
  return { nano: a.nano - b.nano, format: a.nano === 0n ? b.format : a.format };
}

/** -1, 0 or 1 as a is below, equal to or above b. */
export function cmpQuantity(a: Quantity, b: Quantity): number {
  return a.nano < b.nano ? -1 : a.nano > b.nano ? 1 : 0;
}

/** The value in milli-units, rounded up (resource.Quantity.MilliValue), as a JS number. */
export function milliValue(q: Quantity): number {
  const div = 1_000_000n;
  const r = q.nano / div + (q.nano % div > 0n ? 1n : 0n);
  return Number(r);
}

/** The quantity's canonical text, as resource.Quantity.String prints it (`0`, `500m`, `1536Mi`, `2k`). Pure. */
export function formatQuantity(q: Quantity): string {
  if (q.nano === 0n) return '0';
  const negative = q.nano < 0n;
  const abs = negative ? -q.nano : q.nano;
  const sign = negative ? '-' : '';
  let format = q.format;
  if (format === 'BinarySI') {
    // Small or fractional binary values print as decimal ones.
    if (abs < 1024n * NANO || abs % NANO !== 0n) format = 'DecimalSI';
    else {
      let units = abs / NANO;
      let power = 0;
      while (power < 6 && units % 1024n === 0n) {
        units /= 1024n;
        power++;
      }
      return `${sign}${units}${['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'][power]}`;
    }
  }
  // mantissa * 10^exponent with the exponent a multiple of 3, as large as keeps the mantissa whole.
  let mantissa = abs;
  let exponent = -9;
  while (exponent < 18 && mantissa % 1000n === 0n) {
    mantissa /= 1000n;
    exponent += 3;
  }
  if (format === 'DecimalExponent') return exponent === 0 ? `${sign}${mantissa}` : `${sign}${mantissa}e${exponent}`;
  const suffix: Record<number, string> = {
    [-9]: 'n',
    [-6]: 'u',
    [-3]: 'm',
    0: '',
    3: 'k',
    6: 'M',
    9: 'G',
    12: 'T',
    15: 'P',
    18: 'E',
  };
  return `${sign}${mantissa}${suffix[exponent]}`;
}

/** The canonical text of a quantity's text (`1000m` -> `1`), or the text itself when it does not parse. */
export function canonicalQuantity(text: string | number): string {
  const q = parseExact(text);
  return q ? formatQuantity(q) : String(text);
}
