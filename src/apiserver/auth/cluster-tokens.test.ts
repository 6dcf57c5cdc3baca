import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { caHash, ensureClusterTokens, joinTokenSecret } from './cluster-tokens.js';

test('tokens are created once (0600), in k3s node-token format, and then kept', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'flotilla-tokens-'));
  try {
    const first = await ensureClusterTokens(dir, 'CA-ONE');
    assert.match(first.adminToken, /^[0-9a-f]{64}$/);
    assert.match(first.joinToken, /^K10[0-9a-f]{64}::server:[0-9a-f]{32}$/);
    assert.ok(first.joinToken.startsWith(`K10${caHash('CA-ONE')}::`));
    assert.equal((await readFile(join(dir, 'token'), 'utf8')).trim(), first.joinToken);
    assert.equal((await readFile(join(dir, 'admin-token'), 'utf8')).trim(), first.adminToken);
    assert.equal((await stat(join(dir, 'token'))).mode & 0o777, 0o600);

    assert.deepEqual(await ensureClusterTokens(dir, 'CA-ONE'), first);

    const rotated = await ensureClusterTokens(dir, 'CA-TWO');
    assert.equal(rotated.adminToken, first.adminToken);
    assert.equal(joinTokenSecret(rotated.joinToken), joinTokenSecret(first.joinToken));
    assert.ok(rotated.joinToken.startsWith(`K10${caHash('CA-TWO')}::`));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('joinTokenSecret rejects malformed tokens', () => {
  assert.equal(joinTokenSecret('K10abc::server:123'), undefined);
  assert.equal(joinTokenSecret(`K10${'a'.repeat(64)}::server:${'b'.repeat(32)}`), 'b'.repeat(32));
});
