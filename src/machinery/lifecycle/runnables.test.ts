import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  compose,
  inBackground,
  optional,
  Runnables,
  RunnablesStoppedError,
  stoppable,
  type Stoppable,
} from './runnables.js';

/** A part that records its start and stop in `events`. */
function part(events: string[], name: string, o: { failStop?: boolean } = {}): () => Promise<Stoppable> {
  return async () => {
    events.push(`start ${name}`);
    return stoppable(() => {
      events.push(`stop ${name}`);
      if (o.failStop) throw new Error(`${name} cannot stop`);
    });
  };
}

test('parts start in order, hand their value on, and stop in reverse order once', async () => {
  const events: string[] = [];
  const r = new Runnables();
  const a = await r.start('a', async () => ({ port: 7, ...(await part(events, 'a')()) }));
  await r.start('b', part(events, `b after a on ${a.port}`));
  await r.startAll([
    { name: 'c', start: part(events, 'c') },
    { name: 'nothing to stop', start: () => undefined },
  ]);
  assert.deepEqual(r.names(), ['a', 'b', 'c']);
  await Promise.all([r.stop(), r.stop()]);
  await r.stop();
  assert.deepEqual(events, ['start a', 'start b after a on 7', 'start c', 'stop c', 'stop b after a on 7', 'stop a']);
});

test('a failed start stops what already started, in reverse, and rethrows the error as it is', async () => {
  const events: string[] = [];
  const r = new Runnables();
  await r.start('a', part(events, 'a'));
  await r.start('b', part(events, 'b'));
  const cause = new TypeError('bad option');
  await assert.rejects(
    r.start('c', async () => {
      throw cause;
    }),
    (err) => err === cause,
  );
  assert.deepEqual(events, ['start a', 'start b', 'stop b', 'stop a']);
  await assert.rejects(r.start('d', part(events, 'd')), RunnablesStoppedError);
  assert.equal(events.includes('start d'), false);
});

test('a part that fails to stop is logged; the others still stop and the first failure is thrown', async () => {
  const events: string[] = [];
  const logged: string[] = [];
  const r = new Runnables({ log: { error: (o: { runnable: string }) => logged.push(o.runnable) } as never });
  await r.start('a', part(events, 'a', { failStop: true }));
  await r.start('b', part(events, 'b', { failStop: true }));
  await r.start('c', part(events, 'c'));
  await assert.rejects(r.stop(), /b cannot stop/);
  assert.deepEqual(events, ['start a', 'start b', 'start c', 'stop c', 'stop b', 'stop a']);
  assert.deepEqual(logged, ['b', 'a']);
});

test('overlapping starts: a sibling that fails stops the others, also one still starting', async () => {
  const events: string[] = [];
  const r = new Runnables();
  let release: () => void = () => {};
  const slow = new Promise<void>((resolve) => {
    release = resolve;
  });
  const started = Promise.all([
    r.start('fast', part(events, 'fast')),
    r.start('slow', async () => {
      await slow;
      return part(events, 'slow')();
    }),
    r.start('failing', async () => {
      await new Promise((resolve) => setImmediate(resolve));
      throw new Error('no store');
    }),
  ]);
  await assert.rejects(started, /no store/);
  assert.deepEqual(events, ['start fast', 'stop fast']);
  release();
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(events, ['start fast', 'stop fast', 'start slow', 'stop slow']);
});

test('inBackground: stop waits for the start and stops its part; a failed start is reported once', async () => {
  const events: string[] = [];
  const bg = inBackground(part(events, 'controllers')(), () => events.push('error'));
  await bg.stop();
  assert.deepEqual(events, ['start controllers', 'stop controllers']);
  const errors: unknown[] = [];
  const failed = inBackground(Promise.reject(new Error('boom')), (err) => errors.push(err));
  await failed.stop();
  await failed.stop();
  assert.equal(errors.length, 1);
});

test('optional: a failure is reported and yields undefined', async () => {
  const errors: unknown[] = [];
  const v = await optional(
    async () => {
      throw new Error('no nft');
    },
    (err) => errors.push(err),
  );
  assert.equal(v, undefined);
  assert.equal(errors.length, 1);
  assert.equal(
    await optional(
      async () => 3,
      () => assert.fail('no error expected'),
    ),
    3,
  );
});

test('a part with its own stop function; compose stops the parts when code between starts throws', async () => {
  const events: string[] = [];
  const server = { port: 1, close: async () => void events.push('close server') };
  await assert.rejects(
    compose({}, async (parts) => {
      const s = await parts.start(
        'server',
        async () => server,
        (x) => x.close(),
      );
      assert.equal(s, server);
      await parts.start('a', part(events, 'a'));
      throw new Error('bad node config');
    }),
    /bad node config/,
  );
  assert.deepEqual(events, ['start a', 'stop a', 'close server']);
  const running = await compose({}, async (parts) => {
    await parts.start('b', part(events, 'b'));
    return { stop: () => parts.stop() };
  });
  await running.stop();
  assert.deepEqual(events.slice(3), ['start b', 'stop b']);
});
