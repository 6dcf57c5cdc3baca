import { Counter, Gauge, Histogram, Registry } from 'prom-client';

const TYPE_NAMES: Record<number, string> = {
  1: 'A',
  2: 'NS',
  5: 'CNAME',
  6: 'SOA',
  12: 'PTR',
  15: 'MX',
  16: 'TXT',
  28: 'AAAA',
  33: 'SRV',
  35: 'NAPTR',
  64: 'SVCB',
  65: 'HTTPS',
  251: 'IXFR',
  252: 'AXFR',
  255: 'ANY',
};
const RCODE_NAMES = [
  'NOERROR',
  'FORMERR',
  'SERVFAIL',
  'NXDOMAIN',
  'NOTIMP',
  'REFUSED',
  'YXDOMAIN',
  'YXRRSET',
  'NXRRSET',
  'NOTAUTH',
  'NOTZONE',
];

/**
 * The cluster DNS server's Prometheus metrics (names after CoreDNS's where they match):
 *   flotilla_dns_queries_total{type,rcode}    queries answered, by question type (uncommon ones: "other") and response code
 *   flotilla_dns_cache_hits_total / _misses_total   the encoded-answer cache (cacheable queries only)
 *   flotilla_dns_truncated_total               UDP answers sent with TC (client retries over TCP)
 *   flotilla_dns_forward_duration_seconds{transport,result}   upstream round trips (result: answered | failed)
 *   flotilla_dns_names                         names in the record table
 * The per-query counts are plain numbers bumped on the hot path and handed to prom-client only when
 * scraped (a labelled inc() per query would cost more than answering from the cache).
 */
export class DnsMetrics {
  readonly registry: Registry;
  /** (qtype << 4 | rcode) -> queries. */
  private readonly counts = new Map<number, number>();
  cacheHits = 0;
  cacheMisses = 0;
  truncated = 0;
  private names: () => number = () => 0;
  private readonly forward: Histogram<'transport' | 'result'>;

  /** Registers into `registry` (e.g. the agent's), or a registry of its own. */
  constructor(registry: Registry = new Registry()) {
    this.registry = registry;
    const self = this;
    new Counter({
      name: 'flotilla_dns_queries_total',
      help: 'Cluster DNS queries answered, by question type and response code',
      labelNames: ['type', 'rcode'],
      registers: [registry],
      collect() {
        this.reset();
        for (const [k, n] of self.counts)
          this.inc({ type: TYPE_NAMES[k >> 4] ?? 'other', rcode: RCODE_NAMES[k & 15] ?? String(k & 15) }, n);
      },
    });
    new Counter({
      name: 'flotilla_dns_cache_hits_total',
      help: 'Cluster DNS answers served from the encoded-answer cache',
      registers: [registry],
      collect() {
        this.reset();
        this.inc(self.cacheHits);
      },
    });
    new Counter({
      name: 'flotilla_dns_cache_misses_total',
      help: 'Cacheable cluster DNS queries that were not in the cache',
      registers: [registry],
      collect() {
        this.reset();
        this.inc(self.cacheMisses);
      },
    });
    new Counter({
      name: 'flotilla_dns_truncated_total',
      help: 'Cluster DNS UDP answers sent truncated (TC)',
      registers: [registry],
      collect() {
        this.reset();
        this.inc(self.truncated);
      },
    });
    new Gauge({
      name: 'flotilla_dns_names',
      help: 'Names in the cluster DNS record table',
      registers: [registry],
      collect() {
        this.set(self.names());
      },
    });
    this.forward = new Histogram({
      name: 'flotilla_dns_forward_duration_seconds',
      help: 'Round trips of queries forwarded upstream (result: answered or failed)',
      labelNames: ['transport', 'result'],
      registers: [registry],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    });
  }

  /** One answered query: numeric question type and response code. */
  query(qtype: number, rcode: number): void {
    const k = ((qtype & 0xffff) << 4) | (rcode & 15);
    this.counts.set(k, (this.counts.get(k) ?? 0) + 1);
  }

  /** One upstream round trip. */
  forwarded(transport: 'udp' | 'tcp', seconds: number, answered: boolean): void {
    this.forward.observe({ transport, result: answered ? 'answered' : 'failed' }, seconds);
  }

  /** Where the names gauge reads from. */
  trackNames(count: () => number): void {
    this.names = count;
  }
}
