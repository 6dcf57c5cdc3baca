import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { etcdEndpoints, openStore } from './index.js';
import { EtcdStore } from './etcd/etcd-store.js';
import { MemoryStore } from './memory/memory-store.js';
import { SqliteStore } from './sqlite/sqlite-store.js';

describe('openStore', () => {
  it('opens sqlite under <dataDir>/db/state.db', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flotilla-open-'));
    try {
      const store = await openStore('sqlite', dir);
      assert.ok(store instanceof SqliteStore);
      assert.ok((await store.create('/a', new Uint8Array([1]))).ok);
      await store.close();
      assert.ok(existsSync(join(dir, 'db', 'state.db')));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('opens memory and etcd specs, rejects others', async () => {
    const mem = await openStore('memory', '/nonexistent');
    assert.ok(mem instanceof MemoryStore);
    await mem.close();
    const etcd = await openStore('etcd://127.0.0.1:1', '/nonexistent');
    assert.ok(etcd instanceof EtcdStore);
    await etcd.close();
    await assert.rejects(openStore('postgres://x', '/tmp'), TypeError);
    await assert.rejects(openStore('etcd://', '/tmp'), TypeError);
  });

  it('parses etcd endpoint lists', () => {
    assert.deepEqual(etcdEndpoints('etcd://a:2379,b:2379'), ['http://a:2379', 'http://b:2379']);
    assert.deepEqual(etcdEndpoints('http://127.0.0.1:2379/'), ['http://127.0.0.1:2379']);
    assert.deepEqual(etcdEndpoints('sqlite'), []);
  });
});
