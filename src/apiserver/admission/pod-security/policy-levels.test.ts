import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  LATEST,
  levelVersionString,
  parseLevel,
  parseVersion,
  policyToEvaluate,
  PRIVILEGED_POLICY,
  type Policy,
} from './policy-levels.js';

test('versions: latest or v1.N without leading zeros', () => {
  for (const [s, want] of [
    ['latest', LATEST],
    ['v1.0', 0],
    ['v1.31', 31],
    ['v1.10000', 10000],
  ] as const)
    assert.deepEqual(parseVersion(s), { version: want }, s);
  for (const s of ['', 'foo', 'v2.0', 'v1', '1.1', 'v1.01', 'v1.', 'v1.-1', 'Latest'])
    assert.deepEqual(parseVersion(s), { version: LATEST, error: 'must be "latest" or "v1.x"' }, s);
  assert.deepEqual(parseLevel('bogus'), {
    level: 'restricted',
    error: 'must be one of privileged, baseline, restricted',
  });
  assert.equal(levelVersionString({ level: 'baseline', version: 30 }), 'baseline:v1.30');
  assert.equal(levelVersionString({ level: 'restricted', version: LATEST }), 'restricted:latest');
});

const l = (labels: Record<string, string>, defaults: Policy = PRIVILEGED_POLICY) => policyToEvaluate(labels, defaults);

test('labels select over the defaults, mode by mode', () => {
  const defaults: Policy = {
    enforce: { level: 'baseline', version: 30 },
    audit: { level: 'restricted', version: LATEST },
    warn: { level: 'restricted', version: LATEST },
  };
  assert.deepEqual(l({}, defaults).policy, defaults);
  const { policy, errors } = l(
    { 'pod-security.kubernetes.io/enforce': 'privileged', 'pod-security.kubernetes.io/audit-version': 'v1.25' },
    defaults,
  );
  assert.deepEqual(errors, []);
  assert.deepEqual(policy, {
    enforce: { level: 'privileged', version: 30 },
    audit: { level: 'restricted', version: 25 },
    warn: { level: 'restricted', version: LATEST },
  });
});

test('bad values: enforce fails closed, audit and warn open, versions to latest, each a field error', () => {
  const { policy, errors } = l({
    'pod-security.kubernetes.io/enforce': 'strict',
    'pod-security.kubernetes.io/enforce-version': 'v1.x',
    'pod-security.kubernetes.io/audit': 'strict',
    'pod-security.kubernetes.io/warn': 'strict',
  });
  assert.deepEqual(policy, {
    enforce: { level: 'restricted', version: LATEST },
    audit: { level: 'privileged', version: LATEST },
    warn: { level: 'privileged', version: LATEST },
  });
  assert.deepEqual(
    errors.map((e) => `${e.field}: ${e.message}`),
    [
      'metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: "strict": must be one of privileged, baseline, restricted',
      'metadata.labels[pod-security.kubernetes.io/enforce-version]: Invalid value: "v1.x": must be "latest" or "v1.x"',
      'metadata.labels[pod-security.kubernetes.io/audit]: Invalid value: "strict": must be one of privileged, baseline, restricted',
      'metadata.labels[pod-security.kubernetes.io/warn]: Invalid value: "strict": must be one of privileged, baseline, restricted',
    ],
  );
});

test('an enforce label without a warn label warns at the enforce level and version (Kubernetes 1.26+)', () => {
  assert.deepEqual(
    l({ 'pod-security.kubernetes.io/enforce': 'baseline', 'pod-security.kubernetes.io/enforce-version': 'v1.28' })
      .policy.warn,
    { level: 'baseline', version: 28 },
  );
  // warn-version set: kept.
  assert.deepEqual(
    l({ 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/warn-version': 'v1.25' }).policy
      .warn,
    { level: 'restricted', version: 25 },
  );
  // An explicit warn label wins, also when less strict.
  assert.deepEqual(
    l({ 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/warn': 'privileged' }).policy
      .warn,
    { level: 'privileged', version: LATEST },
  );
  // A stricter default warn stays.
  const strictWarn: Policy = { ...PRIVILEGED_POLICY, warn: { level: 'restricted', version: LATEST } };
  assert.deepEqual(l({ 'pod-security.kubernetes.io/enforce': 'baseline' }, strictWarn).policy.warn, {
    level: 'restricted',
    version: LATEST,
  });
  // An invalid enforce label does not raise warn.
  assert.equal(l({ 'pod-security.kubernetes.io/enforce': 'bogus' }).policy.warn.level, 'privileged');
});
