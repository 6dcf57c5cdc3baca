import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { ApiError } from '../../../api/errors.js';
import type { KubeObject } from '../../../api/object.js';
import type { ResourceType } from '../../../api/resource-type.js';
import { findResourceType } from '../../../api/resource-types.js';
import { AdmissionChain, type AdmissionRequest, newAdmissionNotes } from '../plugin.js';
import { DEFAULT_POD_SECURITY, type PodSecuritySettings } from './pod-security-config.js';
import { isSignificantPodUpdate, podSecurityAdmission, type PodSecurityState } from './pod-security-admission.js';
import { LATEST } from './policy-levels.js';

const rt = (group: string, version: string, plural: string): ResourceType => {
  const found = findResourceType(group, version, plural);
  if (!found) throw new Error(`no ${plural}`);
  return found;
};
const PODS = rt('', 'v1', 'pods');
const NAMESPACES = rt('', 'v1', 'namespaces');
const DEPLOYMENTS = rt('apps', 'v1', 'deployments');
const CRONJOBS = rt('batch', 'v1', 'cronjobs');

const RESTRICTED_DETAIL =
  'allowPrivilegeEscalation != false (container "c" must set securityContext.allowPrivilegeEscalation=false), ' +
  'unrestricted capabilities (container "c" must set securityContext.capabilities.drop=["ALL"]), ' +
  'runAsNonRoot != true (pod or container "c" must set securityContext.runAsNonRoot=true), ' +
  'seccompProfile (pod or container "c" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")';

function pod(name: string, namespace: string, spec: object = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace },
    spec: { containers: [{ name: 'c', image: 'busybox' }], ...spec },
  };
}

function setup(labels: Record<string, Record<string, string>>, settings: PodSecuritySettings = DEFAULT_POD_SECURITY) {
  const pods: Record<string, Pod[]> = {};
  const state: PodSecurityState = {
    namespaceLabels: (name) => labels[name],
    pods: (ns) => pods[ns] ?? [],
    anyNamespaceLabelled: () =>
      Object.values(labels).some((l) => Object.keys(l).some((k) => k.startsWith('pod-security.kubernetes.io/'))),
  };
  const chain = new AdmissionChain(podSecurityAdmission({ settings, maxVersion: 31 }, state));
  return { chain, pods };
}

function request(user = 'alice', subresource = ''): AdmissionRequest {
  return { user: { name: user, groups: [] }, subresource, dryRun: false, notes: newAdmissionNotes() };
}

test('enforce refuses a pod with the 403 Kubernetes gives, and audits the enforced policy', async () => {
  const { chain } = setup({ secure: { 'pod-security.kubernetes.io/enforce': 'restricted' } });
  const req = request();
  const err = await chain.admit('create', PODS, pod('x', 'secure'), undefined, req).catch((e: unknown) => e);
  assert.ok(err instanceof ApiError);
  assert.equal(err.code, 403);
  assert.equal(err.reason, 'Forbidden');
  assert.equal(err.message, `pods "x" is forbidden: violates PodSecurity "restricted:latest": ${RESTRICTED_DETAIL}`);
  assert.deepEqual(req.notes.warnings, [], 'no warning on a refused request');
  assert.equal(req.notes.auditAnnotations['pod-security.kubernetes.io/enforce-policy'], 'restricted:latest');
});

test('warn and audit let the pod in with a warning and an audit annotation', async () => {
  const { chain } = setup({
    ns: {
      'pod-security.kubernetes.io/enforce': 'baseline',
      'pod-security.kubernetes.io/warn': 'restricted',
      'pod-security.kubernetes.io/audit': 'restricted',
      'pod-security.kubernetes.io/audit-version': 'v1.30',
    },
  });
  const req = request();
  await chain.admit('create', PODS, pod('x', 'ns'), undefined, req);
  assert.deepEqual(req.notes.warnings, [`would violate PodSecurity "restricted:latest": ${RESTRICTED_DETAIL}`]);
  assert.deepEqual(req.notes.auditAnnotations, {
    'pod-security.kubernetes.io/enforce-policy': 'baseline:latest',
    'pod-security.kubernetes.io/audit-violations': `would violate PodSecurity "restricted:v1.30": ${RESTRICTED_DETAIL}`,
  });
});

