import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseEtcdMembers } from './embedded-etcd.js';

test('parseEtcdMembers: the initial cluster of every member, this server found by name or address', () => {
  const byAddress = parseEtcdMembers('a=10.0.0.1, b=10.0.0.2,c=10.0.0.3', { address: '10.0.0.2' });
  assert.deepEqual(byAddress.self, { name: 'b', address: '10.0.0.2' });
  assert.equal(byAddress.initialCluster, 'a=https://10.0.0.1:2380,b=https://10.0.0.2:2380,c=https://10.0.0.3:2380');
  assert.deepEqual(parseEtcdMembers('a=10.0.0.1,b=10.0.0.2', { name: 'a', address: '10.0.0.2' }).self.name, 'a');
});

test('parseEtcdMembers: bad entries, repeats and a list without this server are refused with the flag named', () => {
  assert.throws(
    () => parseEtcdMembers('a=10.0.0.1,b', { address: '10.0.0.1' }),
    /--etcd-members: "b" is not NAME=IPv4/,
  );
  assert.throws(() => parseEtcdMembers('a=host.example', { address: '10.0.0.1' }), /"a=host.example"/);
  assert.throws(() => parseEtcdMembers('a=10.0.0.1,a=10.0.0.2', { address: '10.0.0.1' }), /repeats/);
  assert.throws(() => parseEtcdMembers('a=10.0.0.1', { address: '10.0.0.9' }), /none is this server/);
});
