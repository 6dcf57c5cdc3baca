/**
 * Kubernetes' CEL libraries on top of cel-js' standard environment (k8s.io/apiserver/pkg/cel/library
 * and cel-go's ext packages as Kubernetes enables them): lists, strings (the parts cel-js lacks),
 * regex, url, quantity, ip/cidr and sets. cel-js already has cel.bind, optional types, the string
 * functions indexOf/lastIndexOf/lowerAscii/upperAscii/split/substring/trim/join.
 */
import { type Environment, EvaluationError } from '@marcbachmann/cel-js';
import { CIDR, IPAddress } from './ip.js';
import { Quantity } from './quantity.js';

/** A parsed URL as Kubernetes' `kubernetes.URL` (absolute URI or absolute path). */
export class KubeURL {
  constructor(
    readonly scheme: string,
    readonly host: string,
    readonly path: string,
    readonly rawQuery: string,
    readonly text: string,
  ) {}

  static parse(text: string): KubeURL | string {
    if (text.startsWith('/')) {
      const q = text.indexOf('?');
      return new KubeURL('', '', q < 0 ? text : text.slice(0, q), q < 0 ? '' : text.slice(q + 1), text);
    }
    const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/([^/?#]*)([^?#]*)(?:\?([^#]*))?(?:#.*)?$/.exec(text);
    if (!m) return `URL parse error during conversion from string: parse "${text}": invalid URI for request`;
    return new KubeURL(m[1], m[2], m[3], m[4] ?? '', text);
  }

  hostname(): string {
    const h = this.host.startsWith('[') ? this.host.slice(1, this.host.indexOf(']')) : this.host.replace(/:\d*$/, '');
    return h;
  }

  port(): string {
    const m = /:(\d*)$/.exec(this.host.startsWith('[') ? this.host.slice(this.host.indexOf(']')) : this.host);
    return m ? m[1] : '';
  }

  query(): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    if (!this.rawQuery) return out;
    for (const part of this.rawQuery.split('&')) {
      if (!part) continue;
      const eq = part.indexOf('=');
      const k = decode(eq < 0 ? part : part.slice(0, eq));
      const v = eq < 0 ? '' : decode(part.slice(eq + 1));
      (out[k] ??= []).push(v);
    }
    return out;
  }
}

/** Receivers of namespaced functions (`sets.contains`, `strings.quote`, `ip.isCanonical`). */
class SetsNamespace {}
class StringsNamespace {}
class IPNamespace {}

function decode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

function fail(message: string): never {
  throw new EvaluationError(message);
}

/** A regular expression in RE2 syntax as JS runs it: leading `(?i)`, `(?s)`, `(?m)` become flags. */
export function re2(pattern: string, global = false): RegExp {
  let flags = global ? 'gu' : 'u';
  let body = pattern;
  const lead = /^\(\?([ims]+)\)/.exec(body);
  if (lead) {
    flags += lead[1];
    body = body.slice(lead[0].length);
  }
  try {
    return new RegExp(body, flags);
  } catch (e) {
    return fail(`error parsing regexp: ${(e as Error).message}`);
  }
}

type Ordered = bigint | number | string | boolean;

function compare(a: unknown, b: unknown): number {
  if (a instanceof Date && b instanceof Date) return a.getTime() - b.getTime();
  const x = a as Ordered;
  const y = b as Ordered;
  return x < y ? -1 : x > y ? 1 : 0;
}

function equalValues(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a instanceof Quantity && b instanceof Quantity) return a.nanos === b.nanos;
  if (typeof a === 'object' && typeof b === 'object' && a !== null && b !== null) {
    return JSON.stringify(a, bigintText) === JSON.stringify(b, bigintText);
  }
  return false;
}

function bigintText(_k: string, v: unknown): unknown {
  return typeof v === 'bigint' ? `${v}n` : v;
}

const COMPARABLE = ['int', 'uint', 'double', 'string', 'bool', 'bytes', 'google.protobuf.Timestamp'];

