import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../object.js';
import { decodeProtobufObject, encodeProtobufObject } from './index.js';

test('a CertificateSigningRequest as kubectl certificate approve sends it round-trips', () => {
  const csr: KubeObject = {
    apiVersion: 'certificates.k8s.io/v1',
    kind: 'CertificateSigningRequest',
    metadata: { name: 'c1', resourceVersion: '12', creationTimestamp: '2026-01-02T03:04:05Z' },
    spec: {
      request: Buffer.from('-----BEGIN CERTIFICATE REQUEST-----\n').toString('base64'),
      signerName: 'kubernetes.io/kube-apiserver-client',
      expirationSeconds: 3600,
      usages: ['digital signature', 'client auth'],
      username: 'admin',
      groups: ['system:masters', 'system:authenticated'],
    },
    status: {
      conditions: [
        {
          type: 'Approved',
          status: 'True',
          reason: 'KubectlApprove',
          message: 'This CSR was approved by kubectl certificate approve.',
          lastUpdateTime: '2026-01-02T03:05:00Z',
        },
      ],
      certificate: Buffer.from('cert').toString('base64'),
    },
  };
  assert.deepEqual(decodeProtobufObject(encodeProtobufObject(csr)), csr);
});
