import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nodeLayout } from './node-layout.js';

test('nodeLayout: host .1 on <cluster>-br, node i at .i in netns <cluster>-node<i> behind veth <cluster>-v<i>', () => {
  const l = nodeLayout('flotilla', 3, '10.44.0.7/24');
  assert.equal(l.bridge, 'flotilla-br');
  assert.equal(l.subnet, '10.44.0.0/24');
  assert.equal(l.hostIP, '10.44.0.1');
  assert.deepEqual(l.nodes, [
    { index: 2, name: 'flotilla-node2', netns: 'flotilla-node2', veth: 'flotilla-v2', ip: '10.44.0.2' },
    { index: 3, name: 'flotilla-node3', netns: 'flotilla-node3', veth: 'flotilla-v3', ip: '10.44.0.3' },
  ]);
  assert.deepEqual(nodeLayout('flotilla', 1).nodes, []);
});

test('nodeLayout: bad names, counts and subnets are refused with the value named', () => {
  assert.throws(() => nodeLayout('Flotilla', 2), /cluster name "Flotilla"/);
  assert.throws(() => nodeLayout('averyverylongname', 2), /cluster name/);
  assert.throws(() => nodeLayout('a', 0), /nodes 0/);
  assert.throws(() => nodeLayout('a', 2, '10.44.0.0/30'), /node subnet/);
  assert.throws(() => nodeLayout('a', 2, '10.44.300.0/24'), /node subnet/);
  assert.throws(() => nodeLayout('a', 20, '10.44.0.0/28'), /nodes 20: more than 14/);
  assert.ok(nodeLayout('abcdefghij', 99).nodes.every((n) => n.veth.length <= 15));
});
