import { cidrNetwork, cidrSize, formatIPv4, parseIPv4Cidr } from '../../machinery/net/ipv4.js';

/**
 * Pod IPs of one node's range, lowest free first from .2 (.0 network, .1 the node's bridge, the
 * last one broadcast), as host-local IPAM hands them out. Remembers which pod holds which IP, so
 * asking twice for one pod gives the same IP. Not persistent.
 */
export class PodIpPool {
  private readonly base: number;
  private readonly size: number;
  private readonly byPod = new Map<string, number>();
  private readonly used = new Set<number>();
  private cursor = 2;

  constructor(readonly cidr: string) {
    const range = parseIPv4Cidr(cidr);
    if (!range) throw new Error(`invalid IPv4 CIDR ${cidr}`);
    this.size = cidrSize(range.prefix);
    this.base = cidrNetwork(range);
  }

  /** The pod's IP (allocated on first call); undefined when the range is full. */
  ipFor(podKey: string): string | undefined {
    const held = this.byPod.get(podKey);
    if (held !== undefined) return formatIPv4(this.base + held);
    for (let i = 0; i < this.size - 3; i++) {
      const off = 2 + ((this.cursor - 2 + i) % (this.size - 3));
      if (this.used.has(off)) continue;
      this.used.add(off);
      this.byPod.set(podKey, off);
      this.cursor = off + 1 >= this.size - 1 ? 2 : off + 1;
      return formatIPv4(this.base + off);
    }
    return undefined;
  }

  /** Frees the pod's IP (no-op when it has none). */
  release(podKey: string): void {
    const off = this.byPod.get(podKey);
    if (off === undefined) return;
    this.byPod.delete(podKey);
    this.used.delete(off);
  }

  get allocated(): number {
    return this.used.size;
  }
}
