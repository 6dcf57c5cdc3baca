import { cidrNetwork, cidrSize, formatIPv4, parseIPv4Cidr, type IPv4Cidr } from './ipv4.js';

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
    const range = parseIPv4Cidr(clusterCidr);
    if (!range) throw new Error(`invalid IPv4 CIDR ${clusterCidr}`);
    if (subnetMaskSize < range.prefix || subnetMaskSize > 32)
      throw new Error(`node mask /${subnetMaskSize} does not fit in ${clusterCidr}`);
    this.base = cidrNetwork(range);
    this.count = 2 ** (subnetMaskSize - range.prefix);
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
    const parsed: IPv4Cidr | undefined = parseIPv4Cidr(cidr);
    if (!parsed || parsed.prefix !== this.subnetMaskSize) return undefined;
    const offset = (parsed.address - this.base) >>> 0;
    const size = cidrSize(this.subnetMaskSize);
    if (offset % size !== 0 || offset / size >= this.count) return undefined;
    return offset / size;
  }

  private cidrAt(idx: number): string {
    return `${formatIPv4(this.base + idx * cidrSize(this.subnetMaskSize))}/${this.subnetMaskSize}`;
  }
}
