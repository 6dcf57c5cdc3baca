import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureServiceAccountKey, serviceAccountKeyPath } from './service-account-key.js';

test('the signing key is created once (0600 RSA PEM in tls/), then kept; a broken file is an error', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'flotilla-sa-key-'));
  try {
    const pem = await ensureServiceAccountKey(dir);
    assert.match(pem, /^-----BEGIN RSA PRIVATE KEY-----\n/);
    const path = serviceAccountKeyPath(dir);
    assert.equal(path, join(dir, 'tls', 'service-account.key'));
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    assert.equal(await ensureServiceAccountKey(dir), pem, 'a second start reuses it');
    assert.equal(await readFile(path, 'utf8'), pem);
    await writeFile(path, 'garbage');
    await assert.rejects(
      ensureServiceAccountKey(dir),
      /service-account\.key is not a usable ServiceAccount signing key/,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
