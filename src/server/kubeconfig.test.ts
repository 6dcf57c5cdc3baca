import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { localServerUrl, renderKubeconfig } from './kubeconfig.js';

test('the kubeconfig parses as YAML with cluster, user and current context flotilla', () => {
  const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
  const doc = parse(
    renderKubeconfig({ server: 'https://127.0.0.1:6443', caCertPem: pem, credential: { token: 'abc123' } }),
  ) as Record<string, unknown>;
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

test('a user with a client certificate, or with no credential, and its own context', () => {
  const withCert = parse(
    renderKubeconfig({
      server: 'https://127.0.0.1:1',
      user: 'system:node:a b',
      context: 'jane@flotilla',
      credential: { certPem: 'C', keyPem: 'K' },
    }),
  ) as { users: unknown[]; clusters: { cluster: Record<string, string> }[]; 'current-context': string };
  assert.deepEqual(withCert.users, [
    { name: 'system:node:a b', user: { 'client-certificate-data': 'Qw==', 'client-key-data': 'Sw==' } },
  ]);
  assert.equal(withCert.clusters[0]?.cluster['certificate-authority-data'], undefined);
  assert.equal(withCert['current-context'], 'jane@flotilla');
  const bare = parse(renderKubeconfig({ server: 'https://127.0.0.1:1', user: 'nobody', credential: undefined })) as {
    users: unknown[];
  };
  assert.deepEqual(bare.users, [{ name: 'nobody', user: {} }]);
});

test('wildcard binds are reached over loopback; IPv6 addresses are bracketed', () => {
  assert.equal(localServerUrl(undefined, 6443), 'https://127.0.0.1:6443');
  assert.equal(localServerUrl('0.0.0.0', 1), 'https://127.0.0.1:1');
  assert.equal(localServerUrl('::', 1), 'https://127.0.0.1:1');
  assert.equal(localServerUrl('10.0.0.5', 6443), 'https://10.0.0.5:6443');
  assert.equal(localServerUrl('::1', 6443), 'https://[::1]:6443');
});
