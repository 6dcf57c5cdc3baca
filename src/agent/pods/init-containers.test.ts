import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Container } from 'kubernetes-types/core/v1.js';
import type { ContainerState } from '../runtime/container-runtime.js';
import { initProgress, initRestartPolicy, pendingInitContainers } from './init-containers.js';
import type { ContainerRecord } from './pod-status.js';

const init: Container[] = [{ name: 'a' }, { name: 'b' }];
const app: Container[] = [{ name: 'main' }];

function records(states: Record<string, Partial<ContainerState> | undefined>): Map<string, ContainerRecord> {
  const m = new Map<string, ContainerRecord>();
  for (const [name, s] of Object.entries(states)) {
    m.set(name, {
      name,
      image: 'busybox',
      restartCount: 0,
      current: s ? { id: name, podUid: 'u', name, attempt: 0, status: 'running', ...s } : undefined,
    });
  }
  return m;
}

test('initProgress: first not-yet-successful init container runs, in order', () => {
  assert.deepEqual(initProgress(init, app, records({}), 'Always'), { state: 'run', container: init[0], index: 0 });
  assert.equal(
    (initProgress(init, app, records({ a: { status: 'running' } }), 'Always') as { index: number }).index,
    0,
  );
  const r = initProgress(init, app, records({ a: { status: 'exited', exitCode: 0 } }), 'Always');
  assert.deepEqual(r, { state: 'run', container: init[1], index: 1 });
  assert.deepEqual(
    initProgress(
      init,
      app,
      records({ a: { status: 'exited', exitCode: 0 }, b: { status: 'exited', exitCode: 0 } }),
      'Always',
    ),
    { state: 'done' },
  );
  assert.deepEqual(initProgress([], app, records({}), 'Never'), { state: 'done' });
});

test('initProgress: a failed init container is retried unless restartPolicy is Never', () => {
  const failed = records({ a: { status: 'exited', exitCode: 1 } });
  assert.equal(initProgress(init, app, failed, 'Always').state, 'run');
  assert.equal(initProgress(init, app, failed, 'OnFailure').state, 'run');
  assert.deepEqual(initProgress(init, app, failed, 'Never'), { state: 'failed', container: init[0], index: 0 });
  assert.equal(initRestartPolicy('Always'), 'OnFailure');
  assert.equal(initRestartPolicy('Never'), 'Never');
});

test('initProgress: a pod whose app containers have run is initialized (init containers gone after a restart)', () => {
  assert.deepEqual(initProgress(init, app, records({ main: { status: 'running' } }), 'Always'), { state: 'done' });
  assert.deepEqual(
    pendingInitContainers(init, records({ a: { status: 'exited', exitCode: 0 }, b: { status: 'running' } })),
    ['b'],
  );
});

test('initProgress: a sidecar (restartPolicy Always) only has to be running for the next one to start', () => {
  const withSidecar: Container[] = [{ name: 'proxy', restartPolicy: 'Always' }, { name: 'b' }];
  assert.equal((initProgress(withSidecar, app, records({}), 'Never') as { index: number }).index, 0);
  assert.equal(
    (initProgress(withSidecar, app, records({ proxy: { status: 'running' } }), 'Never') as { index: number }).index,
    1,
  );
  // A sidecar that exited is restarted (run), even under restartPolicy Never.
  assert.equal(
    initProgress(withSidecar, app, records({ proxy: { status: 'exited', exitCode: 1 } }), 'Never').state,
    'run',
  );
  assert.deepEqual(
    pendingInitContainers(withSidecar, records({ proxy: { status: 'running' }, b: { status: 'exited', exitCode: 0 } })),
    [],
  );
});
