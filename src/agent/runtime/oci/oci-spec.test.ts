import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildOciSpec, resolveUser } from './oci-spec.js';

const base = {
  args: ['sh'],
  env: ['PATH=/bin'],
  cwd: '',
  uid: 0,
  gid: 0,
  additionalGids: [],
  rootfs: '/b/rootfs',
  netnsPath: '/ns/net',
  ipcPath: '/ns/ipc',
  utsPath: '/ns/uts',
  cgroupsPath: '/flotilla/podu/c',
  resources: {},
  etcFiles: [{ destination: '/etc/hosts', source: '/pod/hosts' }],
  annotations: {},
};

test('buildOciSpec joins the pod namespaces by path and sets no hostname', () => {
  const spec = buildOciSpec(base);
  assert.deepEqual(
    spec.linux.namespaces.filter((n) => n.path).map((n) => n.type),
    ['network', 'ipc', 'uts'],
  );
  assert.ok(!('hostname' in spec));
  assert.equal(spec.process.cwd, '/');
  assert.ok(spec.process.capabilities.bounding.includes('CAP_NET_BIND_SERVICE'));
  assert.ok(!spec.process.capabilities.bounding.includes('CAP_SYS_ADMIN'));
  assert.ok(spec.mounts.some((m) => m.destination === '/etc/hosts' && m.source === '/pod/hosts'));
  assert.equal(spec.linux.resources.memory, undefined);
});

test('buildOciSpec maps limits to cgroup resources', () => {
  const spec = buildOciSpec({
    ...base,
    resources: { memoryLimitBytes: 64 << 20, cpuShares: 512, cpuQuotaUs: 50_000, pidsLimit: 100 },
  });
  assert.deepEqual(spec.linux.resources.memory, { limit: 64 << 20 });
  assert.deepEqual(spec.linux.resources.cpu, { shares: 512, quota: 50_000, period: 100_000 });
  assert.deepEqual(spec.linux.resources.pids, { limit: 100 });
});

test('resolveUser reads names from passwd and group', () => {
  const passwd = 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n';
  const group = 'root:x:0:\nnogroup:x:65534:\nstaff:x:50:\n';
  assert.deepEqual(resolveUser('', passwd, group), { uid: 0, gid: 0 });
  assert.deepEqual(resolveUser('nobody', passwd, group), { uid: 65534, gid: 65534 });
  assert.deepEqual(resolveUser('1000', passwd, group), { uid: 1000, gid: 0 });
  assert.deepEqual(resolveUser('65534', passwd, group), { uid: 65534, gid: 65534 });
  assert.deepEqual(resolveUser('nobody:staff', passwd, group), { uid: 65534, gid: 50 });
  assert.deepEqual(resolveUser('1000:1000', passwd, group), { uid: 1000, gid: 1000 });
  assert.throws(() => resolveUser('web', passwd, group), /unable to find user web/);
});
