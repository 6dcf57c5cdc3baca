/**
 * Hands out fixed-size subnets (e.g. /24s) of a cluster range (e.g. 10.42.0.0/16), lowest free
 * first, never the same one twice until released (kube-controller-manager's range allocator,
 * IPv4 only). Not persistent: the node IPAM controller rebuilds it from the Nodes' spec.podCIDR.
 */
export class CidrAllocator {
  private readonly base: number;
  private readonly count: number;
  private readonly used: Uint8Array;
  private next = 0;

  /** Throws when the range is not IPv4 CIDR or the subnet mask is not longer than the range's. */
  constructor(
    clusterCidr: string,
    readonly subnetMaskSize: number,
  ) {
    const { ip, bits } = parseCidr(clusterCidr);
    if (subnetMaskSize < bits || subnetMaskSize > 32)
      throw new Error(`node mask /${subnetMaskSize} does not fit in ${clusterCidr}`);
    this.base = ip & maskOf(bits);
    this.count = 2 ** (subnetMaskSize - bits);
    this.used = new Uint8Array(this.count);
  }

  /** Free subnets left. */
  get free(): number {
    let n = 0;
    for (const u of this.used) if (!u) n++;
    return n;
  }

  /** The lowest free subnet after the last one handed out (wrapping), marked used; undefined when full. */
  allocate(): string | undefined {
    for (let i = 0; i < this.count; i++) {
      const idx = (this.next + i) % this.count;
      if (this.used[idx]) continue;
      this.used[idx] = 1;
      this.next = (idx + 1) % this.count;
      return this.cidrAt(idx);
    }
    return undefined;
  }

  /** Marks a subnet used (a node already has it). Returns false when it is outside the range, misaligned, or already used. */
  occupy(cidr: string): boolean {
    const idx = this.indexOf(cidr);
    if (idx === undefined || this.used[idx]) return false;
    this.used[idx] = 1;
    return true;
  }

  /** Frees a subnet (no-op for one outside the range). */
  release(cidr: string): void {
    const idx = this.indexOf(cidr);
    if (idx !== undefined) this.used[idx] = 0;
  }

  private indexOf(cidr: string): number | undefined {
    let parsed;
    try {
      parsed = parseCidr(cidr);
    } catch {
      return undefined;
    }
    if (parsed.bits !== this.subnetMaskSize) return undefined;
    const offset = (parsed.ip - this.base) >>> 0;
    const size = 2 ** (32 - this.subnetMaskSize);
    if (offset % size !== 0 || offset / size >= this.count) return undefined;
    return offset / size;
  }

  private cidrAt(idx: number): string {
    return `${formatIp((this.base + idx * 2 ** (32 - this.subnetMaskSize)) >>> 0)}/${this.subnetMaskSize}`;
  }
}

function maskOf(bits: number): number {
  return bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
}

/** Parses `a.b.c.d/n` into an unsigned 32-bit address and prefix length. Throws on bad input. Pure. */
export function parseCidr(cidr: string): { ip: number; bits: number } {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
  if (!m) throw new Error(`invalid IPv4 CIDR ${cidr}`);
  const octets = m.slice(1, 5).map(Number);
  const bits = Number(m[5]);
  if (octets.some((o) => o > 255) || bits > 32) throw new Error(`invalid IPv4 CIDR ${cidr}`);
  return { ip: octets.reduce((acc, o) => acc * 256 + o, 0) >>> 0, bits };
}

/** Dotted quad of an unsigned 32-bit address. Pure. */
export function formatIp(ip: number): string {
  return [ip >>> 24, (ip >>> 16) & 255, (ip >>> 8) & 255, ip & 255].join('.');
}
