import { test } from 'node:test';
import assert from 'node:assert/strict';
import dnsPacket from 'dns-packet';
import { readQuestion } from './wire-question.js';

test('readQuestion: key is case-insensitive, end is the question end, EDNS payload read; odd packets fall back', () => {
  const a = dnsPacket.encode({
    type: 'query',
    id: 1,
    questions: [{ name: 'Web.NS.svc.cluster.local', type: 'A', class: 'IN' }],
  });
  const b = dnsPacket.encode({
    type: 'query',
    id: 2,
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ name: 'web.ns.svc.cluster.local', type: 'A', class: 'IN' }],
  });
  const qa = readQuestion(a);
  assert.ok(qa);
  assert.equal(qa.key, readQuestion(b)?.key);
  assert.equal(qa.end, a.length);
  assert.equal(qa.ednsPayload, undefined);
  const e = dnsPacket.encode({
    type: 'query',
    id: 3,
    questions: [{ name: 'x.cluster.local', type: 'SRV', class: 'IN' }],
    additionals: [
      {
        type: 'OPT',
        name: '.',
        udpPayloadSize: 4096,
        extendedRcode: 0,
        ednsVersion: 0,
        flags: 0,
        flag_do: false,
        options: [],
      },
    ],
  });
  assert.equal(readQuestion(e)?.ednsPayload, 4096);
  assert.notEqual(readQuestion(e)?.key, qa.key);
  assert.equal(
    readQuestion(dnsPacket.encode({ type: 'response', id: 1, questions: [{ name: 'a', type: 'A', class: 'IN' }] })),
    undefined,
  );
  assert.equal(readQuestion(Buffer.alloc(5)), undefined);
});
