/**
 * IPv4 addresses as unsigned 32-bit integers, and CIDR ranges over them: the one place that turns
 * dotted quads into numbers and back. Everything here is pure; parsers return undefined for text
 * that is not IPv4 (callers that want an error throw their own, naming what was wrong).
 */

/** A CIDR as written: `address` may have host bits set (`10.1.2.3/8`); cidrNetwork clears them. */
export interface IPv4Cidr {
  address: number;
  prefix: number;
}

/**
 * `10.42.0.5` -> 170524677. Four decimal octets 0-255 of 1-3 digits; anything else (IPv6, names,
 * `1.2.3`, spaces) is undefined. A character loop: the NetworkPolicy compiler and the EndpointSlice
 * controller sort addresses with it, one call per comparison.
 */
export function parseIPv4(text: string): number | undefined {
  let n = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      octet = octet * 10 + (c - 48);
      if (++digits > 3 || octet > 255) return undefined;
    } else if (c === 46 && digits > 0 && dots < 3) {
      n = n * 256 + octet;
      octet = 0;
      digits = 0;
      dots++;
    } else return undefined;
  }
  if (dots !== 3 || digits === 0) return undefined;
  return n * 256 + octet;
}

/** Whether the text is a dotted IPv4 address (as parseIPv4 accepts it). */
export function isIPv4(text: string): boolean {
  return parseIPv4(text) !== undefined;
}

/** 170524677 -> `10.42.0.5`. Takes any number and uses its low 32 bits. */
export function formatIPv4(n: number): string {
  const u = n >>> 0;
  return `${u >>> 24}.${(u >>> 16) & 255}.${(u >>> 8) & 255}.${u & 255}`;
}

/** `10.42.0.0/16` -> { address, prefix: 16 }; undefined unless an IPv4 address, `/` and a prefix 0-32. */
export function parseIPv4Cidr(text: string): IPv4Cidr | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const address = parseIPv4(text.slice(0, slash));
  const bits = text.slice(slash + 1);
  if (address === undefined || !/^\d{1,2}$/.test(bits)) return undefined;
  const prefix = Number(bits);
  return prefix <= 32 ? { address, prefix } : undefined;
}

/** The netmask of a prefix length as a number (/24 -> 0xffffff00, /0 -> 0). */
export function prefixMask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** How many addresses a prefix length spans (/24 -> 256). */
export function cidrSize(prefix: number): number {
  return 2 ** (32 - prefix);
}

/** The network address (host bits cleared): 10.42.3.7/24 -> 10.42.3.0. */
export function cidrNetwork(cidr: IPv4Cidr): number {
  return (cidr.address & prefixMask(cidr.prefix)) >>> 0;
}

/** The last address of the range: 10.42.3.0/24 -> 10.42.3.255. */
export function cidrBroadcast(cidr: IPv4Cidr): number {
  return cidrNetwork(cidr) + cidrSize(cidr.prefix) - 1;
}

/** Whether the address (a number) lies in the range. */
export function cidrContains(cidr: IPv4Cidr, address: number): boolean {
  return address >= cidrNetwork(cidr) && address <= cidrBroadcast(cidr);
}

/** `network/prefix` text of a range, host bits cleared: { 10.1.2.3, 8 } -> `10.0.0.0/8`. */
export function formatIPv4Cidr(cidr: IPv4Cidr): string {
  return `${formatIPv4(cidrNetwork(cidr))}/${cidr.prefix}`;
}

/** Numeric order of two dotted IPv4 addresses; text that is not IPv4 sorts after them, as strings. */
export function compareIPv4(a: string, b: string): number {
  const na = parseIPv4(a);
  const nb = parseIPv4(b);
  if (na !== undefined && nb !== undefined) return na - nb;
  if (na !== undefined) return -1;
  if (nb !== undefined) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}
