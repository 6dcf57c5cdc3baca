import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { stringify } from 'yaml';
import { openMemoryStore } from '../memory/memory-store.js';
import type { WatchEvent } from '../store.js';
import {
  defaultEncryptionConfigDoc,
  EncryptionConfig,
  type EncryptionConfigDoc,
  withNewWriteKey,
  withoutRetiredKeys,
} from './encryption-config.js';
import { EncryptedStore } from './encrypted-store.js';

const SECRET_KEY = '/registry/core/secrets/default/db';
const plain = (s: string) => new TextEncoder().encode(s);
const text = (v: Uint8Array | undefined) => (v === undefined ? undefined : Buffer.from(v).toString());
const config = (doc: EncryptionConfigDoc) => EncryptionConfig.parse(stringify(doc));

function providerDoc(provider: Record<string, unknown>): EncryptionConfigDoc {
  return {
    apiVersion: 'apiserver.config.k8s.io/v1',
    kind: 'EncryptionConfiguration',
    resources: [{ resources: ['secrets'], providers: [provider, { identity: {} }] }],
  };
}

describe('EncryptedStore', () => {
  for (const [kind, bytes] of [
    ['secretbox', 32],
    ['aesgcm', 32],
    ['aesgcm', 16],
    ['aescbc', 32],
  ] as const) {
    it(`stores Secrets sealed with ${kind} (${bytes}-byte key) and reads them back in clear`, async () => {
      const inner = openMemoryStore();
      const secret = Buffer.alloc(bytes, 7).toString('base64');
      const store = new EncryptedStore(inner, config(providerDoc({ [kind]: { keys: [{ name: 'k1', secret }] } })));
      const created = await store.create(SECRET_KEY, plain('{"data":{"password":"hunter2"}}'));
      assert.ok(created.ok);
      const raw = await inner.get(SECRET_KEY);
      assert.ok(text(raw?.value)?.startsWith(`k8s:enc:${kind}:v1:k1:`));
      assert.ok(!text(raw?.value)?.includes('hunter2'));
      assert.equal(text((await store.get(SECRET_KEY))?.value), '{"data":{"password":"hunter2"}}');
      assert.equal(
        text((await store.list('/registry/core/secrets/')).items[0].value),
        '{"data":{"password":"hunter2"}}',
      );
    });
  }

  it('leaves other resources as they are', async () => {
    const inner = openMemoryStore();
    const store = new EncryptedStore(inner, config(defaultEncryptionConfigDoc()));
    await store.create('/registry/core/configmaps/default/c', plain('{"data":{"a":"b"}}'));
    assert.equal(text((await inner.get('/registry/core/configmaps/default/c'))?.value), '{"data":{"a":"b"}}');
  });

  it('decrypts watch events, delete results and conflict results', async () => {
    const inner = openMemoryStore();
    const store = new EncryptedStore(inner, config(defaultEncryptionConfigDoc()));
    const events: WatchEvent[] = [];
    const watch = store.watch('/registry/core/secrets/', {
      afterRevision: 0,
      onEvents: (e) => events.push(...e),
      onError: (err) => assert.fail(err),
    });
    const created = await store.create(SECRET_KEY, plain('one'));
    assert.ok(created.ok);
    const conflict = await store.update(SECRET_KEY, plain('two'), created.revision + 100);
    assert.ok(!conflict.ok);
    assert.equal(text(conflict.current?.value), 'one');
    await store.update(SECRET_KEY, plain('two'), created.revision);
    const deleted = await store.delete(SECRET_KEY);
    assert.ok(deleted.ok);
    assert.equal(text(deleted.previous.value), 'two');
    await new Promise((r) => setImmediate(r));
    watch.cancel();
    assert.deepEqual(
      events.map((e) => [e.type, text(e.value.value)]),
      [
        ['put', 'one'],
        ['put', 'two'],
        ['delete', 'two'],
      ],
    );
  });

  it('binds aesgcm ciphertext to its storage key (a value copied to another key does not open)', async () => {
    const inner = openMemoryStore();
    const store = new EncryptedStore(
      inner,
      config(providerDoc({ aesgcm: { keys: [{ name: 'k', secret: Buffer.alloc(32, 1).toString('base64') }] } })),
    );
    await store.create(SECRET_KEY, plain('x'));
    const raw = await inner.get(SECRET_KEY);
    await inner.create('/registry/core/secrets/default/other', raw?.value ?? new Uint8Array());
    await assert.rejects(store.get('/registry/core/secrets/default/other'));
  });

  it('reads plain values written before encryption through the identity provider, and re-encrypts them', async () => {
    const inner = openMemoryStore();
    await inner.create(SECRET_KEY, plain('old'));
    const store = new EncryptedStore(inner, config(defaultEncryptionConfigDoc()));
    assert.equal(text((await store.get(SECRET_KEY))?.value), 'old');
    assert.deepEqual((await store.status()).valuesByKey, { identity: 1 });
    assert.equal(await store.reencrypt(), 1);
    assert.ok(text((await inner.get(SECRET_KEY))?.value)?.startsWith('k8s:enc:secretbox:v1:'));
    assert.equal(await store.reencrypt(), 0);
  });

  it('rotates: a new write key, every value rewritten, the old key retired, all values still readable', async () => {
    const inner = openMemoryStore();
    const first = defaultEncryptionConfigDoc(new Date('2026-01-01T00:00:00Z'));
    const store = new EncryptedStore(inner, config(first));
    for (let i = 0; i < 1200; i++) await store.create(`/registry/core/secrets/ns/s${i}`, plain(`v${i}`));
    const rotated = withNewWriteKey(first, new Date('2026-02-01T00:00:00Z'));
    store.reload(config(rotated));
    assert.deepEqual((await store.status()).valuesByKey, { 'secretbox:secretbox-20260101000000': 1200 });
    assert.equal(await store.reencrypt(), 1200);
    const status = await store.status();
    assert.equal(status.writeKey, 'secretbox:secretbox-20260201000000');
    assert.deepEqual(status.valuesByKey, { 'secretbox:secretbox-20260201000000': 1200 });
    store.reload(config(withoutRetiredKeys(rotated)));
    assert.equal(text((await store.get('/registry/core/secrets/ns/s1199'))?.value), 'v1199');
    // Without the key that wrote them, values do not open.
    store.reload(config(withoutRetiredKeys(withNewWriteKey(withoutRetiredKeys(rotated)))));
    await assert.rejects(store.get('/registry/core/secrets/ns/s1'), /no key of the encryption configuration/);
  });
});

