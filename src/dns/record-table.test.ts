import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DecodedPacket } from 'dns-packet';
import { RecordTable } from './record-table.js';
import { answerData } from './testing/dns-query.js';
import { podAddress, resolve } from './answer.js';
import { parseResolvConf } from './forwarder.js';
import { reverseName } from './dns-names.js';

const query = (name: string, type: 'A' | 'PTR' | 'SRV' | 'AAAA'): DecodedPacket =>
  ({
    type: 'query',
    id: 7,
    flags: 0x100,
    questions: [{ name, type, class: 'IN' }],
    answers: [],
    authorities: [],
    additionals: [],
  }) as unknown as DecodedPacket;

test('a PTR shared by two headless Services holds both names, and loses one when its Service goes', () => {
  const t = new RecordTable({ domain: 'cluster.local' });
  const slice = { addressType: 'IPv4', endpoints: [{ addresses: ['10.42.0.9'], conditions: { ready: true } }] };
  t.setService('ns', 'a', { spec: { clusterIP: 'None' } }, [slice]);
  t.setService('ns', 'b', { spec: { clusterIP: 'None' } }, [slice]);
  const rev = reverseName('10.42.0.9') as string;
  assert.deepEqual(
    t.lookup(rev)?.PTR.map((r) => r.data),
    ['10-42-0-9.a.ns.svc.cluster.local', '10-42-0-9.b.ns.svc.cluster.local'],
  );
  t.setService('ns', 'a', undefined, []);
  assert.deepEqual(
    t.lookup(rev)?.PTR.map((r) => r.data),
    ['10-42-0-9.b.ns.svc.cluster.local'],
  );
  t.setService('ns', 'b', undefined, []);
  assert.equal(t.size, 0, 'nothing left behind');
});

test('resolve: answers keep the question spelling, RD is echoed, RA and AA set; outside names forward', () => {
  const t = new RecordTable({ domain: 'cluster.local' });
  t.setService('ns', 'web', { spec: { clusterIP: '10.43.0.2' } }, []);
  const r = resolve(query('Web.NS.svc.cluster.local', 'A'), t);
  assert.equal(r.kind, 'answer');
  if (r.kind !== 'answer') return;
  assert.equal(r.packet.flags, 0x400 | 0x100 | 0x80);
  assert.deepEqual(
    r.packet.answers?.map((a) => [a.name, a.type === 'A' ? a.data : '']),
    [['Web.NS.svc.cluster.local', '10.43.0.2']],
  );
  assert.equal(resolve(query('example.com', 'A'), t).kind, 'forward');
  assert.equal(resolve(query('9.9.9.9.in-addr.arpa', 'PTR'), t).kind, 'forward');
});

test('pod names and resolv.conf parsing', () => {
  assert.equal(podAddress('10-42-0-5.default.pod.cluster.local', 'cluster.local'), '10.42.0.5');
  assert.equal(podAddress('10-42-0-500.default.pod.cluster.local', 'cluster.local'), undefined);
  assert.equal(podAddress('x.10-42-0-5.default.pod.cluster.local', 'cluster.local'), undefined);
  assert.deepEqual(parseResolvConf('# c\nnameserver 10.0.0.2\nsearch x\nnameserver 127.0.0.53\n', false), [
    { host: '10.0.0.2', port: 53 },
  ]);
});