function registerLists(env: Environment): void {
  for (const t of COMPARABLE) {
    env.registerFunction(`list<${t}>.isSorted(): bool`, (l: unknown[]) => {
      for (let i = 1; i < l.length; i++) if (compare(l[i - 1], l[i]) > 0) return false;
      return true;
    });
    env.registerFunction(`list<${t}>.min(): ${t}`, (l: unknown[]) => {
      if (l.length === 0) fail('min(list) called on empty list');
      return l.reduce((m, v) => (compare(v, m) < 0 ? v : m));
    });
    env.registerFunction(`list<${t}>.max(): ${t}`, (l: unknown[]) => {
      if (l.length === 0) fail('max(list) called on empty list');
      return l.reduce((m, v) => (compare(v, m) > 0 ? v : m));
    });
  }
  env.registerFunction('list<int>.sum(): int', (l: bigint[]) => l.reduce((a, b) => a + b, 0n));
  env.registerFunction('list<double>.sum(): double', (l: number[]) => l.reduce((a, b) => a + b, 0));
  env.registerFunction('list<A>.indexOf(A): int', (l: unknown[], v: unknown) => {
    for (let i = 0; i < l.length; i++) if (equalValues(l[i], v)) return BigInt(i);
    return -1n;
  });
  env.registerFunction('list<A>.lastIndexOf(A): int', (l: unknown[], v: unknown) => {
    for (let i = l.length - 1; i >= 0; i--) if (equalValues(l[i], v)) return BigInt(i);
    return -1n;
  });
  // sets (cel-go ext/sets): `sets` is a constant of a namespace type, as cel-js does for `optional`
  env.registerType('SetsNamespace', SetsNamespace);
  env.registerConstant('sets', 'SetsNamespace', new SetsNamespace());
  const has = (l: unknown[], v: unknown) => l.some((x) => equalValues(x, v));
  env.registerFunction('SetsNamespace.contains(list<A>, list<A>): bool', (_: unknown, a: unknown[], b: unknown[]) =>
    b.every((v) => has(a, v)),
  );
  env.registerFunction(
    'SetsNamespace.equivalent(list<A>, list<A>): bool',
    (_: unknown, a: unknown[], b: unknown[]) => b.every((v) => has(a, v)) && a.every((v) => has(b, v)),
  );
  env.registerFunction('SetsNamespace.intersects(list<A>, list<A>): bool', (_: unknown, a: unknown[], b: unknown[]) =>
    b.some((v) => has(a, v)),
  );
}

function codePoints(s: string): string[] {
  return Array.from(s);
}

function registerStrings(env: Environment): void {
  env.registerFunction('string.charAt(int): string', (s: string, i: bigint) => {
    const cps = codePoints(s);
    if (i < 0n || i > BigInt(cps.length)) fail(`index out of range: ${i}`);
    return cps[Number(i)] ?? '';
  });
  env.registerFunction('string.replace(string, string): string', (s: string, a: string, b: string) =>
    s.split(a).join(b),
  );
  env.registerFunction('string.replace(string, string, int): string', (s: string, a: string, b: string, n: bigint) => {
    if (n < 0n) return s.split(a).join(b);
    let out = s;
    let from = 0;
    for (let k = 0n; k < n; k++) {
      const at = out.indexOf(a, from);
      if (at < 0) break;
      out = out.slice(0, at) + b + out.slice(at + a.length);
      from = at + b.length + (a === '' ? 1 : 0);
    }
    return out;
  });
  env.registerFunction('string.reverse(): string', (s: string) => codePoints(s).reverse().join(''));
  env.registerType('StringsNamespace', StringsNamespace);
  env.registerConstant('strings', 'StringsNamespace', new StringsNamespace());
  env.registerFunction('StringsNamespace.quote(string): string', (_: unknown, s: string) => JSON.stringify(s));
  env.registerFunction('string.format(list): string', (s: string, args: unknown[]) => formatString(s, args));
  // regex
  env.registerFunction('string.find(string): string', (s: string, p: string) => re2(p).exec(s)?.[0] ?? '');
  env.registerFunction('string.findAll(string): list<string>', (s: string, p: string) =>
    Array.from(s.matchAll(re2(p, true)), (m) => m[0]),
  );
  env.registerFunction('string.findAll(string, int): list<string>', (s: string, p: string, n: bigint) => {
    const all = Array.from(s.matchAll(re2(p, true)), (m) => m[0]);
    return n < 0n ? all : all.slice(0, Number(n));
  });
}

