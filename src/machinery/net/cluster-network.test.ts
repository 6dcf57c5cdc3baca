import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  CLUSTER_DNS_IP,
  DEFAULT_CLUSTER_CIDR,
  DEFAULT_NODE_CIDR_MASK_SIZE,
  DEFAULT_NODE_POD_CIDR,
  DEFAULT_SERVICE_CIDR,
  KUBERNETES_SERVICE_IP,
} from './cluster-network.js';
import { cidrContains, cidrNetwork, parseIPv4, parseIPv4Cidr } from './ipv4.js';

test('the cluster network defaults are consistent', () => {
  const pods = parseIPv4Cidr(DEFAULT_CLUSTER_CIDR);
  const services = parseIPv4Cidr(DEFAULT_SERVICE_CIDR);
  const node = parseIPv4Cidr(DEFAULT_NODE_POD_CIDR);
  assert.ok(pods && services && node);
  assert.equal(node.prefix, DEFAULT_NODE_CIDR_MASK_SIZE);
  assert.ok(cidrContains(pods, node.address), 'the default node range is in the cluster range');
  assert.ok(!cidrContains(pods, services.address) && !cidrContains(services, pods.address), 'pods and services apart');
  assert.equal(parseIPv4(KUBERNETES_SERVICE_IP), cidrNetwork(services) + 1);
  assert.ok(cidrContains(services, parseIPv4(CLUSTER_DNS_IP) ?? 0));
});
