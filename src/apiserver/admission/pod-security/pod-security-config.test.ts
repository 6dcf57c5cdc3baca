import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  parsePodSecurityConfiguration,
  parsePodSecurityDefault,
  PodSecurityConfigError,
  podSecurityFromAdmissionConfiguration,
} from './pod-security-config.js';
import { LATEST } from './policy-levels.js';

test('a PodSecurityConfiguration: defaults default to privileged:latest, exemptions kept', () => {
  const s = parsePodSecurityConfiguration({
    apiVersion: 'pod-security.admission.config.k8s.io/v1',
    kind: 'PodSecurityConfiguration',
    defaults: { enforce: 'baseline', 'enforce-version': 'v1.29', warn: 'restricted' },
    exemptions: { usernames: ['ci-bot'], runtimeClasses: ['kata'], namespaces: ['kube-system'] },
  });
  assert.deepEqual(s.defaults, {
    enforce: { level: 'baseline', version: 29 },
    audit: { level: 'privileged', version: LATEST },
    warn: { level: 'restricted', version: LATEST },
  });
  assert.deepEqual(s.exemptions, { usernames: ['ci-bot'], runtimeClasses: ['kata'], namespaces: ['kube-system'] });
});

test('bad configurations name the field', () => {
  const bad = (doc: unknown, re: RegExp) => assert.throws(() => parsePodSecurityConfiguration(doc), re);
  bad({ defaults: { enforce: 'strict' } }, /defaults\.enforce: Unsupported value: "strict"/);
  bad({ defaults: { 'warn-version': 'v2' } }, /defaults\.warn-version: Invalid value: "v2"/);
  bad({ defaults: { enforcement: 'baseline' } }, /unknown key "enforcement"/);
  bad({ exemptions: { namespaces: ['Kube_System'] } }, /exemptions\.namespaces\[0\]/);
  bad({ exemptions: { usernames: ['a', 'a'] } }, /exemptions\.usernames\[1\]: Duplicate value/);
  bad({ apiVersion: 'v1', kind: 'PodSecurityConfiguration' }, /unsupported apiVersion/);
});

test('an AdmissionConfiguration: the PodSecurity entry, embedded or by path', () => {
  const embedded = podSecurityFromAdmissionConfiguration(
    {
      apiVersion: 'apiserver.config.k8s.io/v1',
      kind: 'AdmissionConfiguration',
      plugins: [
        { name: 'EventRateLimit', path: 'x.yaml' },
        {
          name: 'PodSecurity',
          configuration: {
            apiVersion: 'pod-security.admission.config.k8s.io/v1',
            kind: 'PodSecurityConfiguration',
            defaults: { enforce: 'restricted' },
          },
        },
      ],
    },
    () => assert.fail('no file is read'),
  );
  assert.equal(embedded?.defaults.enforce.level, 'restricted');
  const byPath = podSecurityFromAdmissionConfiguration(
    { kind: 'AdmissionConfiguration', plugins: [{ name: 'PodSecurity', path: 'psa.yaml' }] },
    (path) => {
      assert.equal(path, 'psa.yaml');
      return { kind: 'PodSecurityConfiguration', exemptions: { namespaces: ['ops'] } };
    },
  );
  assert.deepEqual(byPath?.exemptions.namespaces, ['ops']);
  assert.equal(
    podSecurityFromAdmissionConfiguration({ kind: 'AdmissionConfiguration', plugins: [] }, () => undefined),
    undefined,
  );
  assert.throws(() => podSecurityFromAdmissionConfiguration({ kind: 'Pod' }, () => undefined), PodSecurityConfigError);
});

test('--pod-security-default: mode=level pairs, versions, or one level for all', () => {
  assert.deepEqual(parsePodSecurityDefault('enforce=baseline, warn=restricted,warn-version=v1.30'), {
    enforce: { level: 'baseline', version: LATEST },
    audit: { level: 'privileged', version: LATEST },
    warn: { level: 'restricted', version: 30 },
  });
  assert.deepEqual(parsePodSecurityDefault('restricted').audit, { level: 'restricted', version: LATEST });
  assert.throws(() => parsePodSecurityDefault('enforce'), /not key=value/);
  assert.throws(() => parsePodSecurityDefault('enforce=baseline,enforce=restricted'), /given twice/);
  assert.throws(() => parsePodSecurityDefault('enforce=high'), /Unsupported value: "high"/);
});
