import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openStore } from '../../store/index.js';
import { findResourceType } from '../../api/resource-types.js';
import { getStrategy } from '../../api/kinds/index.js';
import { WatchCache } from '../watch-cache.js';
import { storedFields } from '../write-workers/stored-fields.js';
import { builtInAdmission } from '../admission/index.js';
import type { ResourceCall, RestContext } from './rest-context.js';
import { deleteObject } from './delete-object.js';
import { getObject, patchObject } from './object-verbs.js';

const OPTS = { dryRun: false, fieldManager: 'test', fieldValidation: 'Strict' as const };

/** A ConfigMap as stored before bodies were depth-limited: managedFields nested `depth` levels. */
function deepStored(name: string, depth: number, finalizers: string[] = []): Buffer {
  const fieldsV1 = `${'{"f:x":'.repeat(depth)}{}${'}'.repeat(depth)}`;
  const meta = `{"name":"${name}","namespace":"default","uid":"u-${name}","finalizers":${JSON.stringify(finalizers)},"managedFields":[{"manager":"m","operation":"Update","apiVersion":"v1","fieldsType":"FieldsV1","fieldsV1":${fieldsV1}}]}`;
  return Buffer.from(`{"apiVersion":"v1","kind":"ConfigMap","metadata":${meta},"data":{"k":"v"}}`);
}

async function setup(): Promise<{ ctx: RestContext; call: (name: string) => ResourceCall; stop(): void }> {
  const store = await openStore('memory', '');
  const cache = new WatchCache({ store, fieldsOf: storedFields });
  await cache.start();
  const ctx: RestContext = { store, cache, now: () => new Date(), admission: builtInAdmission({}, { cache, store }) };
  const rt = findResourceType('', 'v1', 'configmaps');
  if (!rt) throw new Error('no configmaps');
  const call = (name: string): ResourceCall => ({
    rt,
    strategy: getStrategy(rt.group, rt.kind),
    namespace: 'default',
    name,
    query: new URLSearchParams(),
    user: { name: 'test', groups: [] },
  });
  return { ctx, call, stop: () => cache.stop() };
}

test('an object stored with managedFields nested 10,000 deep can be read and deleted', async () => {
  const { ctx, call, stop } = await setup();
  try {
    await ctx.store.create('/registry/core/configmaps/default/deep', deepStored('deep', 10_000));
    const got = await getObject(ctx, call('deep'));
    assert.equal(got.metadata.managedFields, undefined, 'the undecodable managed fields are dropped');
    assert.deepEqual(got.data, { k: 'v' });
    const { deleted } = await deleteObject(ctx, call('deep'), { dryRun: false });
    assert.equal(deleted, true);
    assert.equal(await ctx.store.get('/registry/core/configmaps/default/deep'), undefined);
  } finally {
    stop();
  }
});

test('a too-deep object with a finalizer is marked, its finalizer patched away, and then it is gone', async () => {
  const { ctx, call, stop } = await setup();
  try {
    await ctx.store.create('/registry/core/configmaps/default/fin', deepStored('fin', 10_000, ['example.com/x']));
    const marked = await deleteObject(ctx, call('fin'), { dryRun: false });
    assert.equal(marked.deleted, false);
    assert.ok(marked.object.metadata.deletionTimestamp);
    await patchObject(
      ctx,
      call('fin'),
      '',
      'application/merge-patch+json',
      Buffer.from('{"metadata":{"finalizers":null}}'),
      OPTS,
    );
    assert.equal(await ctx.store.get('/registry/core/configmaps/default/fin'), undefined);
  } finally {
    stop();
  }
});
