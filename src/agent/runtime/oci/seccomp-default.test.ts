import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultSeccompProfile, parseSeccompProfile } from './seccomp-default.js';
import { DEFAULT_CAPABILITIES } from './oci-spec.js';

const allowed = (p: ReturnType<typeof defaultSeccompProfile>, name: string): boolean =>
  (p.syscalls ?? []).some((s) => s.action === 'SCMP_ACT_ALLOW' && s.names.includes(name) && !s.args);

test('RuntimeDefault for the default capabilities on x86_64: EPERM by default, the common set allowed, no namespace creation', () => {
  const p = defaultSeccompProfile(DEFAULT_CAPABILITIES, 'x64');
  assert.equal(p.defaultAction, 'SCMP_ACT_ERRNO');
  assert.deepEqual(p.architectures, ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']);
  for (const name of ['read', 'openat', 'execve', 'clock_nanosleep', 'arch_prctl', 'ptrace', 'chroot', 'rseq'])
    assert.ok(allowed(p, name), name);
  for (const name of ['mount', 'unshare', 'setns', 'bpf', 'reboot', 'init_module', 'kexec_load', 'keyctl', 'add_key'])
    assert.ok(!allowed(p, name), name);
  for (const name of ['io_uring_setup', 'io_uring_enter', 'io_uring_register']) assert.ok(!allowed(p, name), name);
  // clone only without CLONE_NEW* flags; clone3 answers ENOSYS so libcs fall back to clone.
  const clone = p.syscalls?.find((s) => s.names.includes('clone'));
  assert.deepEqual(clone?.args, [{ index: 0, value: 0x7e020000, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }]);
  assert.deepEqual(
    p.syscalls?.find((s) => s.names.includes('clone3')),
    { names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 },
  );
  const personas = p.syscalls?.filter((s) => s.names.includes('personality')).map((s) => s.args?.[0]?.value);
  assert.deepEqual(personas, [0, 8, 0x20000, 0x20008, 0xffffffff]);
});

test('capabilities open their syscalls: CAP_SYS_ADMIN allows mount, unshare, clone and clone3 unconditionally', () => {
  const p = defaultSeccompProfile([...DEFAULT_CAPABILITIES, 'CAP_SYS_ADMIN', 'CAP_SYS_PTRACE', 'CAP_SYS_TIME'], 'x64');
  for (const name of ['mount', 'umount2', 'unshare', 'setns', 'clone', 'clone3', 'process_vm_readv', 'clock_settime'])
    assert.ok(allowed(p, name), name);
  assert.ok(!p.syscalls?.some((s) => s.names.includes('clone3') && s.action === 'SCMP_ACT_ERRNO'));
  const none = defaultSeccompProfile([], 'arm64');
  assert.ok(!allowed(none, 'chroot'));
  assert.ok(allowed(none, 'set_tls'));
  assert.deepEqual(none.architectures, ['SCMP_ARCH_ARM', 'SCMP_ARCH_AARCH64']);
  assert.equal(defaultSeccompProfile([], 's390x').syscalls?.find((s) => s.names[0] === 'clone')?.args?.[0]?.index, 1);
});

test('parseSeccompProfile takes the OCI and the Docker forms and names the file on errors', () => {
  const oci = parseSeccompProfile(
    JSON.stringify({
      defaultAction: 'SCMP_ACT_ALLOW',
      architectures: ['SCMP_ARCH_X86_64'],
      syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 }],
    }),
    'p.json',
  );
  assert.deepEqual(oci, {
    defaultAction: 'SCMP_ACT_ALLOW',
    architectures: ['SCMP_ARCH_X86_64'],
    syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 }],
  });
  const docker = parseSeccompProfile(
    JSON.stringify({
      defaultAction: 'SCMP_ACT_ERRNO',
      archMap: [{ architecture: 'SCMP_ARCH_X86_64', subArchitectures: ['SCMP_ARCH_X86'] }],
      syscalls: [{ name: 'read', action: 'SCMP_ACT_ALLOW', args: [] }],
    }),
    'd.json',
  );
  assert.deepEqual(docker.architectures, ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86']);
  assert.deepEqual(docker.syscalls, [{ names: ['read'], action: 'SCMP_ACT_ALLOW' }]);
  assert.throws(() => parseSeccompProfile('{', '/s/bad.json'), /decoding seccomp profile failed "\/s\/bad.json"/);
  assert.throws(() => parseSeccompProfile('{}', '/s/empty.json'), /"\/s\/empty.json" has no defaultAction/);
});
