import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ValidatingAdmissionPolicy } from 'kubernetes-types/admissionregistration/v1.js';
import { toCel } from '../../../api/cel/index.js';
import { compilePolicy } from '../../../api/kinds/validating-admission-policy.js';
import { evaluatePolicy } from './evaluate.js';
import { type MatchAttributes, matchesResources } from './matching.js';

const attrs = (over: Partial<MatchAttributes> = {}): MatchAttributes => ({
  operation: 'CREATE',
  group: 'apps',
  version: 'v1',
  resource: 'deployments',
  subresource: '',
  namespaced: true,
  name: 'web',
  namespace: 'default',
  namespaceLabels: { env: 'prod' },
  objectLabels: { app: 'web' },
  oldObjectLabels: undefined,
  isNamespace: false,
  ...over,
});

test('resource rules, exclusions, scope, subresources and selectors', () => {
  const m = {
    resourceRules: [
      {
        apiGroups: ['apps'],
        apiVersions: ['v1'],
        operations: ['CREATE', 'UPDATE'],
        resources: ['deployments'],
        scope: '*',
      },
    ],
    namespaceSelector: { matchLabels: { env: 'prod' } },
    objectSelector: {},
  };
  assert.equal(matchesResources(m, attrs(), true), true);
  assert.equal(matchesResources(m, attrs({ operation: 'DELETE' }), true), false);
  assert.equal(matchesResources(m, attrs({ subresource: 'scale' }), true), false);
  assert.equal(matchesResources(m, attrs({ namespaceLabels: { env: 'dev' } }), true), false);
  assert.equal(matchesResources(m, attrs({ version: 'v1beta1' }), true), true, 'Equivalent by default');
  assert.equal(matchesResources({ ...m, matchPolicy: 'Exact' }, attrs({ version: 'v1beta1' }), true), false);
  const all = { resourceRules: [{ apiGroups: ['*'], apiVersions: ['*'], operations: ['*'], resources: ['*/*'] }] };
  assert.equal(matchesResources(all, attrs({ subresource: 'status' }), true), true);
  const excluded = {
    ...all,
    excludeResourceRules: [{ apiGroups: ['apps'], apiVersions: ['*'], operations: ['*'], resources: ['deployments'] }],
  };
  assert.equal(matchesResources(excluded, attrs(), true), false);
  const cluster = {
    resourceRules: [{ apiGroups: ['*'], apiVersions: ['*'], operations: ['*'], resources: ['*'], scope: 'Cluster' }],
  };
  assert.equal(matchesResources(cluster, attrs(), true), false);
  assert.equal(matchesResources(undefined, attrs(), false), true);
  assert.equal(matchesResources({ objectSelector: { matchLabels: { app: 'db' } } }, attrs(), false), false);
});

const policy = (spec: ValidatingAdmissionPolicy['spec']): ValidatingAdmissionPolicy => ({
  apiVersion: 'admissionregistration.k8s.io/v1',
  kind: 'ValidatingAdmissionPolicy',
  metadata: { name: 'p' },
  spec,
});

const input = (object: unknown, params: unknown = null) => ({
  object: toCel(object),
  oldObject: null,
  request: toCel({ operation: 'CREATE' }),
  params: params === null ? null : toCel(params),
  namespaceObject: null,
});

test('validations with messages, variables, params and matchConditions', () => {
  const compiled = compilePolicy(
    policy({
      matchConditions: [{ name: 'has-spec', expression: 'has(object.spec)' }],
      variables: [{ name: 'limit', expression: 'int(params.max)' }],
      validations: [
        {
          expression: 'object.spec.replicas <= variables.limit',
          messageExpression: "'too many: ' + string(object.spec.replicas)",
          reason: 'Forbidden',
        },
        { expression: 'object.metadata.name.startsWith("app-")', message: 'bad name' },
        { expression: 'object.spec.replicas > 0' },
      ],
      auditAnnotations: [{ key: 'replicas', valueExpression: 'string(object.spec.replicas)' }],
    }),
  );
  const r = evaluatePolicy(compiled, input({ metadata: { name: 'web' }, spec: { replicas: 5 } }, { max: '3' }));
  assert.deepEqual(r, {
    matched: true,
    decisions: [
      { kind: 'fail', index: 0, message: 'too many: 5', reason: 'Forbidden' },
      { kind: 'fail', index: 1, message: 'bad name', reason: 'Invalid' },
    ],
    auditAnnotations: { replicas: '5' },
  });
  assert.deepEqual(evaluatePolicy(compiled, input({ metadata: { name: 'web' } })).matched, false);
  const noParams = evaluatePolicy(compiled, input({ metadata: { name: 'app-x' }, spec: { replicas: 0 } }));
  assert.equal(noParams.decisions[0].kind, 'error');
  assert.match(
    noParams.decisions[0].message,
    /^expression 'object.spec.replicas <= variables.limit' resulted in error: /,
  );
  assert.deepEqual(noParams.decisions[1], {
    kind: 'fail',
    index: 2,
    message: 'failed expression: object.spec.replicas > 0',
    reason: 'Invalid',
  });
});
