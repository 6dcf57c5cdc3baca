import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isLoopbackHost, parseImageName } from './image-name.js';

test('docker.io normalisation, registries with ports, tags and digests', () => {
  assert.deepEqual(parseImageName('busybox'), {
    ref: 'docker.io/library/busybox:latest',
    host: 'docker.io',
    repository: 'library/busybox',
    reference: 'latest',
    digest: undefined,
  });
  assert.deepEqual(parseImageName('me/app:1.2'), {
    ref: 'docker.io/me/app:1.2',
    host: 'docker.io',
    repository: 'me/app',
    reference: '1.2',
    digest: undefined,
  });
  const dg = `sha256:${'a'.repeat(64)}`;
  assert.deepEqual(parseImageName(`127.0.0.1:5000/a/b/c:v1@${dg}`), {
    ref: `127.0.0.1:5000/a/b/c:v1@${dg}`,
    host: '127.0.0.1:5000',
    repository: 'a/b/c',
    reference: dg,
    digest: dg,
  });
  assert.equal(parseImageName('localhost/x').reference, 'latest');
  assert.throws(() => parseImageName('Upper/Case'), /invalid image reference/);
  assert.throws(() => parseImageName('x@sha256:12'), /unsupported digest/);
});

test('loopback hosts', () => {
  assert.ok(isLoopbackHost('127.0.0.1:5000'));
  assert.ok(isLoopbackHost('localhost'));
  assert.ok(!isLoopbackHost('docker.io'));
  assert.ok(!isLoopbackHost('10.0.0.1:5000'));
});
