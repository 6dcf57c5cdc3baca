import type { Answer, SrvAnswer, StringAnswer } from 'dns-packet';
import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { dashedIp, normalizeName, reverseName } from './dns-names.js';

/** The precomputed answers of one name: records by type, plus additional records for SRV answers. */
export interface NameRecords {
  A: StringAnswer[];
  CNAME: StringAnswer[];
  SRV: SrvAnswer[];
  PTR: StringAnswer[];
  /** A records of SRV targets (the additional section). */
  extra: Answer[];
}

const emptyRecords = (): NameRecords => ({ A: [], CNAME: [], SRV: [], PTR: [], extra: [] });
/** What `<ns>.svc.<domain>` holds: nothing (it exists, so NODATA). Never mutated. */
const NAMESPACE_RECORDS: NameRecords = Object.freeze(emptyRecords());

export interface RecordTableOptions {
  /** Cluster domain, e.g. `cluster.local`. */
  domain: string;
  /** TTL of every record, seconds (default 5, as CoreDNS's kubernetes plugin). */
  ttl?: number;
}

/**
 * Every cluster name and its answers, kept up to date per Service: setService() recomputes one
 * Service's names (from the Service and its EndpointSlices) and merges them into the lookup map,
 * so a query is one Map lookup. Names several Services contribute to (a pod IP's PTR listed by two
 * headless Services) hold the union. Names are normalized (lower case, no trailing dot).
 *
 *   ClusterIP    <svc>.<ns>.svc.<domain> A clusterIP; SRV -> <svc>... per port (named or not) and
 *                _<port>._<proto>.<svc>... SRV per named port; PTR of the clusterIP; endpoint names
 *                and PTRs as below (CoreDNS answers endpoint names under any Service)
 *   headless     <svc>... A of each ready endpoint; <hostname|a-b-c-d>.<svc>... A; SRV per endpoint and
 *                port under <svc>, <hostname>.<svc> and _<port>._<proto>.<svc>; PTR of endpoint IPs
 *   ExternalName <svc>... CNAME externalName
 * SRV answers as CoreDNS's kubernetes plugin: priority 0, weight floor(100 / records of the name)
 * (at least 1), target <svc> (ClusterIP) or the endpoint's name (headless), whose A records go
 * with them in the additional section.
 * `<ns>.svc.<domain>` exists (NODATA rather than NXDOMAIN) while the namespace has a Service.
 */
export class RecordTable {
  readonly domain: string;
  readonly ttl: number;
  private readonly byName = new Map<string, NameRecords>();
  private readonly contributions = new Map<string, Map<string, NameRecords>>();
  /** Name -> the Services (keys of `contributions`) that contribute to it, so merging one name reads only those. */
  private readonly owners = new Map<string, Set<string>>();
  /** `<ns>.svc.<domain>` -> its Services' keys. Kept apart: thousands of Services share the name. */
  private readonly namespaces = new Map<string, Set<string>>();
  /** Incremented by every setService(): caches of answers compare it. */
  version = 0;

  constructor(opts: RecordTableOptions) {
    this.domain = normalizeName(opts.domain);
    this.ttl = opts.ttl ?? 5;
  }

  /** The records of a normalized name, or undefined when it does not exist. */
  lookup(name: string): NameRecords | undefined {
    return this.byName.get(name) ?? (this.namespaces.has(name) ? NAMESPACE_RECORDS : undefined);
  }

  /** Number of names known (for metrics and tests). */
  get size(): number {
    return this.byName.size + this.namespaces.size;
  }

  /**
   * Recomputes the names of the Service `namespace/name` (undefined svc: it was deleted) from the
   * Service and its slices (only those labelled with its name should be passed). Idempotent.
   */
  setService(namespace: string, name: string, svc: Service | undefined, slices: EndpointSlice[]): void {
    const key = `${namespace}/${name}`;
    this.version++;
    const next = svc ? this.namesOf(namespace, name, svc, slices) : new Map<string, NameRecords>();
    const nsName = normalizeName(`${namespace}.svc.${this.domain}`);
    const inNs = this.namespaces.get(nsName) ?? new Set<string>();
    if (svc) inNs.add(key);
    else inNs.delete(key);
    if (inNs.size) this.namespaces.set(nsName, inNs);
    else this.namespaces.delete(nsName);
    const prev = this.contributions.get(key);
    if (next.size) this.contributions.set(key, next);
    else this.contributions.delete(key);
    for (const n of prev?.keys() ?? []) if (!next.has(n)) this.owners.get(n)?.delete(key);
    for (const n of next.keys()) {
      let o = this.owners.get(n);
      if (!o) this.owners.set(n, (o = new Set()));
      o.add(key);
    }
    for (const n of new Set([...(prev?.keys() ?? []), ...next.keys()])) this.merge(n);
  }