/** cel-go's string.format: %s %d %f %e %x %X %o %b %%, with a precision for %f/%e. */
function formatString(fmt: string, args: unknown[]): string {
  let i = 0;
  return fmt.replace(/%(\.\d+)?([sdfeExXob%])/g, (_m, prec: string | undefined, verb: string) => {
    if (verb === '%') return '%';
    if (i >= args.length) fail(`index ${i} out of range`);
    const v = args[i++];
    const p = prec ? Number(prec.slice(1)) : 6;
    switch (verb) {
      case 's':
        return showValue(v);
      case 'd':
        if (typeof v !== 'bigint' && !(typeof v === 'object' && v !== null && 'value' in v))
          fail('error during formatting: decimal clause can only be used on integers');
        return `${typeof v === 'bigint' ? v : (v as { value: bigint }).value}`;
      case 'f':
        return Number(v).toFixed(p);
      case 'e':
      case 'E': {
        const t = Number(v)
          .toExponential(p)
          .replace(/e([+-])(\d)$/, 'e$10$2');
        return verb === 'E' ? t.toUpperCase() : t;
      }
      case 'x':
      case 'X': {
        const t =
          typeof v === 'string'
            ? Buffer.from(v).toString('hex')
            : v instanceof Uint8Array
              ? Buffer.from(v).toString('hex')
              : BigInt(v as bigint).toString(16);
        return verb === 'X' ? t.toUpperCase() : t;
      }
      case 'o':
        return BigInt(v as bigint).toString(8);
      default:
        return BigInt(v as bigint).toString(2);
    }
  });
}

function showValue(v: unknown): string {
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return `[${v.map(showValue).join(', ')}]`;
  if (v instanceof Date) return v.toISOString().replace('.000Z', 'Z');
  if (v === null) return 'null';
  if (typeof v === 'object') {
    if (v instanceof Map) return `{${[...v].map(([k, x]) => `${showValue(k)}: ${showValue(x)}`).join(', ')}}`;
    if (v instanceof Quantity || v instanceof IPAddress || v instanceof CIDR || v instanceof KubeURL) return `${v}`;
    return `{${Object.entries(v)
      .map(([k, x]) => `${k}: ${showValue(x)}`)
      .join(', ')}}`;
  }
  return `${v}`;
}

function registerUrls(env: Environment): void {
  env.registerType('kubernetes.URL', KubeURL);
  const url = (s: string) => {
    const u = KubeURL.parse(s);
    return typeof u === 'string' ? fail(u) : u;
  };
  env.registerFunction('url(string): kubernetes.URL', url);
  env.registerFunction('isURL(string): bool', (s: string) => typeof KubeURL.parse(s) !== 'string');
  env.registerFunction('kubernetes.URL.getScheme(): string', (u: KubeURL) => u.scheme);
  env.registerFunction('kubernetes.URL.getHost(): string', (u: KubeURL) => u.host);
  env.registerFunction('kubernetes.URL.getHostname(): string', (u: KubeURL) => u.hostname());
  env.registerFunction('kubernetes.URL.getPort(): string', (u: KubeURL) => u.port());
  env.registerFunction('kubernetes.URL.getEscapedPath(): string', (u: KubeURL) => u.path);
  env.registerFunction('kubernetes.URL.getQuery(): map<string, list<string>>', (u: KubeURL) => u.query());
  env.registerFunction('string(kubernetes.URL): string', (u: KubeURL) => u.text);
}

