import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import {
  checkAllowedUnsafeSysctls,
  containerSecurity,
  normalizeSysctlName,
  runAsNonRootError,
  SAFE_SYSCTLS,
  sysctlNamespace,
  sysctlRejection,
} from './security-context.js';

const pod = (spec: Partial<NonNullable<Pod['spec']>>): Pod => ({
  metadata: { name: 'web', namespace: 'ns', uid: 'u1' },
  spec: { containers: [], ...spec },
});
const c = (securityContext?: Container['securityContext']): Container => ({ name: 'main', securityContext });

test('containerSecurity: nothing for a plain pod', () => {
  assert.deepEqual(containerSecurity(pod({}), c()), {});
});

test('containerSecurity: container fields, pod fallbacks, container seccomp over the pod one', () => {
  const p = pod({
    securityContext: {
      seccompProfile: { type: 'RuntimeDefault' },
      fsGroup: 2000,
      supplementalGroups: [4000, 2000],
      sysctls: [{ name: 'net/ipv4/ip_unprivileged_port_start', value: '80' }],
    },
    hostPID: true,
  });
  assert.deepEqual(
    containerSecurity(
      p,
      c({
        privileged: false,
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        procMount: 'Unmasked',
        capabilities: { drop: ['ALL'] },
      }),
    ),
    {
      capabilities: { add: [], drop: ['ALL'] },
      noNewPrivileges: true,
      seccomp: { type: 'RuntimeDefault' },
      readOnlyRootFilesystem: true,
      procMount: 'Unmasked',
      sysctls: { 'net.ipv4.ip_unprivileged_port_start': '80' },
      supplementalGroups: [2000, 4000],
      hostNamespaces: { pid: true },
    },
  );
  const own = containerSecurity(p, c({ seccompProfile: { type: 'Localhost', localhostProfile: 'a/b.json' } }));
  assert.deepEqual(own.seccomp, { type: 'Localhost', localhostProfile: 'a/b.json' });
  // allowPrivilegeEscalation unset or true: no no_new_privs (the kubelet's AddNoNewPrivileges).
  assert.equal(containerSecurity(p, c({ allowPrivilegeEscalation: true })).noNewPrivileges, undefined);
  assert.equal(containerSecurity(p, c({ privileged: true })).privileged, true);
  // --seccomp-default: RuntimeDefault only where neither the container nor the pod names a profile.
  assert.deepEqual(containerSecurity(pod({}), c(), { seccompDefault: true }).seccomp, { type: 'RuntimeDefault' });
  const unconfined = pod({ securityContext: { seccompProfile: { type: 'Unconfined' } } });
  assert.deepEqual(containerSecurity(unconfined, c(), { seccompDefault: true }).seccomp, { type: 'Unconfined' });
});

test('runAsNonRootError: the kubelet messages', () => {
  const nonRoot = pod({ securityContext: { runAsNonRoot: true } });
  const who = '(pod: "web_ns(u1)", container: main)';
  assert.equal(runAsNonRootError(nonRoot, c(), ''), `container has runAsNonRoot and image will run as root ${who}`);
  assert.equal(runAsNonRootError(nonRoot, c(), '0:0'), `container has runAsNonRoot and image will run as root ${who}`);
  assert.equal(runAsNonRootError(nonRoot, c(), '1000'), undefined);
  assert.equal(
    runAsNonRootError(nonRoot, c(), 'nobody'),
    `container has runAsNonRoot and image has non-numeric user (nobody), cannot verify user is non-root ${who}`,
  );
  assert.equal(runAsNonRootError(nonRoot, c({ runAsUser: 1000 }), ''), undefined);
  assert.equal(
    runAsNonRootError(nonRoot, c({ runAsUser: 0 }), '1000'),
    `container's runAsUser breaks non-root policy ${who}`,
  );
  assert.equal(
    runAsNonRootError(pod({ securityContext: { runAsUser: 1000, runAsNonRoot: true } }), c(), ''),
    undefined,
  );
  // The container's runAsNonRoot false wins over the pod's true.
  assert.equal(runAsNonRootError(nonRoot, c({ runAsNonRoot: false }), ''), undefined);
  assert.equal(runAsNonRootError(pod({}), c({ runAsNonRoot: true }), 'root'), runAsNonRootError(nonRoot, c(), 'root'));
});

test('sysctls: the safe set passes; others and host-namespace conflicts are SysctlForbidden with the kubelet text', () => {
  const sys = (names: string[], extra: Partial<NonNullable<Pod['spec']>> = {}) =>
    pod({ ...extra, securityContext: { sysctls: names.map((name) => ({ name, value: '1' })) } });
  assert.equal(sysctlRejection(sys(SAFE_SYSCTLS)), undefined);
  assert.deepEqual(sysctlRejection(sys(['kernel.msgmax'])), {
    reason: 'SysctlForbidden',
    message: 'forbidden sysctl: "kernel.msgmax" not allowlisted',
  });
  assert.equal(sysctlRejection(sys(['kernel.msgmax']), ['kernel.msgmax']), undefined);
  assert.equal(sysctlRejection(sys(['net.core.rmem_max']), ['net.core.*']), undefined);
  assert.equal(sysctlRejection(sys(['net.core.somaxconn']), ['net.core.somaxconn']), undefined);
  // Not namespaced: never allowed, even when listed.
  assert.match(sysctlRejection(sys(['vm.swappiness']), ['vm.swappiness'])?.message ?? '', /not allowlisted/);
  assert.equal(
    sysctlRejection(sys(['net.ipv4.tcp_syncookies'], { hostNetwork: true }))?.message,
    'forbidden sysctl: "net.ipv4.tcp_syncookies" not allowed with host net enabled',
  );
  assert.equal(
    sysctlRejection(sys(['kernel.shm_rmid_forced'], { hostIPC: true }))?.message,
    'forbidden sysctl: "kernel.shm_rmid_forced" not allowed with host ipc enabled',
  );
  assert.equal(sysctlRejection(sys(['net/ipv4/tcp_syncookies'])), undefined);
});

test('checkAllowedUnsafeSysctls: namespaced names and patterns only, with the kubelet messages', () => {
  checkAllowedUnsafeSysctls(['net.core.*', 'kernel.msgmax', 'fs.mqueue.*', 'net/ipv4/tcp_rmem']);
  assert.throws(
    () => checkAllowedUnsafeSysctls(['kernel.msg*']),
    /the sysctls "kernel.msg\*" are not known to be namespaced/,
  );
  assert.throws(
    () => checkAllowedUnsafeSysctls(['vm.swappiness']),
    /the sysctl "vm.swappiness" are not known to be namespaced/,
  );
  assert.throws(() => checkAllowedUnsafeSysctls(['net..x']), /must have at most 253 characters/);
});

test('sysctl names and namespaces', () => {
  assert.equal(normalizeSysctlName('net/ipv4/conf/eth0.100/forwarding'), 'net.ipv4.conf.eth0/100.forwarding');
  assert.equal(normalizeSysctlName('net.ipv4.conf.eth0/100.forwarding'), 'net.ipv4.conf.eth0/100.forwarding');
  assert.equal(sysctlNamespace('net.core.somaxconn'), 'net');
  assert.equal(sysctlNamespace('fs.mqueue.msg_max'), 'ipc');
  assert.equal(sysctlNamespace('kernel.sem'), 'ipc');
  assert.equal(sysctlNamespace('kernel.pid_max'), undefined);
});
