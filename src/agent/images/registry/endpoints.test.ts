import assert from 'node:assert/strict';
import { test } from 'node:test';
import { registryEndpoints } from './endpoints.js';

test('mirrors first, then the registry itself; docker.io and loopback defaults; configs by endpoint host', () => {
  const config = {
    mirrors: {
      'docker.io': { endpoint: ['http://127.0.0.1:5000', 'https://registry-1.docker.io'] },
      '*': { endpoint: ['https://all.example'] },
    },
    configs: { '127.0.0.1:5000': { auth: { username: 'u', password: 'p' } } },
  };
  assert.deepEqual(registryEndpoints('docker.io', config), [
    {
      url: 'http://127.0.0.1:5000',
      host: '127.0.0.1:5000',
      mirror: true,
      config: { auth: { username: 'u', password: 'p' } },
    },
    { url: 'https://registry-1.docker.io', host: 'registry-1.docker.io', mirror: true, config: undefined },
  ]);
  assert.deepEqual(
    registryEndpoints('quay.io', config).map((e) => e.url),
    ['https://all.example', 'https://quay.io'],
  );
  assert.deepEqual(
    registryEndpoints('127.0.0.1:5000', { mirrors: {}, configs: {} }).map((e) => [e.url, e.mirror]),
    [['http://127.0.0.1:5000', false]],
  );
  assert.deepEqual(
    registryEndpoints('localhost:1', { mirrors: {}, configs: {} }).map((e) => e.url),
    ['http://localhost:1'],
  );
});
