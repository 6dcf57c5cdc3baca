import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { podSecurityFromFlags, UP_POD_SECURITY } from './pod-security-flags.js';

test('without flags: up gets baseline enforced, restricted warned and audited, kube-system exempt; server stays privileged', async () => {
  assert.deepEqual(await podSecurityFromFlags({}, 'up'), UP_POD_SECURITY);
  assert.equal(UP_POD_SECURITY.defaults.enforce.level, 'baseline');
  assert.equal(UP_POD_SECURITY.defaults.warn.level, 'restricted');
  assert.deepEqual(UP_POD_SECURITY.exemptions.namespaces, ['kube-system']);
  assert.equal(await podSecurityFromFlags({}, 'server'), undefined);
  const opened = await podSecurityFromFlags({ podSecurityDefault: 'privileged' }, 'up');
  assert.equal(opened?.defaults.enforce.level, 'privileged');
  assert.deepEqual(opened?.exemptions.namespaces, []);
});

test('an AdmissionConfiguration file, its plugin path relative to it, and --pod-security-default over its defaults', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'psa-flags-'));
  try {
    await writeFile(
      join(dir, 'admission.yaml'),
      'apiVersion: apiserver.config.k8s.io/v1\nkind: AdmissionConfiguration\nplugins:\n- name: PodSecurity\n  path: psa.yaml\n',
    );
    await writeFile(
      join(dir, 'psa.yaml'),
      'apiVersion: pod-security.admission.config.k8s.io/v1\nkind: PodSecurityConfiguration\ndefaults: {enforce: restricted}\nexemptions: {namespaces: [ops]}\n',
    );
    const file = join(dir, 'admission.yaml');
    const fromFile = await podSecurityFromFlags({ admissionControlConfigFile: file }, 'server');
    assert.equal(fromFile?.defaults.enforce.level, 'restricted');
    assert.deepEqual(fromFile?.exemptions.namespaces, ['ops']);
    const both = await podSecurityFromFlags(
      { admissionControlConfigFile: file, podSecurityDefault: 'warn=baseline' },
      'up',
    );
    assert.equal(both?.defaults.enforce.level, 'privileged');
    assert.equal(both?.defaults.warn.level, 'baseline');
    assert.deepEqual(both?.exemptions.namespaces, ['ops']);
    await writeFile(join(dir, 'psa.yaml'), 'kind: PodSecurityConfiguration\ndefaults: {enforce: strict}\n');
    await assert.rejects(
      podSecurityFromFlags({ admissionControlConfigFile: file }, 'server'),
      /--admission-control-config-file .*admission.yaml: defaults.enforce: Unsupported value: "strict"/,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
