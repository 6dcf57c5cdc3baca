import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DecodedPacket } from 'dns-packet';
import { RecordTable } from './record-table.js';
import { podAddress, resolve } from './answer.js';
import { parseResolvConf } from './forwarder.js';
import { reverseName } from './dns-names.js';

const query = (name: string, type: 'A' | 'PTR' | 'SRV' | 'AAAA'): DecodedPacket =>
  ({ type: 'query', id: 7, flags: 0x100, questions: [{ name, type, class: 'IN' }], answers: [], authorities: [], additionals: [] }) as unknown as DecodedPacket;

test('a PTR shared by two headless Services holds both names, and loses one when its Service goes', () => {
  const t = new RecordTable({ domain: 'cluster.local' });
  const slice = { addressType: 'IPv4', endpoints: [{ addresses: ['10.42.0.9'], conditions: { ready: true } }] };
  t.setService('ns', 'a', { spec: { clusterIP: 'None' } }, [slice]);
  t.setService('ns', 'b', { spec: { clusterIP: 'None' } }, [slice]);
  const rev = reverseName('10.42.0.9') as string;
  assert.deepEqual(t.lookup(rev)?.PTR.map((r) => r.data), ['10-42-0-9.a.ns.svc.cluster.local', '10-42-0-9.b.ns.svc.cluster.local']);
  t.setService('ns', 'a', undefined, []);
  assert.deepEqual(t.lookup(rev)?.PTR.map((r) => r.data), ['10-42-0-9.b.ns.svc.cluster.local']);
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
  assert.deepEqual(r.packet.answers?.map((a) => [a.name, a.type === 'A' ? a.data : '']), [['Web.NS.svc.cluster.local', '10.43.0.2']]);
  assert.equal(resolve(query('example.com', 'A'), t).kind, 'forward');
  assert.equal(resolve(query('9.9.9.9.in-addr.arpa', 'PTR'), t).kind, 'forward');
});

test('pod names and resolv.conf parsing', () => {
  assert.equal(podAddress('10-42-0-5.default.pod.cluster.local', 'cluster.local'), '10.42.0.5');
  assert.equal(podAddress('10-42-0-500.default.pod.cluster.local', 'cluster.local'), undefined);
  assert.equal(podAddress('x.10-42-0-5.default.pod.cluster.local', 'cluster.local'), undefined);
  assert.deepEqual(parseResolvConf('# c\nnameserver 10.0.0.2\nsearch x\nnameserver 127.0.0.53\n', false), [{ host: '10.0.0.2', port: 53 }]);
});
