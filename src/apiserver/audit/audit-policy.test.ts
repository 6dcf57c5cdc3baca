import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type AuditAttributes, AuditPolicy } from './audit-policy.js';

const policy = AuditPolicy.parse(`
apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
  - level: None
    users: [system:kube-proxy]
  - level: None
    nonResourceURLs: [/healthz*, /version]
  - level: Metadata
    resources: [{group: "", resources: [secrets, configmaps]}]
  - level: RequestResponse
    resources: [{group: "", resources: [pods/log, "*/status"]}]
  - level: Request
    verbs: [create, update, patch]
    namespaces: [kube-system]
    omitStages: [ResponseStarted]
  - level: RequestResponse
    resources: [{group: apps, resources: [deployments], resourceNames: [web]}]
  - level: Metadata
    userGroups: [system:nodes]
`);

const attrs = (a: Partial<AuditAttributes>): AuditAttributes => ({
  user: 'alice',
  groups: ['dev', 'system:authenticated'],
  verb: 'get',
  resourceRequest: true,
  apiGroup: '',
  resource: 'pods',
  namespace: 'default',
  name: 'x',
  ...a,
});

describe('AuditPolicy', () => {
  const cases: [string, Partial<AuditAttributes>, string][] = [
    ['a user a None rule names', { user: 'system:kube-proxy', resource: 'secrets' }, 'None'],
    ['a non-resource URL by prefix', { resourceRequest: false, path: '/healthz/ready' }, 'None'],
    ['secrets at Metadata', { resource: 'secrets' }, 'Metadata'],
    ['a subresource', { resource: 'pods', subresource: 'log' }, 'RequestResponse'],
    ["any resource's status", { resource: 'nodes', subresource: 'status', namespace: '' }, 'RequestResponse'],
    ['a pod is no pods/log', { resource: 'pods' }, 'None'],
    [
      'writes in kube-system',
      { verb: 'create', namespace: 'kube-system', resource: 'leases', apiGroup: 'coordination.k8s.io' },
      'Request',
    ],
    [
      'reads in kube-system are not',
      { verb: 'get', namespace: 'kube-system', resource: 'leases', apiGroup: 'coordination.k8s.io' },
      'None',
    ],
    ['a named deployment', { apiGroup: 'apps', resource: 'deployments', name: 'web' }, 'RequestResponse'],
    ['another deployment', { apiGroup: 'apps', resource: 'deployments', name: 'api' }, 'None'],
    ['a group', { groups: ['system:nodes'], resource: 'nodes', namespace: '' }, 'Metadata'],
  ];
  for (const [what, a, level] of cases)
    it(`decides ${level} for ${what}`, () => assert.equal(policy.decide(attrs(a)).level, level));

  it('merges the policy and rule omitStages', () => {
    const d = policy.decide(attrs({ verb: 'create', namespace: 'kube-system', resource: 'leases' }));
    assert.deepEqual([...d.omitStages].sort(), ['RequestReceived', 'ResponseStarted']);
  });

  it('names the field that is wrong', () => {
    const bad = (text: string, pattern: RegExp) => assert.throws(() => AuditPolicy.parse(text), pattern);
    const head = 'apiVersion: audit.k8s.io/v1\nkind: Policy\n';
    bad(`${head}rules: [{level: Loud}]`, /rules\[0\]\.level: must be one of None, Metadata, Request, RequestResponse/);
    bad(
      `${head}rules: [{level: None, nonResourceURLs: [healthz]}]`,
      /nonResourceURLs\[0\]: non-resource URL rules must begin with a '\/'/,
    );
    bad(`${head}rules: [{level: None, omitStages: [Later]}]`, /rules\[0\]\.omitStages\[0\]/);
    bad(
      'apiVersion: audit.k8s.io/v1beta1\nkind: Policy\nrules: [{level: None}]',
      /apiVersion: must be audit.k8s.io\/v1/,
    );
  });
});
