import assert from 'node:assert/strict';
import { test } from 'node:test';
import { credentialFor, normalizeAuthKey, parseDockerConfig } from './docker-config.js';

test('dockerconfigjson: username/password or auth, keys normalised', () => {
  const entries = parseDockerConfig(
    JSON.stringify({
      auths: {
        'https://index.docker.io/v1/': { auth: Buffer.from('hub:p:w').toString('base64') },
        '127.0.0.1:5000': { username: 'u', password: 'p' },
        'http://127.0.0.1:5000/team/': { username: 'team', password: 't' },
        'empty.example': {},
      },
    }),
  );
  assert.deepEqual(entries, [
    { match: 'docker.io', username: 'hub', password: 'p:w' },
    { match: '127.0.0.1:5000', username: 'u', password: 'p' },
    { match: '127.0.0.1:5000/team', username: 'team', password: 't' },
  ]);
  assert.deepEqual(credentialFor(entries, 'docker.io', 'library/busybox'), { username: 'hub', password: 'p:w' });
  assert.deepEqual(credentialFor(entries, 'registry-1.docker.io', 'x/y'), { username: 'hub', password: 'p:w' });
  assert.deepEqual(credentialFor(entries, '127.0.0.1:5000', 'team/app'), { username: 'team', password: 't' });
  assert.deepEqual(credentialFor(entries, '127.0.0.1:5000', 'teamx/app'), { username: 'u', password: 'p' });
  assert.equal(credentialFor(entries, '127.0.0.1:5001', 'a'), undefined);
});

test('a legacy .dockercfg map and bad input', () => {
  assert.deepEqual(parseDockerConfig('{"quay.io":{"auth":"YTpi"}}'), [
    { match: 'quay.io', username: 'a', password: 'b' },
  ]);
  assert.throws(() => parseDockerConfig('[]'), /not a JSON object/);
  assert.throws(() => parseDockerConfig('{'));
  assert.equal(normalizeAuthKey('HTTPS://Registry-1.Docker.io/v2/'), 'docker.io');
});
