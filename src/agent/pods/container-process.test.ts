import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { containerArgs, containerEnv, containerResources, containerUser } from './container-process.js';

const image = { entrypoint: ['/entry'], cmd: ['serve'], env: ['PATH=/bin', 'A=image'], workingDir: '', user: 'nobody' };

test('command replaces entrypoint and cmd; args replaces cmd; $(VAR) expands', () => {
  assert.deepEqual(containerArgs({ name: 'c' }, image, []), ['/entry', 'serve']);
  assert.deepEqual(containerArgs({ name: 'c', args: ['x'] }, image, []), ['/entry', 'x']);
  assert.deepEqual(containerArgs({ name: 'c', command: ['sh'] }, image, []), ['sh']);
  assert.deepEqual(containerArgs({ name: 'c', command: ['echo', '$(A)', '$$(A)', '$(B)'] }, image, ['A=1']), [
    'echo',
    '1',
    '$(A)',
    '$(B)',
  ]);
});

test('env: image first, spec overrides, fieldRef', () => {
  const pod: Pod = { metadata: { name: 'p', namespace: 'ns' }, spec: { containers: [] } };
  const env = containerEnv(
    pod,
    {
      name: 'c',
      env: [
        { name: 'A', value: 'spec' },
        { name: 'NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        { name: 'IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
      ],
    },
    image,
    '10.42.0.5',
    '192.0.2.2',
  );
  assert.deepEqual(env, ['PATH=/bin', 'A=spec', 'NAME=p', 'IP=10.42.0.5', 'HOSTNAME=p']);
});

test('user from securityContext over the image', () => {
  const pod: Pod = { spec: { containers: [], securityContext: { runAsUser: 1000 } } };
  assert.equal(containerUser(pod, { name: 'c' }, image), '1000');
  assert.equal(containerUser({ spec: { containers: [] } }, { name: 'c' }, image), 'nobody');
  assert.equal(containerUser(pod, { name: 'c', securityContext: { runAsUser: 5, runAsGroup: 6 } }, image), '5:6');
});

test('resources: quantities to cgroup values', () => {
  assert.deepEqual(containerResources({ name: 'c' }), { cpuShares: 2 });
  assert.deepEqual(
    containerResources({
      name: 'c',
      resources: { requests: { cpu: '250m' }, limits: { cpu: '500m', memory: '128Mi' } },
    }),
    { cpuShares: 256, cpuPeriodUs: 100_000, cpuQuotaUs: 50_000, memoryLimitBytes: 128 * 2 ** 20 },
  );
});
