import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseRegistriesConfig } from './registries-config.js';

test('k3s registries.yaml: mirrors (scheme defaulted, /v2 dropped) and configs', () => {
  const c = parseRegistriesConfig(`
mirrors:
  docker.io:
    endpoint:
      - "http://127.0.0.1:5000"
      - "mirror.example/v2/"
  "*":
    endpoint: ["https://all.example:8443/prefix"]
configs:
  "127.0.0.1:5000":
    auth:
      username: u
      password: p
    tls:
      insecure_skip_verify: true
      ca_file: /etc/ca.pem
`);
  assert.deepEqual(c.mirrors, {
    'docker.io': { endpoint: ['http://127.0.0.1:5000', 'https://mirror.example'] },
    '*': { endpoint: ['https://all.example:8443/prefix'] },
  });
  assert.deepEqual(c.configs, {
    '127.0.0.1:5000': {
      auth: { username: 'u', password: 'p' },
      tls: { insecure_skip_verify: true, ca_file: '/etc/ca.pem' },
    },
  });
  assert.deepEqual(parseRegistriesConfig(''), { mirrors: {}, configs: {} });
});

test('bad registries.yaml names the field', () => {
  assert.throws(() => parseRegistriesConfig('mirrors: [1]'), /mirrors must be a mapping/);
  assert.throws(
    () => parseRegistriesConfig('mirrors: {docker.io: {endpoint: "x"}}'),
    /mirrors\["docker.io"\]\.endpoint must be a list/,
  );
  assert.throws(
    () => parseRegistriesConfig('mirrors: {docker.io: {endpoint: ["ftp://x"]}}'),
    /endpoint\[0\] must be http/,
  );
  assert.throws(
    () => parseRegistriesConfig('configs: {"h:1": {tls: {insecure_skip_verify: "yes"}}}'),
    /configs\["h:1"\]\.tls\.insecure_skip_verify/,
  );
  assert.throws(
    () => parseRegistriesConfig('configs: {"h:1": {auth: {password: 3}}}'),
    /auth\.password must be a string/,
  );
});
