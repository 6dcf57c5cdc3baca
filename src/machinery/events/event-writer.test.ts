import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Event as CoreEvent } from 'kubernetes-types/core/v1.js';
import pino from 'pino';
import type { KubeObject } from '../../api/object.js';
import { FakeClient } from '../client/testing/fake-client.js';
import type { ResourceRef } from '../client/resource-path.js';
import type { WriteOptions } from '../client/kube-client.js';
import { EVENTS, EventWriter } from './event-writer.js';

const log = pino({ level: 'silent' });

function event(name: string, count = 1, message = 'm'): CoreEvent {
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name, namespace: 'n' },
    involvedObject: { kind: 'Pod', name: 'web', namespace: 'n' },
    reason: 'BackOff',
    message,
    count,
  };
}
const patch = (count: number) => ({ count, lastTimestamp: '2024-05-01T10:00:00Z', message: 'm' });

/** A FakeClient whose creates wait until the test opens the gate. */
class GatedClient extends FakeClient {
  private gate: Promise<void>;
  open!: () => void;
  constructor() {
    super();
    this.gate = new Promise((r) => {
      this.open = r;
    });
  }
  override async create<T extends KubeObject>(rt: ResourceRef, ns: string, obj: T, o?: WriteOptions): Promise<T> {
    await this.gate;
    return super.create(rt, ns, obj, o);
  }
}

const verbs = (c: FakeClient) => c.actions.map((a) => `${a.verb} ${a.name} ${(a.body as { count?: number }).count}`);

test('a patch waits for the create of the same Event; other Events go ahead', async () => {
  const client = new GatedClient();
  const w = new EventWriter({ client, log });
  w.add({ event: event('a.1') });
  await new Promise((r) => setImmediate(r));
  w.add({ event: event('a.1', 2), patch: patch(2) }); // queued behind the create in flight
  w.add({ event: event('b.1', 2), patch: patch(2) }); // another Event: not held up (its patch finds none, creates)
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(verbs(client), ['patch b.1 2']);
  client.open();
  await w.idle();
  const sent = verbs(client);
  assert.equal(sent[0], 'patch b.1 2');
  assert.deepEqual(new Set(sent.slice(1, 3)), new Set(['create a.1 1', 'create b.1 2']));
  assert.equal(sent[3], 'patch a.1 2');
  assert.equal((client.peek(EVENTS, 'n', 'a.1') as { count?: number }).count, 2);
});

test('repeats of an Event still queued are folded into its write: a burst costs one create', async () => {
  const client = new FakeClient();
  const w = new EventWriter({ client, log, concurrency: 1 });
  w.add({ event: event('busy.1') }); // takes the only slot
  w.add({ event: event('a.1') });
  w.add({ event: event('a.1', 2), patch: patch(2) });
  w.add({ event: event('a.1', 3), patch: patch(3) });
  await w.idle();
  assert.deepEqual(verbs(client), ['create busy.1 1', 'create a.1 3']);
});

test('a full queue drops writes and counts them; the caller never waits or sees an error', async () => {
  const client = new GatedClient();
  const w = new EventWriter({ client, log, maxQueued: 2, concurrency: 1 });
  const accepted = ['a.1', 'b.1', 'c.1', 'd.1', 'e.1'].map((n) => w.add({ event: event(n) }));
  assert.deepEqual(accepted, [true, true, true, false, false]);
  assert.equal(w.stats.dropped, 2);
  client.open();
  await w.idle();
  assert.deepEqual(verbs(client), ['create a.1 1', 'create b.1 1', 'create c.1 1']);
});

test('a patch of an Event that is gone creates it with the count so far', async () => {
  const client = new FakeClient();
  const w = new EventWriter({ client, log });
  w.add({ event: event('a.1') });
  await w.idle();
  client.removeSilently(EVENTS, 'n', 'a.1'); // e.g. the event TTL removed it
  w.add({ event: event('a.1', 2), patch: patch(2) });
  await w.idle();
  assert.deepEqual(verbs(client), ['create a.1 1', 'patch a.1 2', 'create a.1 2']);
});

test('failed writes are counted and logged, not thrown', async () => {
  const client = new FakeClient();
  client.create = async () => {
    throw new Error('connection refused');
  };
  const logged: string[] = [];
  const w = new EventWriter({
    client,
    log: pino({ level: 'debug' }, { write: (line: string) => logged.push(line) }),
  });
  w.add({ event: event('a.1') });
  w.add({ event: event('b.1'), patch: patch(2) });
  await w.idle();
  assert.equal(w.stats.failed, 2, 'the create, and the create after a patch that found no Event');
  client.failNext.set('events/n/b.1', { code: 500, reason: 'InternalError', message: 'boom' });
  w.add({ event: event('b.1', 3), patch: patch(3) });
  await w.idle();
  assert.equal(w.stats.failed, 3, 'a patch that failed otherwise is not retried as a create');
  assert.ok(logged.some((l) => l.includes('event not recorded') && l.includes('connection refused')));
});
