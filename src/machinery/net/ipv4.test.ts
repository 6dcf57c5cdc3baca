import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  cidrBroadcast,
  cidrContains,
  cidrNetwork,
  cidrSize,
  compareIPv4,
  formatIPv4,
  formatIPv4Cidr,
  isIPv4,
  parseIPv4,
  parseIPv4Cidr,
  prefixMask,
} from './ipv4.js';

test('parseIPv4 and formatIPv4 round-trip the whole range', () => {
  assert.equal(parseIPv4('0.0.0.0'), 0);
  assert.equal(parseIPv4('10.42.0.5'), 10 * 2 ** 24 + 42 * 2 ** 16 + 5);
  assert.equal(parseIPv4('255.255.255.255'), 2 ** 32 - 1);
  for (const ip of ['0.0.0.0', '10.43.0.10', '128.0.0.1', '192.168.255.254', '255.255.255.255'])
    assert.equal(formatIPv4(parseIPv4(ip) ?? -1), ip);
  assert.equal(formatIPv4(2 ** 32), '0.0.0.0', 'the low 32 bits');
});

test('parseIPv4 rejects what is not a dotted IPv4 address', () => {
  for (const bad of [
    '',
    '1.2.3',
    '1.2.3.4.5',
    '1.2.3.256',
    '1..2.3',
    '1.2.3.x',
    ' 1.2.3.4',
    '0x1.2.3.4',
    '::1',
    '-1.2.3.4',
  ])
    assert.equal(parseIPv4(bad), undefined, bad);
  assert.equal(isIPv4('10.0.0.1'), true);
  assert.equal(isIPv4('fd00::1'), false);
});

test('CIDRs: parse, network, broadcast, contains, size', () => {
  const c = parseIPv4Cidr('10.42.3.7/24');
  assert.deepEqual(c, { address: parseIPv4('10.42.3.7'), prefix: 24 });
  if (!c) return;
  assert.equal(formatIPv4(cidrNetwork(c)), '10.42.3.0');
  assert.equal(formatIPv4(cidrBroadcast(c)), '10.42.3.255');
  assert.equal(formatIPv4Cidr(c), '10.42.3.0/24');
  assert.equal(cidrContains(c, parseIPv4('10.42.3.200') ?? 0), true);
  assert.equal(cidrContains(c, parseIPv4('10.42.4.0') ?? 0), false);
  assert.equal(cidrSize(24), 256);
  assert.equal(prefixMask(24), 0xffffff00);
  assert.equal(prefixMask(0), 0);
  assert.equal(prefixMask(32), 0xffffffff);
  const all = parseIPv4Cidr('1.2.3.4/0');
  assert.equal(all && formatIPv4Cidr(all), '0.0.0.0/0');
  assert.equal(all && cidrBroadcast(all), 2 ** 32 - 1);
  const high = parseIPv4Cidr('200.1.2.3/1');
  assert.equal(high && formatIPv4Cidr(high), '128.0.0.0/1', 'no sign trouble above 2^31');
  for (const bad of ['10.0.0.0', '10.0.0.0/33', '10.0.0.0/', '10.0.0/8', '10.0.0.0/8/8', '10.0.0.0/-1'])
    assert.equal(parseIPv4Cidr(bad), undefined, bad);
});

test('compareIPv4 orders numerically, then non-IPv4 text as strings', () => {
  assert.deepEqual(['10.0.0.10', 'b', '10.0.0.9', 'a', '9.255.0.1'].sort(compareIPv4), [
    '9.255.0.1',
    '10.0.0.9',
    '10.0.0.10',
    'a',
    'b',
  ]);
});