test('workloads get warnings for their template, never a refusal; status writes and other subresources are not checked', async () => {
  const { chain } = setup({ ns: { 'pod-security.kubernetes.io/enforce': 'baseline' } });
  const template = {
    metadata: { labels: { a: 'b' } },
    spec: { hostNetwork: true, containers: [{ name: 'c', image: 'x' }] },
  };
  const deployment: KubeObject = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'd', namespace: 'ns' },
    spec: { template },
  };
  const req = request();
  await chain.admit('create', DEPLOYMENTS, deployment, undefined, req);
  assert.deepEqual(req.notes.warnings, [
    'would violate PodSecurity "baseline:latest": host namespaces (hostNetwork=true)',
  ]);
  const cron: KubeObject = {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: 'cj', namespace: 'ns' },
    spec: { schedule: '* * * * *', jobTemplate: { spec: { template } } },
  };
  const cronReq = request();
  await chain.admit('create', CRONJOBS, cron, undefined, cronReq);
  assert.equal(cronReq.notes.warnings.length, 1);
  const scaleReq = request('alice', 'scale');
  await chain.admit('update', DEPLOYMENTS, deployment, deployment, scaleReq);
  assert.deepEqual(scaleReq.notes.warnings, []);
  const bad = pod('x', 'ns', { hostPID: true });
  await chain.admit('update', PODS, bad, bad, request('alice', 'status'));
});

test('pod updates are checked only when images, seccomp annotations or ephemeral containers change', async () => {
  const old = pod('x', 'ns', { hostNetwork: true }) as unknown as Pod;
  const same = structuredClone(old);
  same.metadata = { ...same.metadata, labels: { new: 'label' } };
  assert.equal(isSignificantPodUpdate(same, old), false);
  const image = structuredClone(old);
  (image.spec?.containers ?? [])[0].image = 'other';
  assert.equal(isSignificantPodUpdate(image, old), true);
  const debug = structuredClone(old);
  if (debug.spec) debug.spec.ephemeralContainers = [{ name: 'dbg', image: 'busybox' }];
  assert.equal(isSignificantPodUpdate(debug, old), true);
  const { chain } = setup({ ns: { 'pod-security.kubernetes.io/enforce': 'baseline' } });
  await chain.admit('update', PODS, same as unknown as KubeObject, old as unknown as KubeObject, request());
  await assert.rejects(
    chain.admit('update', PODS, image as unknown as KubeObject, old as unknown as KubeObject, request()),
    /violates PodSecurity "baseline:latest": host namespaces \(hostNetwork=true\)/,
  );
});

test('exemptions: namespaces, usernames and runtime classes, each with its audit annotation', async () => {
  const settings: PodSecuritySettings = {
    defaults: {
      enforce: { level: 'restricted', version: LATEST },
      audit: { level: 'privileged', version: LATEST },
      warn: { level: 'privileged', version: LATEST },
    },
    exemptions: { usernames: ['ci-bot'], runtimeClasses: ['kata'], namespaces: ['ops'] },
  };
  const { chain } = setup({ ops: {}, apps: {} }, settings);
  const byNamespace = request();
  await chain.admit('create', PODS, pod('x', 'ops'), undefined, byNamespace);
  assert.deepEqual(byNamespace.notes.auditAnnotations, { 'pod-security.kubernetes.io/exempt': 'namespace' });
  const byUser = request('ci-bot');
  await chain.admit('create', PODS, pod('x', 'apps'), undefined, byUser);
  assert.deepEqual(byUser.notes.auditAnnotations, { 'pod-security.kubernetes.io/exempt': 'user' });
  const byRuntimeClass = request();
  await chain.admit('create', PODS, pod('x', 'apps', { runtimeClassName: 'kata' }), undefined, byRuntimeClass);
  assert.deepEqual(byRuntimeClass.notes.auditAnnotations, { 'pod-security.kubernetes.io/exempt': 'runtimeClass' });
  await assert.rejects(chain.admit('create', PODS, pod('x', 'apps'), undefined, request()), /restricted:latest/);
});

