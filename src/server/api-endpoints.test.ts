import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultAdvertiseAddress } from './api-endpoints.js';

test('the advertised address is the bind address, else a host IPv4 address', () => {
  assert.equal(defaultAdvertiseAddress('10.1.2.3'), '10.1.2.3');
  assert.equal(defaultAdvertiseAddress('127.0.0.1'), '127.0.0.1');
  const wildcard = defaultAdvertiseAddress('0.0.0.0');
  assert.ok(wildcard === undefined || (/^\d+\.\d+\.\d+\.\d+$/.test(wildcard) && !wildcard.startsWith('127.')));
});
