/**
 * resource.Quantity parsing (k8s.io/apimachinery/pkg/api/resource): `100m`, `1Gi`, `1e3`, `0.5`.
 * Values are returned as JS numbers, precise enough for validation and comparisons.
 */

export const QUANTITY_FORMAT = '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$';
export const QUANTITY_ERROR = `quantities must match the regular expression '${QUANTITY_FORMAT}'`;

const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};

const QUANTITY_RE = new RegExp(QUANTITY_FORMAT);
const NUMBER_AND_SUFFIX_RE = /^([+-]?)([0-9]+\.?[0-9]*|\.[0-9]+)(.*)$/;

/** Values of the quantities seen lately: every pod repeats the same few (`100m`, `128Mi`). */
const known = new Map<string, number | undefined>();
const KNOWN_MAX = 1024;

/** The numeric value of a quantity, or undefined when it does not parse. Numbers pass through. */
export function parseQuantity(q: string | number | undefined): number | undefined {
  if (typeof q === 'number') return Number.isFinite(q) ? q : undefined;
  if (typeof q !== 'string') return undefined;
  const seen = known.get(q);
  if (seen !== undefined || known.has(q)) return seen;
  const value = parseQuantityText(q);
  if (known.size >= KNOWN_MAX) known.clear();
  known.set(q, value);
  return value;
}

/**
 * The numeric value of a quantity the caller knows to be valid (the API server validated it):
 * throws `invalid quantity <q>` when it does not parse, like Kubernetes' resource.MustParse.
 */
export function mustParseQuantity(q: string | number): number {
  const value = parseQuantity(q);
  if (value === undefined) throw new Error(`invalid quantity ${q}`);
  return value;
}

function parseQuantityText(q: string): number | undefined {
  const m = NUMBER_AND_SUFFIX_RE.exec(q);
  if (!m || !QUANTITY_RE.test(q)) return undefined;
  const num = Number(`${m[1]}${m[2]}`);
  const suffix = m[3];
  if (suffix in BINARY) return num * BINARY[suffix];
  if (suffix in DECIMAL) return num * DECIMAL[suffix];
  const exp = /^[eE]([-+]?[0-9]+)$/.exec(suffix);
  if (exp) return num * 10 ** Number(exp[1]);
  return undefined;
}

/** Kubernetes' error messages for a quantity, [] when valid. */
export function quantityErrors(q: string | number | undefined): string[] {
  return parseQuantity(q) === undefined ? [QUANTITY_ERROR] : [];
}