test('SRV as CoreDNS answers it: <svc> lists every port, _port._proto named ports, <host>.<svc> its endpoint; weights share 100', () => {
  const t = new RecordTable({ domain: 'cluster.local' });
  t.setService(
    'ns',
    'web',
    {
      spec: {
        clusterIP: '10.43.0.2',
        ports: [
          { name: 'http', port: 80, protocol: 'TCP' },
          { port: 53, protocol: 'UDP' },
        ],
      },
    },
    [],
  );
  const srv = (name: string) => t.lookup(name)?.SRV.map((r) => [r.data.port, r.data.weight, r.data.target]);
  const extra = (name: string) => t.lookup(name)?.extra.map((r) => [r.name, answerData(r)]);
  const web = 'web.ns.svc.cluster.local';
  assert.deepEqual(srv(web), [
    [80, 50, web],
    [53, 50, web],
  ]);
  assert.deepEqual(extra(web), [[web, '10.43.0.2']], 'the target address once');
  assert.deepEqual(srv(`_http._tcp.${web}`), [[80, 100, web]]);
  assert.equal(t.lookup(`_http._udp.${web}`), undefined);

  const slice = {
    addressType: 'IPv4',
    ports: [
      { name: 'pg', port: 5432, protocol: 'TCP' },
      { name: 'metrics', port: 9187, protocol: 'TCP' },
    ],
    endpoints: [0, 1, 2].map((i) => ({
      addresses: [`10.42.0.${i + 10}`],
      hostname: `db-${i}`,
      conditions: { ready: i !== 2 },
    })),
  };
  t.setService('ns', 'db', { spec: { clusterIP: 'None' } }, [slice]);
  const db = 'db.ns.svc.cluster.local';
  assert.deepEqual(
    srv(db),
    [
      [5432, 25, `db-0.${db}`],
      [9187, 25, `db-0.${db}`],
      [5432, 25, `db-1.${db}`],
      [9187, 25, `db-1.${db}`],
    ],
    'ready endpoints x ports',
  );
  assert.deepEqual(extra(db), [
    [`db-0.${db}`, '10.42.0.10'],
    [`db-1.${db}`, '10.42.0.11'],
  ]);
  assert.deepEqual(srv(`_pg._tcp.${db}`), [
    [5432, 50, `db-0.${db}`],
    [5432, 50, `db-1.${db}`],
  ]);
  assert.deepEqual(srv(`db-1.${db}`), [
    [5432, 50, `db-1.${db}`],
    [9187, 50, `db-1.${db}`],
  ]);
  assert.deepEqual(
    t.lookup(`db-1.${db}`)?.A.map((r) => r.data),
    ['10.42.0.11'],
  );

  t.setService('ns', 'bare', { spec: { clusterIP: 'None' } }, [
    { addressType: 'IPv4', endpoints: [{ addresses: ['10.42.0.20'], conditions: { ready: true } }] },
  ]);
  assert.deepEqual(srv('bare.ns.svc.cluster.local'), [], 'no ports, no SRV (NODATA)');
  const three = {
    addressType: 'IPv4',
    ports: [{ port: 1 }],
    endpoints: [0, 1, 2].map((i) => ({ addresses: [`10.42.0.${i + 30}`], conditions: { ready: true } })),
  };
  t.setService('ns', 'three', { spec: { clusterIP: 'None' } }, [three]);
  assert.deepEqual(
    t.lookup('three.ns.svc.cluster.local')?.SRV.map((r) => r.data.weight),
    [33, 33, 33],
    'floor(100 / 3)',
  );
});

test('endpoints of a ClusterIP Service have names, SRV and PTRs (as CoreDNS), but the Service name keeps answering its cluster IP', () => {
  const t = new RecordTable({ domain: 'cluster.local' });
  const slice = {
    addressType: 'IPv4',
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    endpoints: [
      { addresses: ['10.42.0.7'], conditions: { ready: true } },
      { addresses: ['10.42.0.8'], conditions: { ready: false } },
    ],
  };
  t.setService(
    'ns',
    'web',
    { spec: { clusterIP: '10.43.0.2', ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 }] } },
    [slice],
  );
  const web = 'web.ns.svc.cluster.local';
  assert.deepEqual(
    t.lookup(web)?.A.map((r) => r.data),
    ['10.43.0.2'],
  );
  assert.deepEqual(
    t.lookup(web)?.SRV.map((r) => [r.data.port, r.data.target]),
    [[80, web]],
  );
  assert.deepEqual(
    t.lookup(`_http._tcp.${web}`)?.SRV.map((r) => [r.data.port, r.data.target]),
    [[80, web]],
  );
  assert.deepEqual(
    t.lookup(`10-42-0-7.${web}`)?.A.map((r) => r.data),
    ['10.42.0.7'],
  );
  assert.deepEqual(
    t.lookup(`10-42-0-7.${web}`)?.SRV.map((r) => [r.data.port, r.data.target]),
    [[8080, `10-42-0-7.${web}`]],
  );
  assert.deepEqual(
    t.lookup(reverseName('10.42.0.7') as string)?.PTR.map((r) => r.data),
    [`10-42-0-7.${web}`],
  );
  assert.equal(t.lookup(`10-42-0-8.${web}`), undefined, 'not ready: no name');
  assert.equal(t.lookup(reverseName('10.42.0.8') as string), undefined);
});
