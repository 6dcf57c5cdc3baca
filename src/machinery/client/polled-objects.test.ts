import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import type { KubeObject } from '../../api/object.js';
import { ClientError } from './client-error.js';
import type { KubeClient } from './kube-client.js';
import { SECRETS } from '../resources/well-known.js';
import { PolledObjects } from './polled-objects.js';

test('a miss reads the object by name and reports its arrival; changes are seen on refresh', async () => {
  const stored = new Map<string, KubeObject>([
    [
      'default/s',
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'default', resourceVersion: '1' } },
    ],
  ]);
  const reads: string[] = [];
  const client = {
    async get(_r: unknown, ns: string, name: string) {
      reads.push(`${ns}/${name}`);
      const o = stored.get(`${ns}/${name}`);
      if (!o)
        throw new ClientError({
          apiVersion: 'v1',
          kind: 'Status',
          code: 404,
          reason: 'NotFound',
          message: 'nf',
          status: 'Failure',
        });
      return structuredClone(o);
    },
  } as unknown as KubeClient;
  const changes: string[] = [];
  let arrived: () => void = () => {};
  const polled = new PolledObjects<KubeObject>({
    client,
    resource: SECRETS,
    log: pino({ level: 'silent' }),
    refreshMs: 20,
    onChange: (ns, name) => {
      changes.push(`${ns}/${name}`);
      arrived();
    },
  });
  const keepAlive = setInterval(() => {}, 1000); // the refresh timer is unref'd
  try {
    const first = new Promise<void>((r) => {
      arrived = r;
    });
    assert.equal(polled.get('default', 's'), undefined, 'the first ask misses');
    await first;
    assert.equal(polled.get('default', 's')?.metadata.resourceVersion, '1');
    const second = new Promise<void>((r) => {
      arrived = r;
    });
    stored.set('default/s', {
      ...(stored.get('default/s') as KubeObject),
      metadata: { name: 's', namespace: 'default', resourceVersion: '2' },
    });
    await second;
    assert.equal(polled.get('default', 's')?.metadata.resourceVersion, '2');
    assert.deepEqual(changes, ['default/s', 'default/s']);
    assert.equal(polled.get('default', 'absent'), undefined);
  } finally {
    clearInterval(keepAlive);
    polled.stop();
  }
});

test('an object in use that does not exist yet is read again soon, and its creation is reported', async () => {
  const stored = new Map<string, KubeObject>();
  let reads = 0;
  const client = {
    async get(_r: unknown, ns: string, name: string) {
      reads++;
      const o = stored.get(`${ns}/${name}`);
      if (!o)
        throw new ClientError({
          apiVersion: 'v1',
          kind: 'Status',
          code: 404,
          reason: 'NotFound',
          message: 'nf',
          status: 'Failure',
        });
      return structuredClone(o);
    },
  } as unknown as KubeClient;
  let arrived: () => void = () => {};
  const created = new Promise<void>((r) => {
    arrived = r;
  });
  const polled = new PolledObjects<KubeObject>({
    client,
    resource: SECRETS,
    log: pino({ level: 'silent' }),
    refreshMs: 60_000, // the regular refresh never comes within this test
    missingRetryMs: 20,
    onChange: () => arrived(),
  });
  const keepAlive = setInterval(() => {}, 1000);
  try {
    assert.equal(await polled.settled(), false, 'nothing asked for yet');
    assert.equal(polled.get('default', 'later'), undefined);
    assert.equal(await polled.settled(), true, 'the first read was waited for');
    assert.equal(reads, 1);
    while (reads < 3) await new Promise((r) => setTimeout(r, 10));
    stored.set('default/later', {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'later', namespace: 'default', resourceVersion: '7' },
    });
    await created;
    assert.equal(polled.get('default', 'later')?.metadata.resourceVersion, '7');
    const after = reads;
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(reads, after, 'an existing object waits for the regular refresh');
  } finally {
    clearInterval(keepAlive);
    polled.stop();
  }
});
