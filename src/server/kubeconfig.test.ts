import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { localServerUrl, renderKubeconfig } from './kubeconfig.js';

test('the kubeconfig parses as YAML with cluster, user and current context flotilla', () => {
  const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
  const doc = parse(renderKubeconfig({ server: 'https://127.0.0.1:6443', caCertPem: pem, token: 'abc123' })) as Record<
    string,
    unknown
  >;
  assert.deepEqual(doc, {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: 'flotilla',
        cluster: {
          server: 'https://127.0.0.1:6443',
          'certificate-authority-data': Buffer.from(pem).toString('base64'),
        },
      },
    ],
    users: [{ name: 'admin', user: { token: 'abc123' } }],
    contexts: [{ name: 'flotilla', context: { cluster: 'flotilla', user: 'admin' } }],
    'current-context': 'flotilla',
    preferences: {},
  });
});

test('wildcard binds are reached over loopback; IPv6 addresses are bracketed', () => {
  assert.equal(localServerUrl(undefined, 6443), 'https://127.0.0.1:6443');
  assert.equal(localServerUrl('0.0.0.0', 1), 'https://127.0.0.1:1');
  assert.equal(localServerUrl('::', 1), 'https://127.0.0.1:1');
  assert.equal(localServerUrl('10.0.0.5', 6443), 'https://10.0.0.5:6443');
  assert.equal(localServerUrl('::1', 6443), 'https://[::1]:6443');
});
