import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../object.js';
import {
  validatingAdmissionPolicyBindingStrategy,
  validatingAdmissionPolicyStrategy,
} from './validating-admission-policy.js';

const errorsOf = (strategy: typeof validatingAdmissionPolicyStrategy, obj: unknown) => {
  const o = structuredClone(obj) as KubeObject;
  strategy.applyDefaults?.(o);
  return (strategy.validate?.(o) ?? []).map((e) => `${e.field}: ${e.message}`);
};

const rules = [{ apiGroups: ['apps'], apiVersions: ['v1'], operations: ['CREATE'], resources: ['deployments'] }];

test('policies: defaults, required parts and CEL compile errors', () => {
  const p = {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicy',
    metadata: { name: 'p' },
    spec: { matchConstraints: { resourceRules: rules }, validations: [{ expression: 'object.spec.replicas < 5' }] },
  } as unknown as KubeObject;
  assert.deepEqual(errorsOf(validatingAdmissionPolicyStrategy, p), []);
  validatingAdmissionPolicyStrategy.applyDefaults?.(p);
  const spec = (p as unknown as { spec: Record<string, unknown> }).spec;
  assert.equal(spec.failurePolicy, 'Fail');
  assert.deepEqual(spec.matchConstraints, {
    resourceRules: [{ ...rules[0], scope: '*' }],
    namespaceSelector: {},
    objectSelector: {},
    matchPolicy: 'Equivalent',
  });
  const bad = errorsOf(validatingAdmissionPolicyStrategy, {
    metadata: { name: 'p' },
    spec: {
      matchConstraints: { resourceRules: [{ apiGroups: ['apps'], operations: ['MAKE'], resources: ['x'] }] },
      validations: [{ expression: 'object.x ==', reason: 'Bad' }, { expression: '"s"' }],
      matchConditions: [{ name: 'a', expression: '1' }],
      variables: [{ name: '9x', expression: 'true' }],
    },
  });
  assert.ok(
    bad.includes(
      'spec.matchConstraints.resourceRules[0].operations[0]: Unsupported value: "MAKE": supported values: "*", "CREATE", "UPDATE", "DELETE", "CONNECT"',
    ),
    bad.join('\n'),
  );
  assert.ok(bad.includes('spec.matchConstraints.resourceRules[0].apiVersions: Required value'), bad.join('\n'));
  assert.ok(
    bad.some((e) =>
      /^spec\.validations\[0\]\.expression: Invalid value: "object\.x ==": compilation failed: ERROR: <input>:1:12: Syntax error/.test(
        e,
      ),
    ),
    bad.join('\n'),
  );
  assert.ok(
    bad.includes('spec.validations[1].expression: Invalid value: "\\"s\\"": must evaluate to bool'),
    bad.join('\n'),
  );
  assert.ok(
    bad.includes('spec.matchConditions[0].expression: Invalid value: "1": must evaluate to bool'),
    bad.join('\n'),
  );
  assert.ok(
    bad.includes('spec.variables[0].name: Invalid value: "9x": name is not a valid CEL identifier'),
    bad.join('\n'),
  );
  assert.ok(
    bad.some((e) => e.startsWith('spec.validations[0].reason: Unsupported value: "Bad"')),
    bad.join('\n'),
  );
});

test('bindings: policyName, validationActions, paramRef', () => {
  const b = (spec: unknown) => errorsOf(validatingAdmissionPolicyBindingStrategy, { metadata: { name: 'b' }, spec });
  assert.deepEqual(b({ policyName: 'p', validationActions: ['Deny', 'Audit'] }), []);
  assert.deepEqual(b({ validationActions: [] }), [
    'spec.policyName: Required value',
    'spec.validationActions: Required value',
  ]);
  assert.ok(
    b({ policyName: 'p', validationActions: ['Warn', 'Deny'] })[0].includes('must not contain both Deny and Warn'),
  );
  assert.deepEqual(b({ policyName: 'p', validationActions: ['Deny'], paramRef: { name: 'x', selector: {} } }), [
    'spec.paramRef.name: Forbidden: name and selector are mutually exclusive',
    'spec.paramRef.parameterNotFoundAction: Required value',
  ]);
});
