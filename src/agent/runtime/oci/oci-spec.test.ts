import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  ALL_CAPABILITIES,
  buildOciSpec,
  containerCapabilities,
  DEFAULT_CAPABILITIES,
  effectiveCapabilities,
  imageGroups,
  resolveUser,
} from './oci-spec.js';

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

const ids = (spec: ReturnType<typeof buildOciSpec>) => spec.linux.namespaces.map((n) => n.type);

test('capabilities: the default 14; add/drop with or without CAP_ in any case; ALL first, singles after (containerd order)', () => {
  assert.deepEqual(buildOciSpec(base).process.capabilities.bounding, DEFAULT_CAPABILITIES);
  assert.equal(DEFAULT_CAPABILITIES.length, 14);
  const host = ['CAP_CHOWN', 'CAP_NET_ADMIN', 'CAP_SYS_ADMIN', 'CAP_NET_BIND_SERVICE'];
  assert.deepEqual(containerCapabilities({ capabilities: { add: [], drop: ['ALL'] } }, host), []);
  assert.deepEqual(containerCapabilities({ capabilities: { add: ['net_bind_service'], drop: ['all'] } }, host), [
    'CAP_NET_BIND_SERVICE',
  ]);
  assert.deepEqual(containerCapabilities({ capabilities: { add: ['ALL'], drop: ['CAP_SYS_ADMIN'] } }, host), [
    'CAP_CHOWN',
    'CAP_NET_ADMIN',
    'CAP_NET_BIND_SERVICE',
  ]);
  const added = containerCapabilities({ capabilities: { add: ['NET_ADMIN', 'CAP_SYS_ADMIN'], drop: ['KILL'] } }, host);
  assert.ok(added.includes('CAP_NET_ADMIN') && added.includes('CAP_SYS_ADMIN') && !added.includes('CAP_KILL'));
  assert.equal(added.length, 15);
  // A drop wins over an add of the same capability.
  assert.ok(
    !containerCapabilities({ capabilities: { add: ['NET_RAW'], drop: ['NET_RAW'] } }, host).includes('CAP_NET_RAW'),
  );
  assert.deepEqual(containerCapabilities({ privileged: true }, host), host);
});

test('effectiveCapabilities reads the CapEff mask of /proc/<pid>/status', () => {
  assert.deepEqual(effectiveCapabilities('CapInh:\t0000000000000000\nCapEff:\t0000000000000401\n'), [
    'CAP_CHOWN',
    'CAP_NET_BIND_SERVICE',
  ]);
  assert.equal(effectiveCapabilities('CapEff:\t000001ffffffffff\n').length, 41);
  assert.equal(effectiveCapabilities('').length, ALL_CAPABILITIES.length);
});

test('privileged: all host capabilities, host devices, all devices allowed, no seccomp, nothing masked, /sys and cgroups rw', () => {
  const dev = { path: '/dev/kmsg', type: 'c' as const, major: 1, minor: 11, fileMode: 0o644, uid: 0, gid: 0 };
  const spec = buildOciSpec({
    ...base,
    security: { privileged: true, seccomp: { type: 'RuntimeDefault' }, noNewPrivileges: true },
    hostCapabilities: ['CAP_CHOWN', 'CAP_SYS_ADMIN'],
    hostDevices: [dev],
  });
  assert.deepEqual(spec.process.capabilities.effective, ['CAP_CHOWN', 'CAP_SYS_ADMIN']);
  assert.deepEqual(spec.linux.devices, [dev]);
  assert.deepEqual(spec.linux.resources.devices, [{ allow: true, access: 'rwm' }]);
  assert.equal(spec.linux.seccomp, undefined);
  assert.equal(spec.process.noNewPrivileges, false);
  assert.deepEqual(spec.linux.maskedPaths, []);
  assert.deepEqual(spec.linux.readonlyPaths, []);
  assert.ok(spec.mounts.find((m) => m.destination === '/sys')?.options?.includes('rw'));
  assert.ok(spec.mounts.find((m) => m.destination === '/sys/fs/cgroup')?.options?.includes('rw'));
  const plain = buildOciSpec({ ...base, hostDevices: [dev] });
  assert.equal(plain.linux.devices, undefined);
  assert.deepEqual(plain.linux.resources.devices, [{ allow: false, access: 'rwm' }]);
  assert.ok(plain.mounts.find((m) => m.destination === '/sys')?.options?.includes('ro'));
  assert.ok(plain.linux.maskedPaths.includes('/proc/kcore') && plain.linux.readonlyPaths.includes('/proc/sys'));
});

