import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PodSpec } from 'kubernetes-types/core/v1.js';
import { Evaluator, forbiddenDetail, forbiddenReason, NEWEST_CHECK_VERSION } from './evaluator.js';
import { LATEST, type Level } from './policy-levels.js';

const plain: PodSpec = { containers: [{ name: 'c', image: 'busybox' }] };
const lv = (level: Level, version = LATEST) => ({ level, version });

test('a plain pod passes baseline and breaks restricted with the message Kubernetes gives', () => {
  const e = new Evaluator(31);
  assert.equal(e.evaluate(lv('baseline'), {}, plain).allowed, true);
  assert.equal(e.evaluate(lv('privileged'), {}, { ...plain, hostNetwork: true }).allowed, true);
  const r = e.evaluate(lv('restricted'), {}, plain);
  assert.equal(r.allowed, false);
  assert.equal(
    forbiddenDetail(r),
    'allowPrivilegeEscalation != false (container "c" must set securityContext.allowPrivilegeEscalation=false), ' +
      'unrestricted capabilities (container "c" must set securityContext.capabilities.drop=["ALL"]), ' +
      'runAsNonRoot != true (pod or container "c" must set securityContext.runAsNonRoot=true), ' +
      'seccompProfile (pod or container "c" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")',
  );
  assert.equal(
    forbiddenReason(r),
    'allowPrivilegeEscalation != false, unrestricted capabilities, runAsNonRoot != true, seccompProfile',
  );
});

test('a pod that meets restricted passes every level', () => {
  const spec: PodSpec = {
    securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
    containers: [
      {
        name: 'c',
        image: 'busybox',
        securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
      },
    ],
  };
  for (const level of ['privileged', 'baseline', 'restricted'] as const)
    assert.equal(new Evaluator(31).evaluate(lv(level), {}, spec).allowed, true, level);
});

test('baseline checks come first, each level in ID order; restricted overrides replace baseline checks', () => {
  const spec: PodSpec = {
    hostNetwork: true,
    volumes: [{ name: 'h', hostPath: { path: '/' } }],
    containers: [
      { name: 'c', image: 'busybox', securityContext: { privileged: true, capabilities: { add: ['NET_ADMIN'] } } },
    ],
  };
  const e = new Evaluator(31);
  assert.equal(
    forbiddenReason(e.evaluate(lv('baseline'), {}, spec)),
    'non-default capabilities, host namespaces, hostPath volumes, privileged',
  );
  assert.equal(
    forbiddenReason(e.evaluate(lv('restricted'), {}, spec)),
    'host namespaces, privileged, allowPrivilegeEscalation != false, unrestricted capabilities, restricted volume types, runAsNonRoot != true, seccompProfile',
  );
});

test('a pinned version runs the checks of that version', () => {
  const e = new Evaluator(31);
  const at = (version: number) => forbiddenReason(e.evaluate(lv('restricted', version), {}, plain));
  // v1.0-v1.7: no allowPrivilegeEscalation; before v1.19 seccomp is only checked by annotation.
  assert.equal(at(0), 'runAsNonRoot != true');
  assert.equal(at(8), 'allowPrivilegeEscalation != false, runAsNonRoot != true');
  assert.equal(at(19), 'allowPrivilegeEscalation != false, runAsNonRoot != true, seccompProfile');
  // capabilities_restricted from v1.22 (replacing capabilities_baseline).
  assert.equal(
    at(22),
    'allowPrivilegeEscalation != false, unrestricted capabilities, runAsNonRoot != true, seccompProfile',
  );
  const root: PodSpec = { ...plain, securityContext: { runAsUser: 0, runAsNonRoot: true } };
  assert.doesNotMatch(forbiddenReason(e.evaluate(lv('restricted', 22), {}, root)), /runAsUser/);
  assert.match(forbiddenReason(e.evaluate(lv('restricted', 23), {}, root)), /runAsUser=0/);
  const sysctl: PodSpec = {
    ...plain,
    securityContext: { sysctls: [{ name: 'net.ipv4.tcp_keepalive_time', value: '1' }] },
  };
  assert.equal(e.evaluate(lv('baseline', 28), {}, sysctl).allowed, false);
  assert.equal(e.evaluate(lv('baseline', 29), {}, sysctl).allowed, true);
});

test('latest and pins newer than the server evaluate as the server version', () => {
  const rmem: PodSpec = { ...plain, securityContext: { sysctls: [{ name: 'net.ipv4.tcp_rmem', value: '1' }] } };
  const probe: PodSpec = {
    containers: [{ name: 'c', image: 'busybox', livenessProbe: { httpGet: { host: '10.0.0.1', port: 80 } } }],
  };
  const at31 = new Evaluator(31);
  assert.equal(at31.evaluate(lv('baseline'), {}, rmem).allowed, false, 'tcp_rmem is allowed from v1.32');
  assert.equal(at31.evaluate(lv('baseline', 40), {}, rmem).allowed, false);
  assert.equal(at31.evaluate(lv('baseline'), {}, probe).allowed, true, 'probe hosts are checked from v1.34');
  const newest = new Evaluator();
  assert.equal(newest.maxVersion, NEWEST_CHECK_VERSION);
  assert.equal(newest.evaluate(lv('baseline'), {}, rmem).allowed, true);
  assert.equal(forbiddenReason(newest.evaluate(lv('baseline'), {}, probe)), 'probe or lifecycle host');
  assert.equal(newest.evaluate(lv('baseline', 33), {}, probe).allowed, true);
});

test('from v1.35 a user namespace relaxes runAsNonRoot, runAsUser and baseline procMount, not restricted procMount', () => {
  const spec: PodSpec = {
    hostUsers: false,
    securityContext: { runAsUser: 0, seccompProfile: { type: 'RuntimeDefault' } },
    containers: [
      {
        name: 'c',
        image: 'busybox',
        securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, procMount: 'Unmasked' },
      },
    ],
  };
  const e = new Evaluator(35);
  assert.equal(e.evaluate(lv('baseline'), {}, spec).allowed, true);
  assert.equal(forbiddenReason(e.evaluate(lv('restricted'), {}, spec)), 'procMount');
  assert.equal(
    forbiddenReason(e.evaluate(lv('restricted', 34), {}, spec)),
    'procMount, runAsNonRoot != true, runAsUser=0',
  );
});
