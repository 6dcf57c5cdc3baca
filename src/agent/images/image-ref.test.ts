import assert from 'node:assert/strict';
import { test } from 'node:test';
import { normalizeImageRef, shortImageRef } from './image-ref.js';

test('normalizeImageRef follows Docker defaults', () => {
  assert.equal(normalizeImageRef('busybox'), 'docker.io/library/busybox:latest');
  assert.equal(normalizeImageRef('busybox:1.36'), 'docker.io/library/busybox:1.36');
  assert.equal(normalizeImageRef('me/app'), 'docker.io/me/app:latest');
  assert.equal(normalizeImageRef('127.0.0.1:5000/app'), '127.0.0.1:5000/app:latest');
  assert.equal(normalizeImageRef('localhost/app:v2'), 'localhost/app:v2');
  assert.equal(normalizeImageRef('docker.io/library/busybox:latest'), 'docker.io/library/busybox:latest');
  assert.equal(normalizeImageRef('busybox@sha256:abc'), 'docker.io/library/busybox@sha256:abc');
  assert.equal(shortImageRef('docker.io/library/busybox:latest'), 'busybox:latest');
  assert.equal(shortImageRef('quay.io/x/y:1'), 'quay.io/x/y:1');
});
