import { test } from 'node:test';
import assert from 'node:assert/strict';
import dnsPacket, { type Answer, type Packet, type SrvAnswer, type StringAnswer } from 'dns-packet';
import { encodeResponse, UnsupportedRecordError } from './wire-encode.js';
import { RecordTable } from './record-table.js';
import { resolve, soaRecord } from './answer.js';
import { answerData } from './testing/dns-query.js';

const Z = 'shop.svc.cluster.local';
const opt = (): Answer => ({
  type: 'OPT',
  name: '.',
  udpPayloadSize: 1232,
  extendedRcode: 0,
  ednsVersion: 0,
  flags: 0,
  flag_do: false,
  options: [],
});
const a = (name: string, ip: string): StringAnswer => ({ type: 'A', name, ttl: 5, class: 'IN', data: ip });
const response = (name: string, type: 'A' | 'SRV' | 'PTR', sections: Partial<Packet>): Packet => ({
  type: 'response',
  id: 4242,
  flags: 0x400 | 0x100 | 0x80,
  questions: [{ name, type, class: 'IN' }],
  answers: [],
  authorities: [],
  additionals: [],
  ...sections,
});
/** The decoded sections, comparable between our encoding and dns-packet's. */
const sections = (buf: Buffer) => {
  const d = dnsPacket.decode(buf);
  return {
    id: d.id,
    flags: d.flags,
    questions: d.questions,
    answers: d.answers,
    authorities: d.authorities,
    additionals: d.additionals,
  };
};

test('every record type we produce decodes (dns-packet) to the same packet as dns-packet encodes it, in fewer bytes', () => {
  const packets: Packet[] = [
    response(`web.${Z}`, 'A', { answers: [a(`web.${Z}`, '10.43.0.20')], additionals: [opt()] }),
    response(`db.${Z}`, 'A', { answers: Array.from({ length: 5 }, (_, i) => a(`db.${Z}`, `10.42.0.${i + 1}`)) }),
    response(`_pg._tcp.db.${Z}`, 'SRV', {
      answers: [0, 1].map(
        (i) =>
          ({
            type: 'SRV',
            name: `_pg._tcp.db.${Z}`,
            ttl: 5,
            class: 'IN',
            data: { priority: 0, weight: 50, port: 5432, target: `db-${i}.db.${Z}` },
          }) as Answer,
      ),
      additionals: [a(`db-0.db.${Z}`, '10.42.0.10'), a(`db-1.db.${Z}`, '10.42.0.11'), opt()],
    }),
    response('10.0.42.10.in-addr.arpa', 'PTR', {
      answers: [{ type: 'PTR', name: '10.0.42.10.in-addr.arpa', ttl: 5, class: 'IN', data: `db-0.db.${Z}` }],
    }),
    response(`ext.${Z}`, 'A', {
      answers: [{ type: 'CNAME', name: `ext.${Z}`, ttl: 5, class: 'IN', data: 'db.example.com' }],
    }),
    { ...response(`nope.${Z}`, 'A', { authorities: [soaRecord('cluster.local', 5)] }), flags: 0x400 | 0x80 | 3 },
    response('cluster.local', 'A', { answers: [soaRecord('cluster.local', 5)], additionals: [opt()] }),
  ];
  for (const p of packets) {
    const ours = encodeResponse(p);
    const theirs = dnsPacket.encode(p);
    assert.deepEqual(sections(ours), sections(theirs), `${p.questions?.[0]?.name} ${p.questions?.[0]?.type}`);
    assert.ok(
      ours.length < theirs.length || (p.answers?.length ?? 0) + (p.authorities?.length ?? 0) === 0,
      `${p.questions?.[0]?.name}: ${ours.length} < ${theirs.length}`,
    );
  }
});

test('compression: owner names point at the question, SRV targets are written whole (RFC 2782), later names point into them', () => {
  const name = `_pg._tcp.db.${Z}`;
  const target = `db-0.db.${Z}`;
  const buf = encodeResponse(
    response(name, 'SRV', {
      answers: [{ type: 'SRV', name, ttl: 5, class: 'IN', data: { priority: 0, weight: 100, port: 5432, target } }],
      additionals: [a(target, '10.42.0.10')],
    }),
  );
  const qEnd = 12 + name.length + 2 + 4;
  assert.equal(buf.readUInt16BE(qEnd), 0xc000 | 12, 'answer owner = pointer to the question');
  const targetAt = qEnd + 2 + 10 + 6;
  const whole = Buffer.concat([
    ...target.split('.').map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)])),
    Buffer.from([0]),
  ]);
  assert.deepEqual(buf.subarray(targetAt, targetAt + whole.length), whole, 'the SRV target has no pointer');
  const extraAt = targetAt + whole.length;
  assert.equal(buf.readUInt16BE(extraAt), 0xc000 | targetAt, 'the additional A owner points at the SRV target');
  assert.equal(buf.length, extraAt + 2 + 10 + 4);
});