test('no_new_privs, read-only root, procMount Unmasked, sysctls', () => {
  const spec = buildOciSpec({
    ...base,
    security: {
      noNewPrivileges: true,
      readOnlyRootFilesystem: true,
      procMount: 'Unmasked',
      sysctls: { 'net.ipv4.ip_unprivileged_port_start': '80' },
    },
  });
  assert.equal(spec.process.noNewPrivileges, true);
  assert.equal(spec.root.readonly, true);
  assert.deepEqual(spec.linux.maskedPaths, []);
  assert.deepEqual(spec.linux.readonlyPaths, []);
  assert.deepEqual(spec.linux.sysctl, { 'net.ipv4.ip_unprivileged_port_start': '80' });
  const plain = buildOciSpec(base);
  assert.equal(plain.process.noNewPrivileges, false);
  assert.equal(plain.root.readonly, false);
  assert.equal(plain.linux.sysctl, undefined);
});

test('seccomp: none unless asked; RuntimeDefault follows the bounding set; Localhost as read; Unconfined', () => {
  assert.equal(buildOciSpec(base).linux.seccomp, undefined);
  assert.equal(buildOciSpec({ ...base, security: { seccomp: { type: 'Unconfined' } } }).linux.seccomp, undefined);
  const rd = buildOciSpec({ ...base, security: { seccomp: { type: 'RuntimeDefault' } } }).linux.seccomp;
  assert.equal(rd?.defaultAction, 'SCMP_ACT_ERRNO');
  assert.ok(
    rd?.syscalls?.some((s) => s.names.includes('chroot')),
    'CAP_SYS_CHROOT is a default capability',
  );
  assert.ok(!rd?.syscalls?.some((s) => s.names.includes('mount')));
  const local = { defaultAction: 'SCMP_ACT_LOG' };
  const spec = buildOciSpec({
    ...base,
    security: { seccomp: { type: 'Localhost', localhostProfile: 'p.json' } },
    localhostSeccomp: local,
  });
  assert.deepEqual(spec.linux.seccomp, local);
  assert.throws(() => buildOciSpec({ ...base, security: { seccomp: { type: 'Localhost', localhostProfile: 'x' } } }));
});

test('host namespaces: hostNetwork leaves out network and UTS, hostPID the PID, hostIPC the IPC namespace (host /dev/shm)', () => {
  assert.deepEqual(ids(buildOciSpec(base)), ['pid', 'mount', 'network', 'ipc', 'uts']);
  assert.deepEqual(ids(buildOciSpec({ ...base, security: { hostNamespaces: { network: true } } })), [
    'pid',
    'mount',
    'ipc',
  ]);
  const all = buildOciSpec({ ...base, security: { hostNamespaces: { network: true, pid: true, ipc: true } } });
  assert.deepEqual(ids(all), ['mount']);
  assert.deepEqual(
    all.mounts.find((m) => m.destination === '/dev/shm'),
    {
      destination: '/dev/shm',
      type: 'bind',
      source: '/dev/shm',
      options: ['rbind', 'rprivate', 'rw'],
    },
  );
  assert.equal(buildOciSpec(base).mounts.find((m) => m.destination === '/dev/shm')?.type, 'tmpfs');
});

test("imageGroups: the groups listing the user as a member, except the user's own group", () => {
  const passwd = 'root:x:0:0::/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n';
  const group = 'root:x:0:\nwheel:x:10:root,app\napp:x:1000:app\nvideo:x:44:app\n';
  assert.deepEqual(imageGroups(1000, passwd, group), [10, 44]);
  assert.deepEqual(imageGroups(0, passwd, group), [10]);
  assert.deepEqual(imageGroups(4242, passwd, group), []);
});