  private merge(name: string): void {
    const owners = this.owners.get(name);
    const parts = [...(owners ?? [])]
      .map((k) => this.contributions.get(k)?.get(name))
      .filter((r): r is NameRecords => r !== undefined);
    if (parts.length === 0) {
      this.byName.delete(name);
      this.owners.delete(name);
      return;
    }
    if (parts.length === 1) {
      this.byName.set(name, parts[0] as NameRecords);
      return;
    }
    const merged = emptyRecords();
    for (const r of parts) {
      merged.A.push(...r.A);
      merged.CNAME.push(...r.CNAME);
      merged.SRV.push(...r.SRV);
      merged.PTR.push(...r.PTR);
      merged.extra.push(...r.extra);
    }
    this.byName.set(name, merged);
  }

  private namesOf(namespace: string, name: string, svc: Service, slices: EndpointSlice[]): Map<string, NameRecords> {
    const out = new Map<string, NameRecords>();
    const at = (n: string): NameRecords => {
      let r = out.get(n);
      if (!r) out.set(n, (r = emptyRecords()));
      return r;
    };
    const ttl = this.ttl;
    const a = (n: string, ip: string): StringAnswer => ({ type: 'A', name: n, ttl, class: 'IN', data: ip });
    // One SRV (owner n -> target:port) unless already there, and the target's A records once per owner.
    const written = new Set<string>();
    const srv = (n: string, port: number, target: string, ips: string[]) => {
      const r = at(n);
      const key = `${n} ${target} ${port}`;
      if (written.has(key)) return;
      written.add(key);
      r.SRV.push({ type: 'SRV', name: n, ttl, class: 'IN', data: { priority: 0, weight: 100, port, target } });
      for (const ip of ips) {
        const extraKey = `${n} ${target} ${ip}`;
        if (!written.has(extraKey)) {
          written.add(extraKey);
          r.extra.push(a(target, ip));
        }
      }
    };
    const nsName = normalizeName(`${namespace}.svc.${this.domain}`);
    const svcName = normalizeName(`${name}.${nsName}`);
    if (svc.spec?.type === 'ExternalName') {
      if (svc.spec.externalName)
        at(svcName).CNAME.push({
          type: 'CNAME',
          name: svcName,
          ttl,
          class: 'IN',
          data: normalizeName(svc.spec.externalName),
        });
      return out;
    }
    const clusterIP = svc.spec?.clusterIP;
    const headless = clusterIP === 'None';
    if (clusterIP && !headless) {
      const ips = (svc.spec?.clusterIPs ?? [clusterIP]).filter((ip) => reverseName(ip) !== undefined);
      for (const ip of ips) {
        at(svcName).A.push(a(svcName, ip));
        const rev = reverseName(ip) as string;
        at(rev).PTR.push({ type: 'PTR', name: rev, ttl, class: 'IN', data: svcName });
      }
      if (ips.length) {
        for (const p of svc.spec?.ports ?? []) {
          srv(svcName, p.port, svcName, ips);
          if (p.name)
            srv(normalizeName(`_${p.name}._${(p.protocol ?? 'TCP').toLowerCase()}.${svcName}`), p.port, svcName, ips);
        }
      }
    } else if (!headless) {
      return out; // no address allocated yet
    } else {
      at(svcName);
    }
    // The ready endpoints (all of them with publishNotReadyAddresses: the controller marks them ready)
    // have names and PTRs under any Service, as with CoreDNS; only a headless Service's own name and
    // its SRV answers list them.
    const seen = new Set<string>();
    for (const slice of slices) {
      if (slice.addressType !== 'IPv4') continue;
      for (const ep of slice.endpoints ?? []) {
        if (ep.conditions?.ready === false && !svc.spec?.publishNotReadyAddresses) continue;
        const ip = ep.addresses[0];
        if (!ip || reverseName(ip) === undefined) continue;
        const host = normalizeName(`${ep.hostname ?? dashedIp(ip)}.${svcName}`);
        if (!seen.has(ip)) {
          seen.add(ip);
          if (headless) at(svcName).A.push(a(svcName, ip));
          at(host).A.push(a(host, ip));
          const rev = reverseName(ip) as string;
          at(rev).PTR.push({ type: 'PTR', name: rev, ttl, class: 'IN', data: host });
        }
        for (const p of slice.ports ?? []) {
          if (p.port === undefined || p.port === null) continue;
          srv(host, p.port, host, [ip]);
          if (!headless) continue;
          srv(svcName, p.port, host, [ip]);
          if (p.name)
            srv(normalizeName(`_${p.name}._${(p.protocol ?? 'TCP').toLowerCase()}.${svcName}`), p.port, host, [ip]);
        }
      }
    }
    return weighted(out);
  }
}

/** CoreDNS's SRV weights: the records of a name share 100 (floor(100 / n), at least 1). Mutates and returns `names`. */
function weighted(names: Map<string, NameRecords>): Map<string, NameRecords> {
  for (const r of names.values()) {
    const w = Math.max(1, Math.floor(100 / (r.SRV.length || 1)));
    for (const s of r.SRV) s.data.weight = w;
  }
  return names;
}
