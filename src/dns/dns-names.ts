import { isIPv4 } from '../machinery/net/ipv4.js';

/** Lower-cases a DNS name and drops a trailing dot (names are compared case-insensitively). Pure. */
export function normalizeName(name: string): string {
  const n = name.toLowerCase();
  return n.endsWith('.') ? n.slice(0, -1) : n;
}

/** `10.42.0.5` -> `5.0.42.10.in-addr.arpa`; undefined for anything but dotted IPv4. Pure. */
export function reverseName(ip: string): string | undefined {
  if (!isIPv4(ip)) return undefined;
  return `${ip.split('.').reverse().join('.')}.in-addr.arpa`;
}

/** `10.42.0.5` -> `10-42-0-5` (the pod and unnamed-endpoint label). Pure. */
export function dashedIp(ip: string): string {
  return ip.replaceAll('.', '-');
}

/** `10-42-0-5` -> `10.42.0.5`; undefined unless four dash-separated octets. Pure. */
export function ipFromDashed(label: string): string | undefined {
  const ip = label.replaceAll('-', '.');
  return !label.includes('.') && isIPv4(ip) ? ip : undefined;
}

/** Whether `name` is `zone` or below it (both normalized). Pure. */
export function inZone(name: string, zone: string): boolean {
  return name === zone || name.endsWith(`.${zone}`);
}