describe('EncryptionConfig', () => {
  it('names the field that is wrong', () => {
    const bad = (doc: unknown, pattern: RegExp) =>
      assert.throws(() => EncryptionConfig.parse(JSON.stringify(doc)), pattern);
    const base = providerDoc({ aescbc: { keys: [{ name: 'k', secret: Buffer.alloc(16).toString('base64') }] } });
    bad(base, /resources\[0\]\.providers\[0\]\.aescbc\.keys\[0\]\.secret: must be base64 of 32 bytes/);
    bad({ ...base, kind: 'Nope' }, /kind: must be EncryptionConfiguration/);
    bad(providerDoc({ kms: { name: 'x' } }), /KMS providers are not supported/);
    bad(providerDoc({ aesgcm: { keys: [{ secret: 'AAAA' }] } }), /keys\[0\]\.name: required/);
  });

  it('matches resources by group, with wildcards', () => {
    const c = EncryptionConfig.parse(
      JSON.stringify({
        apiVersion: 'apiserver.config.k8s.io/v1',
        kind: 'EncryptionConfiguration',
        resources: [
          { resources: ['configmaps', 'deployments.apps'], providers: [{ identity: {} }] },
          {
            resources: ['*.*'],
            providers: [{ secretbox: { keys: [{ name: 'k', secret: Buffer.alloc(32).toString('base64') }] } }],
          },
        ],
      }),
    );
    assert.equal(c.forKey('/registry/core/configmaps/a/b')?.write.kind, 'identity');
    assert.equal(c.forKey('/registry/apps/deployments/a/b')?.write.kind, 'identity');
    assert.equal(c.forKey('/registry/core/secrets/a/b')?.write.kind, 'secretbox');
    assert.deepEqual(c.explicitPrefixes(), ['/registry/core/configmaps/', '/registry/apps/deployments/']);
  });
});
