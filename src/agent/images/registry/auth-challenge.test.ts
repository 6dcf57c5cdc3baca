import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseAuthChallenges } from './auth-challenge.js';

test('a Docker Hub bearer challenge', () => {
  assert.deepEqual(
    parseAuthChallenges(
      'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull"',
    ),
    [
      {
        scheme: 'bearer',
        params: {
          realm: 'https://auth.docker.io/token',
          service: 'registry.docker.io',
          scope: 'repository:library/busybox:pull',
        },
      },
    ],
  );
});

test('basic challenge, unquoted values, several challenges, commas and escapes inside quotes', () => {
  assert.deepEqual(parseAuthChallenges('Basic realm="Registry Realm"'), [
    { scheme: 'basic', params: { realm: 'Registry Realm' } },
  ]);
  assert.deepEqual(
    parseAuthChallenges(
      'Basic realm=x, Bearer realm="http://a/t", scope="repository:a/b:pull,push", error="say \\"hi\\""',
    ),
    [
      { scheme: 'basic', params: { realm: 'x' } },
      { scheme: 'bearer', params: { realm: 'http://a/t', scope: 'repository:a/b:pull,push', error: 'say "hi"' } },
    ],
  );
  assert.deepEqual(parseAuthChallenges('Negotiate'), [{ scheme: 'negotiate', params: {} }]);
  assert.deepEqual(parseAuthChallenges(''), []);
});