test('fitting into a limit: answers that do not fit are dropped with TC, additionals without TC, OPT always last', () => {
  const name = `big.${Z}`;
  const answers = Array.from({ length: 40 }, (_, i) => a(name, `10.42.1.${i + 1}`));
  const plain = encodeResponse(response(name, 'A', { answers }), 512);
  const d = dnsPacket.decode(plain);
  assert.ok(plain.length <= 512);
  assert.equal(d.flag_tc, true);
  assert.equal(
    d.answers?.length,
    Math.floor((512 - 12 - (name.length + 2 + 4)) / 16),
    'each compressed A record is 16 bytes',
  );
  assert.deepEqual(
    d.answers?.map(answerData),
    answers.slice(0, d.answers?.length).map((r) => r.data),
  );

  const withOpt = dnsPacket.decode(encodeResponse(response(name, 'A', { answers, additionals: [opt()] }), 512));
  assert.equal(withOpt.flag_tc, true);
  assert.equal(withOpt.answers?.length, (d.answers?.length ?? 0) - 1, 'room kept for the 11-byte OPT');
  assert.deepEqual(
    withOpt.additionals?.map((r) => r.type),
    ['OPT'],
  );

  const srvName = `_http._tcp.${name}`;
  const srv = Array.from(
    { length: 7 },
    (_, i): SrvAnswer => ({
      type: 'SRV',
      name: srvName,
      ttl: 5,
      class: 'IN',
      data: { priority: 0, weight: 5, port: 80, target: `host-${i}.${name}` },
    }),
  );
  const extra = srv.map((s, i) => a(s.data.target, `10.42.1.${i + 1}`));
  const out = encodeResponse(response(srvName, 'SRV', { answers: srv, additionals: [...extra, opt()] }), 512);
  const s = dnsPacket.decode(out);
  assert.equal(s.flag_tc, false, 'dropping additional records does not set TC (RFC 2181 9)');
  assert.equal(s.answers?.length, 7);
  // 12 header + 44 question + 7 x 53 SRV + 11 OPT = 438: room for 4 A records of 16 bytes.
  assert.deepEqual(
    s.additionals?.map((r) => r.type),
    ['A', 'A', 'A', 'A', 'OPT'],
  );
  assert.deepEqual(
    s.additionals?.slice(0, 4).map((r) => r.name),
    extra.slice(0, 4).map((r) => r.name),
  );
  assert.ok(out.length <= 512);
});

test('types we do not write throw UnsupportedRecordError (the server falls back to dns-packet)', () => {
  assert.throws(
    () =>
      encodeResponse(
        response(`x.${Z}`, 'A', { answers: [{ type: 'AAAA', name: `x.${Z}`, ttl: 5, class: 'IN', data: '::1' }] }),
      ),
    UnsupportedRecordError,
  );
  assert.throws(() => encodeResponse(response(`${'a'.repeat(64)}.${Z}`, 'A', {})), UnsupportedRecordError);
});

test('byte counts against dns-packet for answers of the record table (recorded in docs)', () => {
  const t = new RecordTable({ domain: 'cluster.local' });
  const endpoints = (n: number) =>
    Array.from({ length: n }, (_, i) => ({
      addresses: [`10.42.1.${i + 1}`],
      hostname: `big-${i}`,
      conditions: { ready: true },
    }));
  t.setService('shop', 'big', { spec: { clusterIP: 'None' } }, [
    { addressType: 'IPv4', endpoints: endpoints(30), ports: [{ name: 'http', port: 80, protocol: 'TCP' }] },
  ]);
  t.setService(
    'shop',
    'web',
    { spec: { clusterIP: '10.43.0.20', ports: [{ name: 'http', port: 80, protocol: 'TCP' }] } },
    [],
  );
  const sizes = (name: string, type: 'A' | 'SRV') => {
    const r = resolve(
      {
        type: 'query',
        id: 1,
        flags: 0x100,
        questions: [{ name, type, class: 'IN' }],
        answers: [],
        authorities: [],
        additionals: [],
      } as never,
      t,
    );
    assert.equal(r.kind, 'answer');
    const p = (r as { packet: Packet }).packet;
    return { ours: encodeResponse(p).length, dnsPacket: dnsPacket.encode(p).length };
  };
  assert.deepEqual(sizes(`big.${Z}`, 'A'), { ours: 12 + 32 + 30 * 16, dnsPacket: 12 + 32 + 30 * 42 });
  assert.deepEqual(sizes(`web.${Z}`, 'A'), { ours: 60, dnsPacket: 86 });
  // SRV targets stay whole, so SRV answers shrink less: 30 SRV + 30 additional A.
  assert.deepEqual(sizes(`_http._tcp.big.${Z}`, 'SRV'), { ours: 2115, dnsPacket: 4205 });
});

