import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PodSpec } from 'kubernetes-types/core/v1.js';
import type { CheckPod, PodMeta } from './check-helpers.js';
import * as b from './checks-baseline.js';

interface Case {
  name: string;
  check: CheckPod;
  spec: Partial<PodSpec>;
  meta?: PodMeta;
  /** Undefined: allowed. Otherwise the reason and detail Kubernetes gives. */
  want?: [string, string];
}

const c = (name: string, securityContext: object = {}, extra: object = {}) => ({
  name,
  image: 'busybox',
  securityContext,
  ...extra,
});

const CASES: Case[] = [
  { name: 'host namespaces unset', check: b.hostNamespaces_1_0, spec: { containers: [c('a')] } },
  { name: 'host namespaces false', check: b.hostNamespaces_1_0, spec: { hostNetwork: false, hostPID: false } },
  {
    name: 'host namespaces all',
    check: b.hostNamespaces_1_0,
    spec: { hostNetwork: true, hostPID: true, hostIPC: true },
    want: ['host namespaces', 'hostNetwork=true, hostPID=true, hostIPC=true'],
  },
  { name: 'privileged false', check: b.privileged_1_0, spec: { containers: [c('a', { privileged: false })] } },
  {
    name: 'privileged init and app containers',
    check: b.privileged_1_0,
    spec: { initContainers: [c('i', { privileged: true })], containers: [c('a', { privileged: true }), c('b')] },
    want: ['privileged', 'containers "i", "a" must not set securityContext.privileged=true'],
  },
  {
    name: 'privileged ephemeral container',
    check: b.privileged_1_0,
    spec: { containers: [c('a')], ephemeralContainers: [c('debug', { privileged: true })] },
    want: ['privileged', 'container "debug" must not set securityContext.privileged=true'],
  },
  {
    name: 'default capabilities may be added',
    check: b.capabilitiesBaseline_1_0,
    spec: { containers: [c('a', { capabilities: { add: ['CHOWN', 'NET_BIND_SERVICE', 'SYS_CHROOT'] } })] },
  },
  {
    name: 'non-default capabilities, sorted and distinct',
    check: b.capabilitiesBaseline_1_0,
    spec: {
      containers: [
        c('a', { capabilities: { add: ['SYS_ADMIN', 'NET_RAW'] } }),
        c('b', { capabilities: { add: ['NET_RAW', 'CHOWN'] } }),
      ],
    },
    want: [
      'non-default capabilities',
      'containers "a", "b" must not include "NET_RAW", "SYS_ADMIN" in securityContext.capabilities.add',
    ],
  },
  {
    name: 'hostPath volumes',
    check: b.hostPathVolumes_1_0,
    spec: {
      volumes: [
        { name: 'h', hostPath: { path: '/' } },
        { name: 'e', emptyDir: {} },
      ],
    },
    want: ['hostPath volumes', 'volume "h"'],
  },
  { name: 'no hostPath', check: b.hostPathVolumes_1_0, spec: { volumes: [{ name: 'e', emptyDir: {} }] } },
  {
    name: 'host ports sorted as text',
    check: b.hostPorts_1_0,
    spec: {
      containers: [
        c('a', {}, { ports: [{ containerPort: 80, hostPort: 8080 }, { containerPort: 81 }] }),
        c('b', {}, { ports: [{ containerPort: 90, hostPort: 10000 }] }),
      ],
    },
    want: ['hostPort', 'containers "a", "b" use hostPorts 10000, 8080'],
  },
  {
    name: 'one host port',
    check: b.hostPorts_1_0,
    spec: { containers: [c('a', {}, { ports: [{ containerPort: 80, hostPort: 80 }] })] },
    want: ['hostPort', 'container "a" uses hostPort 80'],
  },
  {
    name: 'container ports only',
    check: b.hostPorts_1_0,
    spec: { containers: [c('a', {}, { ports: [{ containerPort: 80 }] })] },
  },
  {
    name: 'AppArmor RuntimeDefault and Localhost',
    check: b.appArmorProfile_1_0,
    spec: {
      securityContext: { appArmorProfile: { type: 'RuntimeDefault' } },
      containers: [c('a', { appArmorProfile: { type: 'Localhost', localhostProfile: 'p' } })],
    },
    meta: { annotations: { 'container.apparmor.security.beta.kubernetes.io/a': 'localhost/p' } },
  },
  {
    name: 'AppArmor unconfined by field and annotation',
    check: b.appArmorProfile_1_0,
    spec: {
      securityContext: { appArmorProfile: { type: 'Unconfined' } },
      containers: [c('a', { appArmorProfile: { type: 'Unconfined' } })],
    },
    meta: { annotations: { 'container.apparmor.security.beta.kubernetes.io/a': 'unconfined' } },
    want: [
      'forbidden AppArmor profiles',
      'pod and container "a" and annotation must not set AppArmor profile type to "Unconfined", "container.apparmor.security.beta.kubernetes.io/a=\\"unconfined\\""',
    ],
  },
  {
    name: 'AppArmor one annotation',
    check: b.appArmorProfile_1_0,
    spec: { containers: [c('a')] },
    meta: { annotations: { 'container.apparmor.security.beta.kubernetes.io/a': 'unconfined' } },
    want: [
      'forbidden AppArmor profile',
      'annotation must not set AppArmor profile type to "container.apparmor.security.beta.kubernetes.io/a=\\"unconfined\\""',
    ],
  },
  {
    name: 'SELinux allowed type',
    check: b.seLinuxOptions_1_0,
    spec: { securityContext: { seLinuxOptions: { type: 'container_t', level: 's0:c1' } }, containers: [c('a')] },
  },
  {
    name: 'SELinux bad type, user and role',
    check: b.seLinuxOptions_1_0,
    spec: {
      securityContext: { seLinuxOptions: { type: 'spc_t' } },
      containers: [c('a', { seLinuxOptions: { user: 'u', role: 'r' } })],
    },
    want: [
      'seLinuxOptions',
      'pod and container "a" set forbidden securityContext.seLinuxOptions: type "spc_t"; user may not be set; role may not be set',
    ],
  },
  {
    name: 'SELinux container_engine_t before v1.31',
    check: b.seLinuxOptions_1_0,
    spec: { containers: [c('a', { seLinuxOptions: { type: 'container_engine_t' } })] },
    want: ['seLinuxOptions', 'container "a" set forbidden securityContext.seLinuxOptions: type "container_engine_t"'],
  },
  {
    name: 'SELinux container_engine_t from v1.31',
    check: b.seLinuxOptions_1_31,
    spec: { containers: [c('a', { seLinuxOptions: { type: 'container_engine_t' } })] },
  },
  { name: 'procMount Default', check: b.procMount_1_0, spec: { containers: [c('a', { procMount: 'Default' })] } },
  {
    name: 'procMount Unmasked',
    check: b.procMount_1_0,
    spec: { containers: [c('a', { procMount: 'Unmasked' })] },
    want: ['procMount', 'container "a" must not set securityContext.procMount to "Unmasked"'],
  },
  {
    name: 'procMount Unmasked in a user namespace from v1.35',
    check: b.procMountBaseline_1_35,
    spec: { hostUsers: false, containers: [c('a', { procMount: 'Unmasked' })] },
  },
  {
    name: 'seccomp annotations before v1.19',
    check: b.seccompProfileBaseline_1_0,
    spec: { containers: [c('a'), c('b')] },
    meta: {
      annotations: {
        'seccomp.security.alpha.kubernetes.io/pod': 'unconfined',
        'container.seccomp.security.alpha.kubernetes.io/a': 'runtime/default',
        'container.seccomp.security.alpha.kubernetes.io/b': 'unconfined',
      },
    },
    want: [
      'seccompProfile',
      'forbidden annotations container.seccomp.security.alpha.kubernetes.io/b="unconfined", seccomp.security.alpha.kubernetes.io/pod="unconfined"',
    ],
  },
  {
    name: 'seccomp unset is fine at baseline',
    check: b.seccompProfileBaseline_1_19,
    spec: { containers: [c('a')] },
  },
  {
    name: 'seccomp Unconfined',
    check: b.seccompProfileBaseline_1_19,
    spec: {
      securityContext: { seccompProfile: { type: 'Unconfined' } },
      containers: [
        c('a', { seccompProfile: { type: 'Unconfined' } }),
        c('b', { seccompProfile: { type: 'RuntimeDefault' } }),
      ],
    },
    want: ['seccompProfile', 'pod and container "a" must not set securityContext.seccompProfile.type to "Unconfined"'],
  },
  {
    name: 'safe sysctls',
    check: b.sysctls_1_0,
    spec: { securityContext: { sysctls: [{ name: 'net.ipv4.ip_local_port_range', value: '1024 65535' }] } },
  },
  {
    name: 'unsafe sysctls, in order',
    check: b.sysctls_1_0,
    spec: {
      securityContext: {
        sysctls: [
          { name: 'kernel.msgmax', value: '1' },
          { name: 'net.core.somaxconn', value: '1' },
        ],
      },
    },
    want: ['forbidden sysctls', 'kernel.msgmax, net.core.somaxconn'],
  },
  {
    name: 'ip_local_reserved_ports before v1.27',
    check: b.sysctls_1_0,
    spec: { securityContext: { sysctls: [{ name: 'net.ipv4.ip_local_reserved_ports', value: '1' }] } },
    want: ['forbidden sysctls', 'net.ipv4.ip_local_reserved_ports'],
  },
  {
    name: 'ip_local_reserved_ports from v1.27',
    check: b.sysctls_1_27,
    spec: { securityContext: { sysctls: [{ name: 'net.ipv4.ip_local_reserved_ports', value: '1' }] } },
  },
  {
    name: 'tcp_keepalive_time before v1.29',
    check: b.sysctls_1_27,
    spec: { securityContext: { sysctls: [{ name: 'net.ipv4.tcp_keepalive_time', value: '1' }] } },
    want: ['forbidden sysctls', 'net.ipv4.tcp_keepalive_time'],
  },
  {
    name: 'tcp_keepalive_time from v1.29',
    check: b.sysctls_1_29,
    spec: { securityContext: { sysctls: [{ name: 'net.ipv4.tcp_keepalive_time', value: '1' }] } },
  },
  {
    name: 'tcp_rmem before v1.32',
    check: b.sysctls_1_29,
    spec: { securityContext: { sysctls: [{ name: 'net.ipv4.tcp_rmem', value: '1' }] } },
    want: ['forbidden sysctls', 'net.ipv4.tcp_rmem'],
  },
  {
    name: 'tcp_rmem from v1.32',
    check: b.sysctls_1_32,
    spec: { securityContext: { sysctls: [{ name: 'net.ipv4.tcp_rmem', value: '1' }] } },
  },
  {
    name: 'Windows HostProcess',
    check: b.windowsHostProcess_1_0,
    spec: {
      securityContext: { windowsOptions: { hostProcess: true } },
      containers: [
        c('a', { windowsOptions: { hostProcess: true } }),
        c('b', { windowsOptions: { hostProcess: false } }),
      ],
    },
    want: ['hostProcess', 'pod and container "a" must not set securityContext.windowsOptions.hostProcess=true'],
  },
  {
    name: 'probe and lifecycle hosts',
    check: b.hostProbesAndHostLifecycle_1_34,
    spec: {
      containers: [
        c(
          'a',
          {},
          {
            livenessProbe: { httpGet: { host: '127.0.0.1', port: 80 } },
            readinessProbe: { tcpSocket: { host: '::1', port: 80 } },
            lifecycle: { preStop: { httpGet: { host: 'localhost', port: 80 } } },
          },
        ),
      ],
    },
    want: ['probe or lifecycle host', 'container "a" uses probe or lifecycle hosts "127.0.0.1", "::1", "localhost"'],
  },
  {
    name: 'probes without host',
    check: b.hostProbesAndHostLifecycle_1_34,
    spec: { containers: [c('a', {}, { livenessProbe: { httpGet: { port: 80 } } })] },
  },
];

for (const tc of CASES) {
  test(`baseline check: ${tc.name}`, () => {
    const got = tc.check(tc.meta ?? {}, { containers: [], ...tc.spec } as PodSpec);
    if (!tc.want) assert.deepEqual(got, { allowed: true });
    else assert.deepEqual(got, { allowed: false, reason: tc.want[0], detail: tc.want[1] });
  });
}
