import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PodSpec } from 'kubernetes-types/core/v1.js';
import type { CheckPod } from './check-helpers.js';
import * as r from './checks-restricted.js';

interface Case {
  name: string;
  check: CheckPod;
  spec: Partial<PodSpec>;
  /** Undefined: allowed. Otherwise the reason and detail Kubernetes gives. */
  want?: [string, string];
}

const c = (name: string, securityContext: object = {}) => ({ name, image: 'busybox', securityContext });
const windows = { os: { name: 'windows' } };

const CASES: Case[] = [
  {
    name: 'volumes of allowed kinds',
    check: r.restrictedVolumes_1_0,
    spec: {
      volumes: [
        { name: 'a', configMap: { name: 'x' } },
        { name: 'b', secret: { secretName: 'x' } },
        { name: 'c', emptyDir: {} },
        { name: 'd', persistentVolumeClaim: { claimName: 'x' } },
        { name: 'e', projected: { sources: [] } },
        { name: 'f', downwardAPI: {} },
        { name: 'g', csi: { driver: 'x' } },
        { name: 'h', ephemeral: {} },
      ],
    },
  },
  {
    name: 'restricted volume types',
    check: r.restrictedVolumes_1_0,
    spec: {
      volumes: [
        { name: 'host', hostPath: { path: '/' } },
        { name: 'n', nfs: { server: 's', path: '/' } },
        { name: 'ok', emptyDir: {} },
      ],
    },
    want: ['restricted volume types', 'volumes "host", "n" use restricted volume types "hostPath", "nfs"'],
  },
  {
    name: 'one restricted volume',
    check: r.restrictedVolumes_1_0,
    spec: { volumes: [{ name: 'host', hostPath: { path: '/' } }] },
    want: ['restricted volume types', 'volume "host" uses restricted volume type "hostPath"'],
  },
  {
    name: 'a volume of no known kind',
    check: r.restrictedVolumes_1_0,
    spec: { volumes: [{ name: 'x' }] },
    want: ['restricted volume types', 'volume "x" uses restricted volume type "unknown"'],
  },
  {
    name: 'allowPrivilegeEscalation false everywhere',
    check: r.allowPrivilegeEscalation_1_8,
    spec: { containers: [c('a', { allowPrivilegeEscalation: false })] },
  },
  {
    name: 'allowPrivilegeEscalation unset or true',
    check: r.allowPrivilegeEscalation_1_8,
    spec: {
      containers: [c('a'), c('b', { allowPrivilegeEscalation: true }), c('c', { allowPrivilegeEscalation: false })],
    },
    want: [
      'allowPrivilegeEscalation != false',
      'containers "a", "b" must set securityContext.allowPrivilegeEscalation=false',
    ],
  },
  {
    name: 'allowPrivilegeEscalation: Windows pods exempt from v1.25',
    check: r.allowPrivilegeEscalation_1_25,
    spec: { ...windows, containers: [c('a')] },
  },
  {
    name: 'allowPrivilegeEscalation: Windows pods not exempt before v1.25',
    check: r.allowPrivilegeEscalation_1_8,
    spec: { ...windows, containers: [c('a')] },
    want: [
      'allowPrivilegeEscalation != false',
      'container "a" must set securityContext.allowPrivilegeEscalation=false',
    ],
  },
  {
    name: 'runAsNonRoot on the pod',
    check: r.runAsNonRoot_1_0,
    spec: { securityContext: { runAsNonRoot: true }, containers: [c('a')] },
  },
  {
    name: 'runAsNonRoot on every container',
    check: r.runAsNonRoot_1_0,
    spec: { containers: [c('a', { runAsNonRoot: true })] },
  },
  {
    name: 'runAsNonRoot missing',
    check: r.runAsNonRoot_1_0,
    spec: { containers: [c('a'), c('b', { runAsNonRoot: true })] },
    want: ['runAsNonRoot != true', 'pod or container "a" must set securityContext.runAsNonRoot=true'],
  },
  {
    name: 'runAsNonRoot false wins over missing',
    check: r.runAsNonRoot_1_0,
    spec: { securityContext: { runAsNonRoot: false }, containers: [c('a', { runAsNonRoot: false }), c('b')] },
    want: ['runAsNonRoot != true', 'pod and container "a" must not set securityContext.runAsNonRoot=false'],
  },
  {
    name: 'runAsNonRoot: user namespace pods exempt from v1.35',
    check: r.runAsNonRoot_1_35,
    spec: { hostUsers: false, containers: [c('a')] },
  },
  {
    name: 'runAsNonRoot: user namespace pods not exempt before v1.35',
    check: r.runAsNonRoot_1_0,
    spec: { hostUsers: false, containers: [c('a')] },
    want: ['runAsNonRoot != true', 'pod or container "a" must set securityContext.runAsNonRoot=true'],
  },
  {
    name: 'runAsUser 1000',
    check: r.runAsUser_1_23,
    spec: { securityContext: { runAsUser: 1000 }, containers: [c('a')] },
  },
  {
    name: 'runAsUser 0',
    check: r.runAsUser_1_23,
    spec: { securityContext: { runAsUser: 0 }, containers: [c('a', { runAsUser: 0 }), c('b', { runAsUser: 0 })] },
    want: ['runAsUser=0', 'pod and containers "a", "b" must not set runAsUser=0'],
  },
  {
    name: 'runAsUser 0 in a user namespace from v1.35',
    check: r.runAsUser_1_35,
    spec: { hostUsers: false, securityContext: { runAsUser: 0 }, containers: [c('a')] },
  },
  {
    name: 'seccomp on the pod',
    check: r.seccompProfileRestricted_1_19,
    spec: { securityContext: { seccompProfile: { type: 'RuntimeDefault' } }, containers: [c('a')] },
  },
  {
    name: 'seccomp missing',
    check: r.seccompProfileRestricted_1_19,
    spec: { containers: [c('a'), c('b', { seccompProfile: { type: 'Localhost', localhostProfile: 'p' } })] },
    want: [
      'seccompProfile',
      'pod or container "a" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"',
    ],
  },
  {
    name: 'seccomp Unconfined on a container overrides the pod',
    check: r.seccompProfileRestricted_1_19,
    spec: {
      securityContext: { seccompProfile: { type: 'RuntimeDefault' } },
      containers: [c('a', { seccompProfile: { type: 'Unconfined' } })],
    },
    want: ['seccompProfile', 'container "a" must not set securityContext.seccompProfile.type to "Unconfined"'],
  },
  {
    name: 'seccomp: Windows pods exempt from v1.25',
    check: r.seccompProfileRestricted_1_25,
    spec: { ...windows, containers: [c('a')] },
  },
  {
    name: 'capabilities drop ALL, add NET_BIND_SERVICE',
    check: r.capabilitiesRestricted_1_22,
    spec: { containers: [c('a', { capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] } })] },
  },
  {
    name: 'capabilities not dropped, others added',
    check: r.capabilitiesRestricted_1_22,
    spec: {
      containers: [
        c('a'),
        c('b', { capabilities: { drop: ['NET_RAW'], add: ['CHOWN'] } }),
        c('c', { capabilities: { drop: ['ALL'], add: ['SYS_ADMIN', 'CHOWN'] } }),
      ],
    },
    want: [
      'unrestricted capabilities',
      'containers "a", "b" must set securityContext.capabilities.drop=["ALL"]; containers "b", "c" must not include "CHOWN", "SYS_ADMIN" in securityContext.capabilities.add',
    ],
  },
  {
    name: 'capabilities: Windows pods exempt from v1.25',
    check: r.capabilitiesRestricted_1_25,
    spec: { ...windows, containers: [c('a')] },
  },
  {
    name: 'procMount Unmasked at restricted from v1.35, also in a user namespace',
    check: r.procMountRestricted_1_35,
    spec: { hostUsers: false, containers: [c('a', { procMount: 'Unmasked' })] },
    want: ['procMount', 'container "a" must not set securityContext.procMount to "Unmasked"'],
  },
];

for (const tc of CASES) {
  test(`restricted check: ${tc.name}`, () => {
    const got = tc.check({}, { containers: [], ...tc.spec } as PodSpec);
    if (!tc.want) assert.deepEqual(got, { allowed: true });
    else assert.deepEqual(got, { allowed: false, reason: tc.want[0], detail: tc.want[1] });
  });
}