function registerQuantities(env: Environment): void {
  env.registerType('kubernetes.Quantity', Quantity);
  const q = (s: string) =>
    Quantity.parse(s) ??
    fail("quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
  const T = 'kubernetes.Quantity';
  env.registerFunction(`quantity(string): ${T}`, q);
  env.registerFunction('isQuantity(string): bool', (s: string) => Quantity.parse(s) !== undefined);
  env.registerFunction(`${T}.sign(): int`, (a: Quantity) => a.sign());
  env.registerFunction(`${T}.isInteger(): bool`, (a: Quantity) => a.isInteger());
  env.registerFunction(
    `${T}.asInteger(): int`,
    (a: Quantity) => a.asInteger() ?? fail('cannot convert value to integer'),
  );
  env.registerFunction(`${T}.asApproximateFloat(): double`, (a: Quantity) => a.asApproximateFloat());
  env.registerFunction(`${T}.isGreaterThan(${T}): bool`, (a: Quantity, b: Quantity) => a.compareTo(b) > 0n);
  env.registerFunction(`${T}.isLessThan(${T}): bool`, (a: Quantity, b: Quantity) => a.compareTo(b) < 0n);
  env.registerFunction(`${T}.compareTo(${T}): int`, (a: Quantity, b: Quantity) => a.compareTo(b));
  env.registerFunction(`${T}.add(${T}): ${T}`, (a: Quantity, b: Quantity) => a.add(b));
  env.registerFunction(`${T}.add(int): ${T}`, (a: Quantity, b: bigint) => a.add(Quantity.fromInt(b)));
  env.registerFunction(`${T}.sub(${T}): ${T}`, (a: Quantity, b: Quantity) => a.sub(b));
  env.registerFunction(`${T}.sub(int): ${T}`, (a: Quantity, b: bigint) => a.sub(Quantity.fromInt(b)));
  env.registerFunction(`string(${T}): string`, (a: Quantity) => a.text);
  env.registerOperator(`${T} == ${T}`, (a: Quantity, b: Quantity) => a.nanos === b.nanos);
}

function registerNetwork(env: Environment): void {
  env.registerType('net.IP', IPAddress);
  env.registerType('net.CIDR', CIDR);
  const ip = (s: string) => {
    const v = IPAddress.parse(s);
    return typeof v === 'string' ? fail(`IP Address "${s}" parse error during conversion from string: ${v}`) : v;
  };
  const cidr = (s: string) => {
    const v = CIDR.parse(s);
    return typeof v === 'string' ? fail(`network address parse error during conversion from string: ${v}`) : v;
  };
  env.registerFunction('ip(string): net.IP', ip);
  env.registerFunction('isIP(string): bool', (s: string) => typeof IPAddress.parse(s) !== 'string');
  env.registerType('IPNamespace', IPNamespace);
  env.registerConstant('ip', 'IPNamespace', new IPNamespace());
  env.registerFunction('IPNamespace.isCanonical(string): bool', (_: unknown, s: string) => ip(s).toString() === s);
  env.registerFunction('net.IP.family(): int', (a: IPAddress) => BigInt(a.family));
  env.registerFunction('net.IP.isUnspecified(): bool', (a: IPAddress) => a.isUnspecified());
  env.registerFunction('net.IP.isLoopback(): bool', (a: IPAddress) => a.isLoopback());
  env.registerFunction('net.IP.isLinkLocalMulticast(): bool', (a: IPAddress) => a.isLinkLocalMulticast());
  env.registerFunction('net.IP.isLinkLocalUnicast(): bool', (a: IPAddress) => a.isLinkLocalUnicast());
  env.registerFunction('net.IP.isGlobalUnicast(): bool', (a: IPAddress) => a.isGlobalUnicast());
  env.registerFunction('string(net.IP): string', (a: IPAddress) => a.toString());
  env.registerOperator(
    'net.IP == net.IP',
    (a: IPAddress, b: IPAddress) => a.family === b.family && a.value === b.value,
  );
  env.registerFunction('cidr(string): net.CIDR', cidr);
  env.registerFunction('isCIDR(string): bool', (s: string) => typeof CIDR.parse(s) !== 'string');
  env.registerFunction('net.CIDR.containsIP(net.IP): bool', (c: CIDR, a: IPAddress) => c.containsIP(a));
  env.registerFunction('net.CIDR.containsIP(string): bool', (c: CIDR, a: string) => c.containsIP(ip(a)));
  env.registerFunction('net.CIDR.containsCIDR(net.CIDR): bool', (c: CIDR, o: CIDR) => c.containsCIDR(o));
  env.registerFunction('net.CIDR.containsCIDR(string): bool', (c: CIDR, o: string) => c.containsCIDR(cidr(o)));
  env.registerFunction('net.CIDR.ip(): net.IP', (c: CIDR) => c.ip);
  env.registerFunction('net.CIDR.masked(): net.CIDR', (c: CIDR) => c.masked());
  env.registerFunction('net.CIDR.prefixLength(): int', (c: CIDR) => BigInt(c.prefixLength));
  env.registerFunction('string(net.CIDR): string', (c: CIDR) => c.toString());
  env.registerOperator(
    'net.CIDR == net.CIDR',
    (a: CIDR, b: CIDR) => a.prefixLength === b.prefixLength && a.ip.family === b.ip.family && a.ip.value === b.ip.value,
  );
}

/** Standard CEL conversions cel-js lacks: string() and int() of timestamps, string() of durations. */
function registerConversions(env: Environment): void {
  const TS = 'google.protobuf.Timestamp';
  env.registerFunction(`string(${TS}): string`, (d: Date) => d.toISOString().replace(/\.000Z$/, 'Z'));
  env.registerFunction(`int(${TS}): int`, (d: Date) => BigInt(Math.floor(d.getTime() / 1000)));
  env.registerFunction('string(google.protobuf.Duration): string', (d: { toString(): string }) => d.toString());
}

/** Adds every Kubernetes CEL library to `env` (a fresh environment, before it is cloned). */
export function registerKubernetesLibraries(env: Environment): Environment {
  registerConversions(env);
  registerLists(env);
  registerStrings(env);
  registerUrls(env);
  registerQuantities(env);
  registerNetwork(env);
  return env;
}
