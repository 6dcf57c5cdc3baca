import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DOCKER_LIST, DOCKER_MANIFEST, OCI_INDEX, OCI_MANIFEST, parseManifest, selectPlatform } from './media-types.js';

const d = (n: number): string => `sha256:${String(n).repeat(64).slice(0, 64)}`;

test('indexes and manifest lists pick linux/amd64 (no variant first), skipping attestations', () => {
  const index = {
    mediaType: OCI_INDEX,
    manifests: [
      { digest: d(1), platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
      { digest: d(2), platform: { os: 'unknown', architecture: 'unknown' } },
      { digest: d(3), platform: { os: 'linux', architecture: 'amd64', variant: 'v3' } },
      { digest: d(4), platform: { os: 'linux', architecture: 'amd64' } },
      { digest: d(5), platform: { os: 'windows', architecture: 'amd64' } },
    ],
  };
  assert.equal(selectPlatform(index).digest, d(4));
  assert.equal(selectPlatform({ manifests: [index.manifests[2] as never] }).digest, d(3));
  assert.throws(
    () => selectPlatform({ manifests: [index.manifests[0] as never] }),
    /no matching manifest for linux\/amd64.*linux\/arm64/,
  );
});

test('manifest bodies are classified by content type, mediaType or shape; schema 1 is refused', () => {
  const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, config: { digest: d(1) }, layers: [] }));
  assert.equal(parseManifest(manifest, OCI_MANIFEST).kind, 'manifest');
  assert.equal(parseManifest(manifest, `${DOCKER_MANIFEST}; charset=utf-8`).kind, 'manifest');
  assert.equal(parseManifest(manifest, 'application/json').kind, 'manifest');
  const list = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: DOCKER_LIST, manifests: [] }));
  assert.equal(parseManifest(list, undefined).kind, 'index');
  assert.equal(parseManifest(Buffer.from(JSON.stringify({ schemaVersion: 2, manifests: [] })), '').kind, 'index');
  assert.throws(
    () =>
      parseManifest(
        Buffer.from('{"schemaVersion":1,"fsLayers":[]}'),
        'application/vnd.docker.distribution.manifest.v1+prettyjws',
      ),
    /schema 1/,
  );
  assert.throws(() => parseManifest(Buffer.from('nope'), OCI_MANIFEST), /not JSON/);
  assert.throws(
    () => parseManifest(Buffer.from('{}'), 'application/vnd.example+json'),
    /unsupported manifest media type/,
  );
});
