import { test } from 'node:test';
import assert from 'node:assert/strict';
import { podResolvConf } from './pod-resolv-conf.js';

const HOST = 'nameserver 192.0.2.53\nnameserver 192.0.2.54\nsearch corp.example\noptions edns0 timeout:2\n';
const CLUSTER = { nameserver: '10.43.0.10' };

test('ClusterFirst (default): cluster nameserver, namespace search path + host search, ndots:5', () => {
  assert.equal(
    podResolvConf({ namespace: 'web' }, HOST, CLUSTER),
    'search web.svc.cluster.local svc.cluster.local cluster.local corp.example\nnameserver 10.43.0.10\noptions ndots:5\n',
  );
  assert.equal(
    podResolvConf({ namespace: 'a', dnsPolicy: 'ClusterFirst' }, '', { nameserver: '10.43.0.10', domain: 'k.test' }),
    'search a.svc.k.test svc.k.test k.test\nnameserver 10.43.0.10\noptions ndots:5\n',
  );
});

test('Default and hostNetwork + ClusterFirst get the host file; ClusterFirstWithHostNet the cluster one', () => {
  const host = 'search corp.example\nnameserver 192.0.2.53\nnameserver 192.0.2.54\noptions edns0 timeout:2\n';
  assert.equal(podResolvConf({ namespace: 'x', dnsPolicy: 'Default' }, HOST, CLUSTER), host);
  assert.equal(podResolvConf({ namespace: 'x', hostNetwork: true }, HOST, CLUSTER), host);
  assert.match(
    podResolvConf({ namespace: 'x', hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet' }, HOST, CLUSTER),
    /^nameserver 10\.43\.0\.10$/m,
  );
});

test('None: only dnsConfig; dnsConfig merges (dedup, 3 nameservers, options by name, pod wins)', () => {
  assert.equal(
    podResolvConf(
      {
        namespace: 'x',
        dnsPolicy: 'None',
        dnsConfig: {
          nameservers: ['1.1.1.1'],
          searches: ['a.example'],
          options: [{ name: 'ndots', value: '2' }, { name: 'rotate' }],
        },
      },
      HOST,
      CLUSTER,
    ),
    'search a.example\nnameserver 1.1.1.1\noptions ndots:2 rotate\n',
  );
  assert.equal(podResolvConf({ namespace: 'x', dnsPolicy: 'None' }, HOST, CLUSTER), '');
  assert.equal(
    podResolvConf(
      {
        namespace: 'n',
        dnsConfig: {
          nameservers: ['10.43.0.10', '1.1.1.1', '8.8.8.8', '9.9.9.9'],
          searches: ['svc.cluster.local', 'b.example'],
          options: [{ name: 'ndots', value: '1' }, { name: 'edns0' }],
        },
      },
      '',
      CLUSTER,
    ),
    'search n.svc.cluster.local svc.cluster.local cluster.local b.example\nnameserver 10.43.0.10\nnameserver 1.1.1.1\nnameserver 8.8.8.8\noptions ndots:1 edns0\n',
  );
  assert.equal(
    podResolvConf(
      { namespace: 'x', dnsPolicy: 'Default', dnsConfig: { options: [{ name: 'timeout', value: '5' }] } },
      HOST,
      CLUSTER,
    ),
    'search corp.example\nnameserver 192.0.2.53\nnameserver 192.0.2.54\noptions edns0 timeout:5\n',
  );
});
