/**
 * ValidatingAdmissionPolicy and ValidatingAdmissionPolicyBinding through the real kubectl: policies
 * with CEL compile errors are refused with Kubernetes' text; bound policies deny, warn and audit
 * (validationActions), read params (paramKind + paramRef, parameterNotFoundAction), use variables,
 * matchConditions, namespaceSelector and messageExpression, and follow failurePolicy.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startTestServer, type TestServer } from './helpers/cluster.js';
import { ok } from './helpers/kubectl.js';
import { eventually } from './helpers/wait-until.js';

let server: TestServer;
let dir: string;
const auditLog = () => join(dir, 'audit.log');

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flotilla-vap-'));
  await writeFile(
    join(dir, 'policy.yaml'),
    'apiVersion: audit.k8s.io/v1\nkind: Policy\nomitStages: [RequestReceived]\nrules:\n  - level: Metadata\n    resources: [{group: "", resources: [configmaps]}]\n  - level: None\n',
  );
  server = await startTestServer({
    readyTimeoutMs: 60_000,
    extraArgs: [
      '--disable-controllers',
      '--disable-scheduler',
      '--audit-policy-file',
      join(dir, 'policy.yaml'),
      '--audit-log-path',
      auditLog(),
    ],
  });
});
after(async () => {
  await server?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const apply = async (yaml: string) => ok(await server.kubectl(['apply', '-f', '-'], { stdin: yaml }));

const deployment = (name: string, replicas: number, namespace = 'default') => `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: ${namespace}, labels: {app: ${name}}}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec: {containers: [{name: c, image: busybox}]}
`;

test('a policy whose expression does not compile is refused with the compiler error', async () => {
  const r = await server.kubectl(['apply', '-f', '-'], {
    stdin: `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: broken}
spec:
  matchConstraints:
    resourceRules: [{apiGroups: [apps], apiVersions: [v1], operations: [CREATE], resources: [deployments]}]
  validations:
  - expression: "object.spec.replicas <="
`,
  });
  assert.notEqual(r.code, 0);
  assert.match(
    r.stderr,
    /spec\.validations\[0\]\.expression: Invalid value: "object\.spec\.replicas <=": compilation failed: ERROR: <input>:1:/,
  );
  const binding = await server.kubectl(['apply', '-f', '-'], {
    stdin: `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: both}
spec: {policyName: x, validationActions: [Deny, Warn]}
`,
  });
  assert.notEqual(binding.code, 0);
  assert.match(binding.stderr, /spec\.validationActions: Invalid value: .*must not contain both Deny and Warn/);
  const noRules = await server.kubectl(['apply', '-f', '-'], {
    stdin: `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: norules}
spec:
  validations: [{expression: "true"}]
`,
  });
  assert.match(noRules.stderr, /spec\.matchConstraints: Required value/);
});

test("Deny: a bound policy refuses a Deployment over the limit with Kubernetes' message", async () => {
  await apply(`apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: max-replicas.example.com}
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
    - apiGroups: [apps]
      apiVersions: [v1]
      operations: [CREATE, UPDATE]
      resources: [deployments]
  variables:
  - name: replicas
    expression: "object.spec.replicas"
  validations:
  - expression: "variables.replicas <= 5"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: max-replicas-binding.example.com}
spec:
  policyName: max-replicas.example.com
  validationActions: [Deny]
`);
  const refused = await eventually(async () => {
    const r = await server.kubectl(['apply', '-f', '-'], { stdin: deployment('big', 7) });
    return r.code !== 0 ? r : undefined;
  }, 'the policy to refuse a 7-replica Deployment');
  assert.match(
    refused.stderr,
    /The deployments "big" is invalid: : ValidatingAdmissionPolicy 'max-replicas\.example\.com' with binding 'max-replicas-binding\.example\.com' denied request: failed expression: variables\.replicas <= 5/,
  );
  await apply(deployment('small', 2));
  const scaled = await server.kubectl(['scale', 'deployment', 'small', '--replicas=9']);
  // the scale subresource is a different resource (deployments/scale): the rule does not name it
  assert.equal(scaled.code, 0, scaled.stderr);
  const patched = await server.kubectl([
    'patch',
    'deployment',
    'small',
    '--type=merge',
    '-p',
    '{"spec":{"replicas":6}}',
  ]);
  assert.notEqual(patched.code, 0);
  assert.match(patched.stderr, /denied request: failed expression/);
  assert.match(
    ok(await server.kubectl(['get', 'validatingadmissionpolicies'])),
    /NAME\s+VALIDATIONS\s+PARAMKIND\s+AGE\nmax-replicas\.example\.com\s+1\s+<unset>\s+\d+s/,
  );
  assert.match(
    ok(await server.kubectl(['get', 'validatingadmissionpolicybindings'])),
    /NAME\s+POLICYNAME\s+PARAMREF\s+AGE\nmax-replicas-binding\.example\.com\s+max-replicas\.example\.com\s+<unset>/,
  );
  ok(await server.kubectl(['delete', 'validatingadmissionpolicybinding', 'max-replicas-binding.example.com']));
  await eventually(
    async () => (await server.kubectl(['apply', '-f', '-'], { stdin: deployment('big', 7) })).code === 0,
    'the unbound policy to stop refusing',
  );
});

test('params from a ConfigMap, messageExpression, reason, namespaceSelector and matchConditions', async () => {
  ok(await server.kubectl(['create', 'namespace', 'limited']));
  ok(await server.kubectl(['label', 'namespace', 'limited', 'environment=test']));
  ok(await server.kubectl(['create', 'configmap', 'limits', '-n', 'limited', '--from-literal=maxReplicas=3']));
  await apply(`apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: param-limit}
spec:
  paramKind: {apiVersion: v1, kind: ConfigMap}
  matchConstraints:
    resourceRules:
    - apiGroups: [apps]
      apiVersions: [v1]
      operations: [CREATE, UPDATE]
      resources: [deployments]
  matchConditions:
  - name: not-exempt
    expression: "!has(object.metadata.labels) || !('exempt' in object.metadata.labels)"
  validations:
  - expression: "object.spec.replicas <= int(params.data.maxReplicas)"
    messageExpression: "'replicas ' + string(object.spec.replicas) + ' exceed ' + params.data.maxReplicas"
    reason: Forbidden
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: param-limit-binding}
spec:
  policyName: param-limit
  validationActions: [Deny]
  paramRef: {name: limits, parameterNotFoundAction: Deny}
  matchResources:
    namespaceSelector:
      matchLabels: {environment: test}
`);
  const refused = await eventually(async () => {
    const r = await server.kubectl(['apply', '-f', '-'], { stdin: deployment('four', 4, 'limited') });
    return r.code !== 0 ? r : undefined;
  }, 'the param policy to refuse 4 replicas in namespace limited');
  assert.match(
    refused.stderr,
    /Error from server \(Forbidden\).*ValidatingAdmissionPolicy 'param-limit' with binding 'param-limit-binding' denied request: replicas 4 exceed 3/,
  );
  // other namespaces are not selected; a labelled object is excluded by the matchCondition
  await apply(deployment('four', 4, 'default'));
  await apply(deployment('four', 4, 'limited').replace('labels: {app: four}', 'labels: {app: four, exempt: "yes"}'));
  await apply(deployment('three', 3, 'limited'));
  // the params change: the limit follows
  ok(
    await server.kubectl([
      'patch',
      'configmap',
      'limits',
      '-n',
      'limited',
      '--type=merge',
      '-p',
      '{"data":{"maxReplicas":"1"}}',
    ]),
  );
  await eventually(
    async () => (await server.kubectl(['apply', '-f', '-'], { stdin: deployment('two', 2, 'limited') })).code !== 0,
    'the lowered limit to refuse 2 replicas',
  );
  // no params: parameterNotFoundAction Deny refuses
  ok(await server.kubectl(['delete', 'configmap', 'limits', '-n', 'limited']));
  const missing = await eventually(async () => {
    const r = await server.kubectl(['apply', '-f', '-'], { stdin: deployment('one', 1, 'limited') });
    return r.code !== 0 ? r : undefined;
  }, 'a missing param to refuse');
  assert.match(
    missing.stderr,
    /failed to configure binding: no params found for policy binding with `Deny` parameterNotFoundAction/,
  );
  ok(
    await server.kubectl([
      'patch',
      'validatingadmissionpolicybinding',
      'param-limit-binding',
      '--type=merge',
      '-p',
      '{"spec":{"paramRef":{"parameterNotFoundAction":"Allow"}}}',
    ]),
  );
  await eventually(
    async () => (await server.kubectl(['apply', '-f', '-'], { stdin: deployment('one', 1, 'limited') })).code === 0,
    'Allow to admit without params',
  );
});

test('Warn and Audit: the request is admitted with a warning and an audit annotation', async () => {
  await apply(`apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: team-label}
spec:
  matchConstraints:
    resourceRules:
    - {apiGroups: [""], apiVersions: [v1], operations: [CREATE], resources: [configmaps]}
  validations:
  - expression: "has(object.metadata.labels) && 'team' in object.metadata.labels"
    message: configmaps need a team label
  auditAnnotations:
  - key: name
    valueExpression: "'configmap ' + object.metadata.name"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: team-label}
spec:
  policyName: team-label
  validationActions: [Warn, Audit]
`);
  const warned = await eventually(async () => {
    const name = `cm-${Math.random().toString(36).slice(2, 8)}`;
    const r = await server.kubectl(['create', 'configmap', name]);
    assert.equal(r.code, 0, r.stderr);
    return r.stderr.includes('Validation failed') ? { r, name } : undefined;
  }, 'a warning for a configmap without a team label');
  assert.match(
    warned.r.stderr,
    /Warning: Validation failed for ValidatingAdmissionPolicy 'team-label' with binding 'team-label': configmaps need a team label/,
  );
  const event = await eventually(async () => {
    const lines = (await readFile(auditLog(), 'utf8').catch(() => '')).split('\n').filter(Boolean);
    return lines
      .map(
        (l) => JSON.parse(l) as { objectRef?: { name?: string }; verb: string; annotations?: Record<string, string> },
      )
      .find((e) => e.verb === 'create' && e.objectRef?.name === warned.name && e.annotations);
  }, 'the audit event of the warned create');
  assert.equal(event.annotations?.['team-label/name'], `configmap ${warned.name}`);
  const failures = JSON.parse(event.annotations?.['validation.policy.admission.k8s.io/validation_failure'] ?? '[]');
  assert.deepEqual(failures, [
    {
      message: 'configmaps need a team label',
      policy: 'team-label',
      binding: 'team-label',
      expressionIndex: 0,
      validationActions: ['Warn', 'Audit'],
    },
  ]);
  const quiet = await server.kubectl(['create', 'configmap', 'labelled', '--dry-run=client', '-o', 'yaml']);
  const labelled = ok(quiet).replace('metadata:\n', 'metadata:\n  labels: {team: a}\n');
  const r = await server.kubectl(['create', '-f', '-'], { stdin: labelled });
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /Warning/);
});

test('failurePolicy: a runtime error denies with Fail and is ignored with Ignore', async () => {
  await apply(`apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: needs-field}
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
    - {apiGroups: [""], apiVersions: [v1], operations: [CREATE], resources: [secrets]}
  validations:
  - expression: "object.data.token != ''"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: needs-field}
spec: {policyName: needs-field, validationActions: [Deny]}
`);
  const refused = await eventually(async () => {
    const r = await server.kubectl(['create', 'secret', 'generic', 'empty-one']);
    return r.code !== 0 ? r : undefined;
  }, 'a runtime error to deny');
  assert.match(
    refused.stderr,
    /denied request: expression 'object\.data\.token != ''' resulted in error: no such key: data/,
  );
  ok(
    await server.kubectl([
      'patch',
      'validatingadmissionpolicy',
      'needs-field',
      '--type=merge',
      '-p',
      '{"spec":{"failurePolicy":"Ignore"}}',
    ]),
  );
  await eventually(
    async () => (await server.kubectl(['create', 'secret', 'generic', `empty-${Date.now()}`])).code === 0,
    'Ignore to admit',
  );
});
