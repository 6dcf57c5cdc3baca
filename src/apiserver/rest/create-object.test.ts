import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openStore } from '../../store/index.js';
import { ApiError } from '../../api/errors.js';
import { findResourceType } from '../../api/resource-types.js';
import { getStrategy } from '../../api/kinds/index.js';
import { WatchCache } from '../watch-cache.js';
import { storedFields } from '../write-workers/stored-fields.js';
import { builtInAdmission } from '../admission/index.js';
import { encodeObject } from './storage-key.js';
import type { ResourceCall, RestContext } from './rest-context.js';
import { commitCreate, createFromBody } from './create-object.js';
import type { CreateOutcome } from './prepare-create.js';

const NOW = new Date('2026-01-02T03:04:05Z');
const OPTS = { dryRun: false, fieldManager: 'test', fieldValidation: 'Strict' as const };

async function setup(): Promise<{ ctx: RestContext; call: (namespace: string) => ResourceCall; stop(): void }> {
  const store = await openStore('memory', '');
  await store.create(
    '/registry/core/namespaces/default',
    encodeObject({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } }),
  );
  const cache = new WatchCache({ store, fieldsOf: storedFields });
  await cache.start();
  const ctx: RestContext = { store, cache, now: () => NOW, admission: builtInAdmission({}, { cache, store }) };
  const rt = findResourceType('', 'v1', 'configmaps');
  if (!rt) throw new Error('no configmaps');
  const call = (namespace: string): ResourceCall => ({
    rt,
    strategy: getStrategy(rt.group, rt.kind),
    namespace,
    name: '',
    query: new URLSearchParams(),
    user: { name: 'test', groups: [] },
  });
  return { ctx, call, stop: () => cache.stop() };
}

const cm = (metadata: Record<string, unknown>) =>
  Buffer.from(JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata, data: { k: 'v' } }));

test('a create prepared on this thread is stored and answered with its resourceVersion', async () => {
  const { ctx, call, stop } = await setup();
  try {
    const { body } = await createFromBody(ctx, call('default'), cm({ name: 'a' }), 'application/json', OPTS, 'json');
    assert.ok(!Buffer.isBuffer(body));
    const stored = await ctx.store.get('/registry/core/configmaps/default/a');
    assert.equal(body.metadata.resourceVersion, String(stored?.modRevision));
    assert.equal(body.metadata.creationTimestamp, '2026-01-02T03:04:05Z');
  } finally {
    stop();
  }
});

test('an early error wins over a missing namespace; a late error does not', async () => {
  const { ctx, call, stop } = await setup();
  try {
    const early = new ApiError(400, 'BadRequest', 'early');
    const late = new ApiError(422, 'Invalid', 'late');
    await assert.rejects(
      commitCreate(ctx, call('missing'), OPTS, async () => ({ kind: 'early-error', error: early })),
      (e) => e === early,
    );
    await assert.rejects(
      commitCreate(ctx, call('missing'), OPTS, async () => ({ kind: 'late-error', namespace: 'missing', error: late })),
      (e: ApiError) => e.code === 404,
    );
    await assert.rejects(
      commitCreate(ctx, call('default'), OPTS, async () => ({ kind: 'late-error', namespace: 'default', error: late })),
      (e) => e === late,
    );
  } finally {
    stop();
  }
});

test('a taken generated name is prepared again; a taken given name is a 409; dry run writes nothing', async () => {
  const { ctx, call, stop } = await setup();
  try {
    await createFromBody(ctx, call('default'), cm({ name: 'taken' }), 'application/json', OPTS, 'json');
    const names = ['taken', 'taken', 'free'];
    const attempts: number[] = [];
    const prepare = async (attempt: number): Promise<CreateOutcome> => {
      attempts.push(attempt);
      const name = names[attempt];
      const bytes = encodeObject({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' } });
      const summary = { namespace: 'default', name, labels: {}, fields: {} };
      return {
        kind: 'prepared',
        prepared: { namespace: 'default', name, generatedName: true, bytes, summary, warnings: [] },
      };
    };
    const { body } = await commitCreate(ctx, call('default'), OPTS, prepare);
    assert.deepEqual(attempts, [0, 1, 2]);
    assert.ok(Buffer.isBuffer(body), 'prepared without the object: the reply is the stored bytes');
    assert.match(
      body.toString(),
      /^\{"apiVersion":"v1","kind":"ConfigMap","metadata":\{"resourceVersion":"\d+","name":"free"/,
    );
    await assert.rejects(
      createFromBody(ctx, call('default'), cm({ name: 'taken' }), 'application/json', OPTS, 'json'),
      (e: ApiError) => e.code === 409,
    );
    await createFromBody(
      ctx,
      call('default'),
      cm({ name: 'dry' }),
      'application/json',
      { ...OPTS, dryRun: true },
      'json',
    );
    assert.equal(await ctx.store.get('/registry/core/configmaps/default/dry'), undefined);
  } finally {
    stop();
  }
});
