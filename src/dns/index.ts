/**
 * Cluster DNS: answers `*.cluster.local` from Services and EndpointSlices, forwards the rest.
 *
 *   informers (services, endpointslices) --> RecordTable (answers precomputed per name)
 *   UDP/TCP :port --> DnsServer --> resolve() --> lookup | pod name | NXDOMAIN+SOA | Forwarder --> upstreams
 */
export { startDns, type StartDnsOptions, type RunningDns } from './start-dns.js';
export { RecordTable, type NameRecords, type RecordTableOptions } from './record-table.js';
export { DnsServer, EDNS_PAYLOAD, type DnsServerOptions } from './dns-server.js';
export { DnsMetrics } from './dns-metrics.js';
export { encodeResponse, UnsupportedRecordError } from './wire-encode.js';
export { Forwarder, parseResolvConf, systemUpstreams, type Upstream, type ForwarderOptions } from './forwarder.js';
export { resolve, soaRecord, podAddress } from './answer.js';
export { reverseName, dashedIp, normalizeName } from './dns-names.js';
export { startNodeDns, gatewayAddress, type NodeDnsOptions, type RunningNodeDns } from './node-dns.js';
