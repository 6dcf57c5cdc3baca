import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hostPortMappings } from './host-ports.js';

test('hostPorts of init and app containers become portmap mappings; ports without one and hostNetwork pods give none', () => {
  const pod = {
    spec: {
      initContainers: [{ name: 'i', ports: [{ containerPort: 53, hostPort: 5353, protocol: 'UDP' as const }] }],
      containers: [
        {
          name: 'web',
          ports: [
            { containerPort: 8080, hostPort: 18080 },
            { containerPort: 9090 },
            { containerPort: 443, hostPort: 8443, hostIP: '127.0.0.1', protocol: 'TCP' as const },
          ],
        },
      ],
    },
  };
  assert.deepEqual(hostPortMappings(pod), [
    { hostPort: 5353, containerPort: 53, protocol: 'udp' },
    { hostPort: 18080, containerPort: 8080, protocol: 'tcp' },
    { hostPort: 8443, containerPort: 443, protocol: 'tcp', hostIP: '127.0.0.1' },
  ]);
  assert.deepEqual(hostPortMappings({ spec: { ...pod.spec, hostNetwork: true } }), []);
  assert.deepEqual(hostPortMappings({ spec: { containers: [{ name: 'a' }] } }), []);
});
