/**
 * IP addresses and CIDRs for CEL's `ip()` / `cidr()` libraries, parsed as Kubernetes' CEL does
 * (netip): no zones, no IPv4-mapped IPv6 form, no leading zeros in IPv4 octets. An address is its
 * family and a 32- or 128-bit BigInt; written back in canonical form.
 */
import { isIPv4, isIPv6 } from 'node:net';

export class IPAddress {
  constructor(
    readonly family: 4 | 6,
    readonly value: bigint,
  ) {}

  get bits(): number {
    return this.family === 4 ? 32 : 128;
  }

  /** The address parsed the Kubernetes way, or an error text. */
  static parse(text: string): IPAddress | string {
    if (text.includes('%')) return `IP address with zone value is not allowed`;
    if (isIPv4(text)) {
      if (text.split('.').some((o) => o.length > 1 && o.startsWith('0')))
        return `ParseAddr("${text}"): IPv4 field has octet with leading zero`;
      return new IPAddress(
        4,
        text.split('.').reduce((acc, o) => (acc << 8n) | BigInt(Number(o)), 0n),
      );
    }
    if (isIPv6(text)) {
      if (/\.\d+$/.test(text) && /^(::ffff:|0*:0*:0*:0*:0*:ffff:)/i.test(text))
        return `IPv4-mapped IPv6 address is not allowed`;
      return new IPAddress(6, parseIPv6(text));
    }
    return `ParseAddr("${text}"): unable to parse IP`;
  }

  isUnspecified(): boolean {
    return this.value === 0n;
  }

  isLoopback(): boolean {
    return this.family === 4 ? this.value >> 24n === 127n : this.value === 1n;
  }

  isLinkLocalMulticast(): boolean {
    return this.family === 4 ? this.value >> 8n === 0xe00000n : this.value >> 112n === 0xff02n;
  }

  isLinkLocalUnicast(): boolean {
    return this.family === 4 ? this.value >> 16n === 0xa9fen : this.value >> 118n === 0x3fan;
  }

  isGlobalUnicast(): boolean {
    if (this.family === 4) {
      if (this.value === 0xffffffffn) return false;
      return !(this.isUnspecified() || this.isLoopback() || this.isLinkLocalUnicast() || this.value >> 28n === 0xen);
    }
    return !(this.isUnspecified() || this.isLoopback() || this.isLinkLocalUnicast() || this.value >> 120n === 0xffn);
  }

  toString(): string {
    if (this.family === 4) return [24n, 16n, 8n, 0n].map((s) => `${(this.value >> s) & 255n}`).join('.');
    const groups: number[] = [];
    for (let i = 7; i >= 0; i--) groups.push(Number((this.value >> BigInt(i * 16)) & 0xffffn));
    // the longest run of two or more zero groups becomes `::` (RFC 5952)
    let best = -1;
    let bestLen = 1;
    for (let i = 0; i < 8; ) {
      if (groups[i] !== 0) {
        i++;
        continue;
      }
      let j = i;
      while (j < 8 && groups[j] === 0) j++;
      if (j - i > bestLen) [best, bestLen] = [i, j - i];
      i = j;
    }
    const hex = groups.map((g) => g.toString(16));
    if (best < 0) return hex.join(':');
    return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
  }
}

function parseIPv6(text: string): bigint {
  let t = text;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(t);
  if (v4) {
    const n = v4[1].split('.').reduce((acc, o) => (acc << 8n) | BigInt(Number(o)), 0n);
    t = `${t.slice(0, -v4[1].length)}${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
  }
  const [head, tail] = t.includes('::') ? t.split('::') : [t, undefined];
  const h = head ? head.split(':') : [];
  const tl = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - tl.length).fill('0'), ...tl];
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(Number.parseInt(g, 16)), 0n);
}

export class CIDR {
  constructor(
    readonly ip: IPAddress,
    readonly prefixLength: number,
  ) {}

  static parse(text: string): CIDR | string {
    const slash = text.indexOf('/');
    if (slash < 0) return `netip.ParsePrefix("${text}"): no '/'`;
    const ip = IPAddress.parse(text.slice(0, slash));
    if (typeof ip === 'string') return `netip.ParsePrefix("${text}"): ${ip}`;
    const bitsText = text.slice(slash + 1);
    const bits = /^(0|[1-9][0-9]*)$/.test(bitsText) ? Number(bitsText) : Number.NaN;
    if (!(bits >= 0 && bits <= ip.bits)) return `netip.ParsePrefix("${text}"): bad bits after slash: "${bitsText}"`;
    return new CIDR(ip, bits);
  }

  private mask(): bigint {
    const all = (1n << BigInt(this.ip.bits)) - 1n;
    return all ^ ((1n << BigInt(this.ip.bits - this.prefixLength)) - 1n);
  }

  masked(): CIDR {
    return new CIDR(new IPAddress(this.ip.family, this.ip.value & this.mask()), this.prefixLength);
  }

  containsIP(ip: IPAddress): boolean {
    return ip.family === this.ip.family && (ip.value & this.mask()) === (this.ip.value & this.mask());
  }

  containsCIDR(other: CIDR): boolean {
    return other.ip.family === this.ip.family && other.prefixLength >= this.prefixLength && this.containsIP(other.ip);
  }

  toString(): string {
    return `${this.ip}/${this.prefixLength}`;
  }
}
