import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openEtcdStore } from './etcd-store.js';
import { etcdAvailable, type EtcdTestServer, startEtcdTestServer } from './etcd-test-server.js';

describe('EtcdStore specifics', { skip: etcdAvailable() ? false : 'no etcd binary on PATH' }, () => {
  let server: EtcdTestServer | undefined;
  before(async () => {
    server = await startEtcdTestServer();
  });
  after(async () => {
    await server?.stop();
  });
  const endpoint = (): string => server?.endpoint ?? '';

  it('works without a key prefix (whole key space)', async () => {
    const store = openEtcdStore({ endpoints: [endpoint()] });
    try {
      const base = await store.currentRevision();
      const r = await store.create('/x', new Uint8Array([1]));
      assert.ok(r.ok && r.revision > base);
      assert.ok((await store.count('')) >= 1);
      assert.ok((await store.list('')).items.some((i) => i.key === '/x'));
    } finally {
      await store.close();
    }
  });

  it('prefixes isolate stores sharing one etcd', async () => {
    const a = openEtcdStore({ endpoints: [endpoint()], prefix: '/a' });
    const bStore = openEtcdStore({ endpoints: [endpoint()], prefix: '/b' });
    try {
      await a.create('/k', new Uint8Array([1]));
      assert.equal(await bStore.get('/k'), undefined);
      assert.equal(await bStore.count(''), 0);
      assert.equal((await a.get('/k'))?.key, '/k');
    } finally {
      await a.close();
      await bStore.close();
    }
  });

  it('lists more than gRPC default 4 MiB in one reply', async () => {
    const store = openEtcdStore({ endpoints: [endpoint()], prefix: '/big' });
    try {
      const value = new Uint8Array(100_000);
      for (let i = 0; i < 50; i++) await store.create(`/k${i}`, value);
      assert.equal((await store.list('/')).items.length, 50);
    } finally {
      await store.close();
    }
  });
});
