import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nodeLayout } from './node-layout.js';
import { serverLayout } from './start-cluster-servers.js';

test('serverLayout: server i in netns <cluster>-server<i> behind veth <cluster>-s<i>, from the top of the subnet', () => {
  const l = nodeLayout('flotilla', 3, '10.44.0.0/24');
  assert.deepEqual(serverLayout(l, 3), [
    { index: 2, name: 'flotilla-server2', netns: 'flotilla-server2', veth: 'flotilla-s2', ip: '10.44.0.254' },
    { index: 3, name: 'flotilla-server3', netns: 'flotilla-server3', veth: 'flotilla-s3', ip: '10.44.0.253' },
  ]);
  assert.deepEqual(serverLayout(l, 1), []);
  assert.ok(serverLayout(nodeLayout('abcdefghij', 2), 7).every((s) => s.veth.length <= 15));
});

test('serverLayout: counts out of range and subnets too small for nodes and servers are refused', () => {
  const l = nodeLayout('a', 2, '10.44.0.0/24');
  assert.throws(() => serverLayout(l, 0), /servers 0/);
  assert.throws(() => serverLayout(l, 8), /servers 8/);
  // /28: 14 hosts; with 14 nodes (.1-.14) server 2 (.14) has no room, with 13 it has
  assert.throws(() => serverLayout(nodeLayout('a', 14, '10.44.0.0/28'), 2), /do not fit/);
  assert.equal(serverLayout(nodeLayout('a', 13, '10.44.0.0/28'), 2)[0]?.ip, '10.44.0.14');
});