test('random packets (seeded): what we write decodes, each section is a prefix of the input, TC exactly when answers were dropped', () => {
  let seed = 42;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const labels = [
    'a',
    'Web',
    'db-0',
    'shop',
    'svc',
    'cluster',
    'local',
    'x'.repeat(63),
    '_http',
    '_tcp',
    'in-addr',
    'arpa',
    '10',
  ];
  // Now and then a name over 255 bytes, which the encoder refuses.
  const name = () =>
    (rnd(150) === 0
      ? Array(5).fill('y'.repeat(63))
      : Array.from({ length: 1 + rnd(6) }, () => labels[rnd(labels.length)])
    ).join('.');
  const rec = (): Answer => {
    const n = name();
    switch (rnd(5)) {
      case 0:
        return { type: 'A', name: n, ttl: rnd(100), class: 'IN', data: `10.${rnd(256)}.${rnd(256)}.${rnd(256)}` };
      case 1:
        return { type: 'CNAME', name: n, ttl: 5, class: 'IN', data: name() };
      case 2:
        return { type: 'PTR', name: n, ttl: 5, class: 'IN', data: name() };
      case 3:
        return {
          type: 'SRV',
          name: n,
          ttl: 5,
          class: 'IN',
          data: { priority: rnd(3), weight: rnd(100), port: rnd(65536), target: name() },
        };
      default:
        return soaRecord(name(), 5);
    }
  };
  const seen = { tc: 0, whole: 0, unsupported: 0, longDropped: 0 };
  for (let i = 0; i < 300; i++) {
    const p = response(name(), 'A', {
      answers: Array.from({ length: rnd(30) }, rec),
      authorities: Array.from({ length: rnd(3) }, rec),
      additionals: [...Array.from({ length: rnd(10) }, rec), ...(rnd(2) ? [opt()] : [])],
    });
    const limit = 512 + rnd(1500);
    let buf: Buffer;
    try {
      buf = encodeResponse(p, limit);
    } catch (err) {
      assert.ok(err instanceof UnsupportedRecordError, String(err));
      assert.throws(
        () => dnsPacket.decode(dnsPacket.encode(p)),
        /name too long/,
        'only names over 255 bytes are refused',
      );
      seen.unsupported++;
      continue;
    }
    assert.ok(buf.length <= limit, `packet ${i}: ${buf.length} > ${limit}`);
    const d = dnsPacket.decode(buf);
    let full: ReturnType<typeof dnsPacket.decode>;
    try {
      full = dnsPacket.decode(dnsPacket.encode(p));
    } catch {
      seen.longDropped++; // an over-long name only in records that did not fit: ours still decodes
      continue;
    }
    const prefix = (got: unknown[] | undefined, all: unknown[] | undefined) =>
      assert.deepEqual(got, (all ?? []).slice(0, got?.length ?? 0), `packet ${i}`);
    prefix(d.answers, full.answers);
    prefix(d.authorities, full.authorities);
    prefix(
      d.additionals?.filter((r) => r.type !== 'OPT'),
      full.additionals?.filter((r) => r.type !== 'OPT'),
    );
    assert.equal(
      d.additionals?.some((r) => r.type === 'OPT'),
      full.additionals?.some((r) => r.type === 'OPT'),
      `packet ${i}: OPT kept`,
    );
    const droppedAnswers =
      (d.answers?.length ?? 0) < (full.answers?.length ?? 0) ||
      (d.authorities?.length ?? 0) < (full.authorities?.length ?? 0);
    assert.equal(d.flag_tc, droppedAnswers, `packet ${i}: TC`);
    assert.deepEqual(d.questions, full.questions);
    seen[d.flag_tc ? 'tc' : 'whole']++;
  }
  assert.ok(seen.tc > 20 && seen.whole > 20 && seen.unsupported > 0, JSON.stringify(seen));
});
