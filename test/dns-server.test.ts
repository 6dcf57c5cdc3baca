/**
 * The cluster DNS server over real UDP and TCP sockets on 127.0.0.1, answering from informers of a
 * FakeClient seeded with Services and EndpointSlices; names outside the cluster go to a stub
 * upstream on 127.0.0.1 (never a real resolver).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { createServer, type Server } from 'node:net';
import dnsPacket, { type Packet } from 'dns-packet';
import pino from 'pino';
import { FakeClient } from '../src/machinery/client/testing/fake-client.js';
import type { KubeObject } from '../src/api/object.js';
import { startDns, type RunningDns } from '../src/dns/index.js';
import { answerData, answerTtl, dnsQuery } from '../src/dns/testing/dns-query.js';
import { ENDPOINT_SLICES, SERVICES } from '../src/machinery/resources/well-known.js';

const log = pino({ level: 'silent' });

let fake: FakeClient;
let dns: RunningDns;
let upstream: Socket;
let upstreamPort: number;
let upstreamTcp: Server;
const upstreamSeen: string[] = [];

const svc = (name: string, spec: Record<string, unknown>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: 'shop' },
  spec,
});
const slice = (name: string, service: string, endpoints: unknown[], ports: unknown[]): KubeObject => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { name, namespace: 'shop', labels: { 'kubernetes.io/service-name': service } },
  addressType: 'IPv4',
  endpoints,
  ports,
});
const ep = (ip: string, ready: boolean, hostname?: string) => ({
  addresses: [ip],
  conditions: { ready, serving: ready, terminating: false },
  ...(hostname ? { hostname } : {}),
});

before(async () => {
  upstream = createSocket('udp4');
  upstream.on('message', (msg, rinfo) => {
    const q = dnsPacket.decode(msg);
    const name = q.questions?.[0]?.name ?? '';
    upstreamSeen.push(name);
    if (name === 'slow.example.com') return; // never answers
    upstream.send(
      dnsPacket.encode({
        type: 'response',
        id: q.id,
        flags: dnsPacket.RECURSION_AVAILABLE,
        questions: q.questions,
        answers: [{ type: 'A', name, ttl: 60, class: 'IN', data: '192.0.2.7' }],
      }),
      rinfo.port,
      rinfo.address,
    );
  });
  await new Promise<void>((r) => upstream.bind(0, '127.0.0.1', () => r()));
  upstreamPort = upstream.address().port;
  // The same stub over TCP (one query per connection), answering 192.0.2.8 so tests see which transport was used.
  upstreamTcp = createServer((sock) => {
    sock.once('data', (c: Buffer) => {
      const q = dnsPacket.decode(c.subarray(2));
      upstreamSeen.push(`tcp:${q.questions?.[0]?.name ?? ''}`);
      const reply = dnsPacket.encode({
        type: 'response',
        id: q.id,
        questions: q.questions,
        answers: [{ type: 'A', name: q.questions?.[0]?.name ?? '', ttl: 60, class: 'IN', data: '192.0.2.8' }],
      });
      const frame = Buffer.alloc(2 + reply.length);
      frame.writeUInt16BE(reply.length, 0);
      reply.copy(frame, 2);
      sock.end(frame);
    });
  });
  await new Promise<void>((r) => upstreamTcp.listen(upstreamPort, '127.0.0.1', () => r()));

  fake = new FakeClient();
  fake.seed(
    SERVICES,
    svc('web', {
      clusterIP: '10.43.0.20',
      clusterIPs: ['10.43.0.20'],
      ports: [{ name: 'http', port: 80, protocol: 'TCP' }, { port: 9090 }],
    }),
    svc('db', { clusterIP: 'None', ports: [{ name: 'pg', port: 5432, protocol: 'TCP' }] }),
    svc('ext', { type: 'ExternalName', externalName: 'db.example.com' }),
    svc('big', { clusterIP: 'None', ports: [{ port: 80 }] }),
    svc('mid', { clusterIP: 'None', ports: [{ port: 80 }] }),
  );
  fake.seed(
    ENDPOINT_SLICES,
    slice(
      'db-abc',
      'db',
      [ep('10.42.0.10', true, 'db-0'), ep('10.42.0.11', true, 'db-1'), ep('10.42.0.12', false, 'db-2')],
      [{ name: 'pg', port: 5432, protocol: 'TCP' }],
    ),
    slice(
      'big-1',
      'big',
      Array.from({ length: 30 }, (_, i) => ep(`10.42.1.${i + 1}`, true)),
      [{ name: '', port: 80, protocol: 'TCP' }],
    ),
    slice(
      'web-1',
      'web',
      [ep('10.42.3.30', true), ep('10.42.3.31', false)],
      [{ name: 'http', port: 8080, protocol: 'TCP' }],
    ),
    slice(
      'mid-1',
      'mid',
      Array.from({ length: 28 }, (_, i) => ep(`10.42.2.${i + 1}`, true)),
      [{ name: '', port: 80, protocol: 'TCP' }],
    ),
  );
  dns = await startDns({
    client: fake,
    listen: { host: '127.0.0.1', port: 0 },
    upstreams: [{ host: '127.0.0.1', port: upstreamPort }],
    log,
    upstreamTimeoutMs: 300,
  });
});

after(async () => {
  await dns.stop();
  upstream.close();
  await new Promise((r) => upstreamTcp.close(r));
});

const data = (p: Packet) => (p.answers ?? []).map(answerData);

test('A of a ClusterIP Service: authoritative, TTL 5, the cluster IP; case-insensitive with a trailing dot', async () => {
  const r = await dnsQuery(dns.port, 'web.shop.svc.cluster.local', 'A');
  assert.equal(r.rcode, 'NOERROR');
  assert.equal(r.flag_aa, true);
  assert.deepEqual(
    r.answers?.map((a) => [a.name, a.type, answerTtl(a), answerData(a)]),
    [['web.shop.svc.cluster.local', 'A', 5, '10.43.0.20']],
  );
  const again = await dnsQuery(dns.port, 'WEB.Shop.svc.cluster.local.', 'A');
  assert.deepEqual(data(again), ['10.43.0.20']);
  assert.equal(
    again.questions?.[0]?.name,
    'WEB.Shop.svc.cluster.local',
    'a cached answer echoes the question as asked',
  );
  assert.equal(again.flag_rd, true);
});

test('headless Service: A of ready endpoints only; StatefulSet-style hostnames; SRV per endpoint with additional A', async () => {
  assert.deepEqual(data(await dnsQuery(dns.port, 'db.shop.svc.cluster.local', 'A')).sort(), [
    '10.42.0.10',
    '10.42.0.11',
  ]);
  assert.deepEqual(data(await dnsQuery(dns.port, 'db-1.db.shop.svc.cluster.local', 'A')), ['10.42.0.11']);
  assert.equal(
    (await dnsQuery(dns.port, 'db-2.db.shop.svc.cluster.local', 'A')).rcode,
    'NXDOMAIN',
    'not-ready endpoint has no name',
  );
  const srv = await dnsQuery(dns.port, '_pg._tcp.db.shop.svc.cluster.local', 'SRV');
  assert.deepEqual(data(srv), [
    { priority: 0, weight: 50, port: 5432, target: 'db-0.db.shop.svc.cluster.local' },
    { priority: 0, weight: 50, port: 5432, target: 'db-1.db.shop.svc.cluster.local' },
  ]);
  assert.deepEqual(
    srv.additionals?.map((a) => [a.name, answerData(a)]),
    [
      ['db-0.db.shop.svc.cluster.local', '10.42.0.10'],
      ['db-1.db.shop.svc.cluster.local', '10.42.0.11'],
    ],
  );
});

test('SRV of a ClusterIP Service named port; pod records; PTR of service and endpoint IPs', async () => {
  assert.deepEqual(data(await dnsQuery(dns.port, '_http._tcp.web.shop.svc.cluster.local', 'SRV')), [
    { priority: 0, weight: 100, port: 80, target: 'web.shop.svc.cluster.local' },
  ]);
  const bare = await dnsQuery(dns.port, 'web.shop.svc.cluster.local', 'SRV');
  assert.deepEqual(
    data(bare),
    [80, 9090].map((port) => ({ priority: 0, weight: 50, port, target: 'web.shop.svc.cluster.local' })),
    '<svc> SRV: every port, named or not',
  );
  assert.deepEqual(
    bare.additionals?.map((a) => [a.name, answerData(a)]),
    [['web.shop.svc.cluster.local', '10.43.0.20']],
  );
  // Endpoints of a ClusterIP Service have names and PTRs too (CoreDNS); the Service name stays the cluster IP.
  assert.deepEqual(data(await dnsQuery(dns.port, 'web.shop.svc.cluster.local', 'A')), ['10.43.0.20']);
  assert.deepEqual(data(await dnsQuery(dns.port, '10-42-3-30.web.shop.svc.cluster.local', 'A')), ['10.42.3.30']);
  assert.deepEqual(data(await dnsQuery(dns.port, '30.3.42.10.in-addr.arpa', 'PTR')), [
    '10-42-3-30.web.shop.svc.cluster.local',
  ]);
  assert.equal(
    (await dnsQuery(dns.port, '10-42-3-31.web.shop.svc.cluster.local', 'A')).rcode,
    'NXDOMAIN',
    'an unready endpoint has no name',
  );
  assert.deepEqual(data(await dnsQuery(dns.port, '10-42-0-5.shop.pod.cluster.local', 'A')), ['10.42.0.5']);
  assert.deepEqual(data(await dnsQuery(dns.port, '20.0.43.10.in-addr.arpa', 'PTR')), ['web.shop.svc.cluster.local']);
  assert.deepEqual(data(await dnsQuery(dns.port, '10.0.42.10.in-addr.arpa', 'PTR')), [
    'db-0.db.shop.svc.cluster.local',
  ]);
});

test('ExternalName is a CNAME; NXDOMAIN and NODATA carry the SOA; AAAA is NODATA', async () => {
  const cname = await dnsQuery(dns.port, 'ext.shop.svc.cluster.local', 'A');
  assert.deepEqual(
    cname.answers?.map((a) => [a.type, answerData(a)]),
    [['CNAME', 'db.example.com']],
  );
  const nx = await dnsQuery(dns.port, 'nope.shop.svc.cluster.local', 'A');
  assert.equal(nx.rcode, 'NXDOMAIN');
  assert.deepEqual(
    nx.authorities?.map((a) => [a.type, a.name, a.type === 'SOA' ? a.data.minimum : undefined]),
    [['SOA', 'cluster.local', 5]],
  );
  const aaaa = await dnsQuery(dns.port, 'web.shop.svc.cluster.local', 'AAAA');
  assert.equal(aaaa.rcode, 'NOERROR');
  assert.deepEqual(aaaa.answers, []);
  assert.equal(aaaa.authorities?.[0]?.type, 'SOA');
  assert.equal(
    (await dnsQuery(dns.port, 'shop.svc.cluster.local', 'A')).rcode,
    'NOERROR',
    'a namespace with Services exists',
  );
});

test('compressed answers: 28 endpoints fit in 512 bytes over UDP; 30 do not (TC with the 29 that fit), whole with EDNS0 and over TCP', async () => {
  // Compressed, an A record is 16 bytes: 12 header + 32 question + 28 x 16 = 492. Without name
  // compression (42 bytes per record here) only 11 would fit before TC.
  const mid = await dnsQuery(dns.port, 'mid.shop.svc.cluster.local', 'A');
  assert.equal(mid.flag_tc, false);
  assert.equal(mid.answers?.length, 28);
  assert.equal(mid.bytes, 492);
  assert.deepEqual(
    data(mid),
    Array.from({ length: 28 }, (_, i) => `10.42.2.${i + 1}`),
  );
  const plain = await dnsQuery(dns.port, 'big.shop.svc.cluster.local', 'A');
  assert.equal(plain.flag_tc, true);
  assert.equal(plain.answers?.length, 29, 'as CoreDNS: the records that fit, and TC');
  assert.ok(plain.bytes <= 512);
  // 30 x 16 + 44 + 11 (OPT) = 535 bytes: within the EDNS0 size (uncompressed, 1,315 > 1,232 would set TC
  // even with EDNS0).
  const edns = await dnsQuery(dns.port, 'big.shop.svc.cluster.local', 'A', { ednsPayload: 4096 });
  assert.equal(edns.flag_tc, false);
  assert.equal(edns.answers?.length, 30);
  assert.equal(edns.bytes, 535);
  assert.equal(edns.additionals?.find((a) => a.type === 'OPT')?.type, 'OPT');
  const tcp = await dnsQuery(dns.port, 'big.shop.svc.cluster.local', 'A', { transport: 'tcp' });
  assert.equal(tcp.flag_tc, false);
  assert.equal(tcp.answers?.length, 30);
  const again = await dnsQuery(dns.port, 'BIG.shop.svc.cluster.local', 'A');
  assert.equal(again.answers?.length, 29, 'a cached truncated answer');
  assert.deepEqual(
    [...new Set(again.answers?.map((a) => a.name))],
    ['BIG.shop.svc.cluster.local'],
    'owner names point at the question, so they follow its spelling',
  );
});

test('other names go to the upstream (UDP and TCP clients); an upstream that never answers gives SERVFAIL quickly', async () => {
  const r = await dnsQuery(dns.port, 'www.example.com', 'A');
  assert.deepEqual(data(r), ['192.0.2.7']);
  assert.deepEqual(
    data(await dnsQuery(dns.port, 'api.example.org', 'A', { transport: 'tcp' })),
    ['192.0.2.8'],
    'a TCP client is forwarded over TCP',
  );
  const started = Date.now();
  const slow = await dnsQuery(dns.port, 'slow.example.com', 'A');
  assert.equal(slow.rcode, 'SERVFAIL');
  assert.ok(Date.now() - started < 1500);
  assert.ok(upstreamSeen.includes('www.example.com') && !upstreamSeen.some((n) => n.endsWith('cluster.local')));
});

test('informer events update answers: a new Service resolves, a deleted one is NXDOMAIN', async () => {
  await fake.create(SERVICES, 'shop', svc('cart', { clusterIP: '10.43.0.30', ports: [{ port: 80 }] }));
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(data(await dnsQuery(dns.port, 'cart.shop.svc.cluster.local', 'A')), ['10.43.0.30']);
  await fake.delete(SERVICES, 'shop', 'cart');
  await new Promise((r) => setImmediate(r));
  assert.equal((await dnsQuery(dns.port, 'cart.shop.svc.cluster.local', 'A')).rcode, 'NXDOMAIN');
  assert.deepEqual(
    data(await dnsQuery(dns.port, '30.0.43.10.in-addr.arpa', 'PTR')),
    ['192.0.2.7'],
    'an unknown reverse name is forwarded',
  );
});

test('metrics: queries by type and rcode, cache hits and misses, truncations, forward latency, names', async () => {
  const text = await dns.metrics.registry.metrics();
  const value = (line: string) => {
    const m = text.split('\n').find((l) => l.startsWith(`${line} `));
    return m === undefined ? undefined : Number(m.slice(line.length + 1));
  };
  assert.ok((value('flotilla_dns_queries_total{type="A",rcode="NOERROR"}') ?? 0) >= 10, text);
  assert.ok((value('flotilla_dns_queries_total{type="A",rcode="NXDOMAIN"}') ?? 0) >= 2);
  assert.ok((value('flotilla_dns_queries_total{type="SRV",rcode="NOERROR"}') ?? 0) >= 3);
  assert.equal(value('flotilla_dns_queries_total{type="A",rcode="SERVFAIL"}'), 1, 'the silent upstream');
  assert.ok((value('flotilla_dns_queries_total{type="AAAA",rcode="NOERROR"}') ?? 0) >= 1);
  assert.ok((value('flotilla_dns_cache_hits_total') ?? 0) >= 2, 'repeated names were served from the cache');
  assert.ok((value('flotilla_dns_cache_misses_total') ?? 0) >= 10);
  assert.equal(value('flotilla_dns_truncated_total'), 2, 'big over plain UDP, twice');
  assert.ok((value('flotilla_dns_forward_duration_seconds_count{transport="udp",result="answered"}') ?? 0) >= 2);
  assert.equal(value('flotilla_dns_forward_duration_seconds_count{transport="tcp",result="answered"}'), 1);
  assert.equal(value('flotilla_dns_forward_duration_seconds_count{transport="udp",result="failed"}'), 1);
  assert.ok(
    (value('flotilla_dns_forward_duration_seconds_sum{transport="udp",result="failed"}') ?? 0) >= 0.3,
    'the failed forward waited the 300 ms timeout',
  );
  assert.equal(value('flotilla_dns_names'), dns.table.size);
});
