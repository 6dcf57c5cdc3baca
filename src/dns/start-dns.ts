import type { Logger } from 'pino';
import type { KubeObject } from '../api/object.js';
import type { KubeClient } from '../machinery/client/kube-client.js';
import { Informer } from '../machinery/client/informer.js';
import { DEFAULT_CLUSTER_DOMAIN } from '../machinery/net/cluster-network.js';
import { DnsServer } from './dns-server.js';
import type { DnsMetrics } from './dns-metrics.js';
import { Forwarder, systemUpstreams, type Upstream } from './forwarder.js';
import { RecordTable } from './record-table.js';
import { ENDPOINT_SLICES, SERVICES } from '../machinery/resources/well-known.js';

const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

export interface StartDnsOptions {
  client: KubeClient;
  /** Where to serve UDP and TCP; port 0 picks a free one (reported in RunningDns.port). */
  listen: { host: string; port: number };
  /** Resolvers for names outside the cluster domain (default: /etc/resolv.conf's, minus our own address). */
  upstreams?: Upstream[];
  log: Logger;
  /** Cluster domain (default `cluster.local`). */
  domain?: string;
  /** Record TTL and negative-caching time, seconds (default 5). */
  ttl?: number;
  /** Wait per upstream before the next one / SERVFAIL (default 2000 ms). */
  upstreamTimeoutMs?: number;
  /** Query, cache and forward metrics (e.g. registered in the agent's /metrics registry); default: their own registry. */
  metrics?: DnsMetrics;
}

export interface RunningDns {
  port: number;
  readonly table: RecordTable;
  readonly server: DnsServer;
  /** Its Prometheus metrics (server.metrics). */
  readonly metrics: DnsMetrics;
  /** Stops serving and watching. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts the cluster DNS server:
 *
 *   Service / EndpointSlice informers --(event: that Service's key)--> RecordTable.setService
 *   UDP + TCP listen --> DnsServer --> RecordTable lookup | Forwarder (upstreams)
 *
 * Resolves once both informers have synced and the sockets are bound, so the first query already
 * sees every Service. The caller stops it.
 */
export async function startDns(opts: StartDnsOptions): Promise<RunningDns> {
  const log = opts.log.child({ component: 'dns' });
  const table = new RecordTable({ domain: opts.domain ?? DEFAULT_CLUSTER_DOMAIN, ttl: opts.ttl });
  const services = new Informer(opts.client, SERVICES, { log });
  const slices = new Informer(opts.client, ENDPOINT_SLICES, { log });
  const refresh = (namespace: string, name: string) => {
    const svc = services.get(namespace, name);
    const own = slices.list(namespace).filter((s) => s.metadata.labels?.[SERVICE_NAME_LABEL] === name);
    table.setService(namespace, name, svc, own);
  };
  const onService = (o: KubeObject) => refresh(o.metadata.namespace ?? '', o.metadata.name ?? '');
  const onSlice = (o: KubeObject) => {
    const svc = o.metadata.labels?.[SERVICE_NAME_LABEL];
    if (svc) refresh(o.metadata.namespace ?? '', svc);
  };
  services.addHandlers({ onAdd: onService, onUpdate: (_o, n) => onService(n), onDelete: onService });
  slices.addHandlers({
    onAdd: onSlice,
    onDelete: onSlice,
    onUpdate: (old, n) => {
      if (old.metadata.labels?.[SERVICE_NAME_LABEL] !== n.metadata.labels?.[SERVICE_NAME_LABEL]) onSlice(old);
      onSlice(n);
    },
  });
  services.start();
  slices.start();
  const own = (u: Upstream) => !(u.host === opts.listen.host && u.port === opts.listen.port);
  const upstreams = (opts.upstreams ?? systemUpstreams()).filter(own);
  const forwarder = new Forwarder({ upstreams, timeoutMs: opts.upstreamTimeoutMs });
  const server = new DnsServer({
    table,
    forwarder,
    log,
    host: opts.listen.host,
    port: opts.listen.port,
    metrics: opts.metrics,
  });
  let port: number;
  try {
    await Promise.all([services.waitForSync(), slices.waitForSync()]);
    port = await server.listen();
  } catch (err) {
    await Promise.all([services.stop(), slices.stop()]);
    forwarder.close();
    throw err;
  }
  log.info({ host: opts.listen.host, port, domain: table.domain, upstreams }, 'dns: serving');
  let stopping: Promise<void> | undefined;
  return {
    port,
    table,
    server,
    metrics: server.metrics,
    stop() {
      stopping ??= (async () => {
        await server.close();
        forwarder.close();
        await Promise.all([services.stop(), slices.stop()]);
      })();
      return stopping;
    },
  };
}