test('version pins: restricted:v1.21 does not yet require dropping capabilities', async () => {
  const { chain } = setup({
    old: { 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/enforce-version': 'v1.21' },
  });
  const err = await chain.admit('create', PODS, pod('x', 'old'), undefined, request()).catch((e: unknown) => e);
  assert.equal(
    (err as Error).message,
    'pods "x" is forbidden: violates PodSecurity "restricted:v1.21": allowPrivilegeEscalation != false (container "c" must set securityContext.allowPrivilegeEscalation=false), runAsNonRoot != true (pod or container "c" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container "c" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")',
  );
});

test('namespace labels: bad values are 422 on create and on a change, kept bad values may stay', async () => {
  const { chain } = setup({});
  const ns = (labels: Record<string, string>): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: 'n', labels },
  });
  const err = await chain
    .admit('create', NAMESPACES, ns({ 'pod-security.kubernetes.io/enforce': 'strict' }), undefined, request())
    .catch((e: unknown) => e);
  assert.ok(err instanceof ApiError);
  assert.equal(err.code, 422);
  assert.equal(
    err.message,
    'Namespace "n" is invalid: metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: "strict": must be one of privileged, baseline, restricted',
  );
  const badOld = ns({ 'pod-security.kubernetes.io/enforce': 'strict' });
  await chain.admit(
    'update',
    NAMESPACES,
    ns({ 'pod-security.kubernetes.io/enforce': 'strict', other: 'x' }),
    badOld,
    request(),
  );
  await assert.rejects(
    chain.admit('update', NAMESPACES, ns({ 'pod-security.kubernetes.io/warn-version': '1.30' }), ns({}), request()),
    /warn-version\]: Invalid value: "1.30": must be "latest" or "v1.x"/,
  );
});

test('a stricter enforce level on a namespace warns about the existing pods that break it', async () => {
  const { chain, pods } = setup({ web: {} });
  const owned = (name: string, uid: string) => {
    const p = pod(name, 'web', { hostNetwork: true }) as unknown as Pod;
    p.metadata = {
      ...p.metadata,
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid, controller: true }],
    };
    return p;
  };
  pods.web = [
    pod('plain', 'web') as unknown as Pod,
    owned('rs-b', 'u1'),
    owned('rs-a', 'u1'),
    owned('rs-c', 'u1'),
    pod('priv', 'web', {
      containers: [{ name: 'c', image: 'x', securityContext: { privileged: true } }],
    }) as unknown as Pod,
  ];
  const ns = (labels: Record<string, string>): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: 'web', labels },
  });
  const req = request();
  await chain.admit('update', NAMESPACES, ns({ 'pod-security.kubernetes.io/enforce': 'baseline' }), ns({}), req);
  assert.deepEqual(req.notes.warnings, [
    'existing pods in namespace "web" violate the new PodSecurity enforce level "baseline:latest"',
    'priv: privileged',
    'rs-a (and 2 other pods): host namespaces',
  ]);
  const relaxed = request();
  await chain.admit(
    'update',
    NAMESPACES,
    ns({ 'pod-security.kubernetes.io/enforce': 'privileged' }),
    ns({ 'pod-security.kubernetes.io/enforce': 'baseline' }),
    relaxed,
  );
  assert.deepEqual(relaxed.notes.warnings, []);
});

test('with privileged defaults and no labelled namespace the plugin handles no pod, so pod creates stay pure', () => {
  const { chain } = setup({ default: {} });
  assert.equal(chain.runsInWorker(PODS, 'create'), true);
  assert.equal(chain.runsInWorker(NAMESPACES, 'create'), true);
  const labelled = setup({ default: { 'pod-security.kubernetes.io/warn': 'baseline' } });
  assert.equal(labelled.chain.runsInWorker(PODS, 'create'), false);
  assert.equal(labelled.chain.runsInWorker(DEPLOYMENTS, 'create'), false);
});

test('a namespace the cache has not seen yet is read from the store; a missing one is a 500 for pods, an audit error for workloads', async () => {
  const labels: Record<string, Record<string, string>> = {
    fresh: { 'pod-security.kubernetes.io/enforce': 'baseline' },
  };
  const state: PodSecurityState = {
    namespaceLabels: async (name) => labels[name],
    pods: () => [],
    anyNamespaceLabelled: () => true,
  };
  const chain = new AdmissionChain(podSecurityAdmission({ settings: DEFAULT_POD_SECURITY, maxVersion: 31 }, state));
  await assert.rejects(
    chain.admit('create', PODS, pod('x', 'fresh', { hostIPC: true }), undefined, request()),
    /violates PodSecurity "baseline:latest": host namespaces \(hostIPC=true\)/,
  );
  const missing = await chain.admit('create', PODS, pod('x', 'gone'), undefined, request()).catch((e: unknown) => e);
  assert.ok(missing instanceof ApiError);
  assert.equal(missing.code, 500);
  assert.equal(missing.message, 'Internal error occurred: failed to lookup namespace gone');
  const req = request();
  const deployment: KubeObject = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'd', namespace: 'gone' },
    spec: { template: { spec: { containers: [] } } },
  };
  await chain.admit('create', DEPLOYMENTS, deployment, undefined, req);
  assert.match(req.notes.auditAnnotations['pod-security.kubernetes.io/error'] ?? '', /failed to lookup namespace gone/);
});
