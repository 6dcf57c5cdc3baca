/**
 * Pod Security admission through the real kubectl: namespaces labelled enforce=baseline and
 * enforce=restricted refuse pods with Kubernetes' 403 text; warn labels and the cluster defaults
 * (from an AdmissionConfiguration file) give `Warning:` lines, also for Deployments, which are
 * never refused; version pins; exemptions by namespace, username and runtime class; label values
 * validated and a tightened enforce level answered with warnings about existing pods; and
 * `flotilla up`'s default (baseline enforced, restricted warned, kube-system exempt).
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type KubectlResult, startTestServer, type TestServer } from './helpers/cluster.js';
import { startUp, UP_BRIDGE_TAKEN } from './helpers/up-process.js';
import { until } from './helpers/wait-until.js';
import { ok } from './helpers/kubectl.js';

let server: TestServer;
let configDir = '';

/** The cluster defaults and exemptions this server runs with (kube-apiserver's file format). */
const ADMISSION_CONFIG = `apiVersion: apiserver.config.k8s.io/v1
kind: AdmissionConfiguration
plugins:
- name: PodSecurity
  configuration:
    apiVersion: pod-security.admission.config.k8s.io/v1
    kind: PodSecurityConfiguration
    defaults:
      enforce: baseline
      enforce-version: latest
      audit: restricted
      warn: restricted
    exemptions:
      usernames: [ci-bot]
      runtimeClasses: [kata]
      namespaces: [ops]
`;

/** Pod writes at Metadata (their audit annotations), nothing else. */
const AUDIT_POLICY = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
  - level: Metadata
    resources: [{group: "", resources: [pods]}]
    verbs: [create, update, patch]
  - level: None
`;

interface AuditEvent {
  verb: string;
  objectRef?: { resource: string; namespace?: string; name?: string };
  responseStatus?: { code: number };
  annotations?: Record<string, string>;
}

before(async () => {
  configDir = await mkdtemp(join(tmpdir(), 'flotilla-psa-'));
  const file = join(configDir, 'admission.yaml');
  await writeFile(file, ADMISSION_CONFIG);
  await writeFile(join(configDir, 'audit-policy.yaml'), AUDIT_POLICY);
  server = await startTestServer({
    extraArgs: [
      '--admission-control-config-file',
      file,
      '--disable-scheduler',
      '--audit-policy-file',
      join(configDir, 'audit-policy.yaml'),
      '--audit-log-path',
      join(configDir, 'audit.log'),
    ],
  });
  // The users the tests act as (--as) may write in every namespace (the server runs Node,RBAC).
  ok(await k(['create', 'clusterrolebinding', 'pod-writers', '--clusterrole=edit', '--user=ci-bot', '--user=someone']));
  for (const [ns, labels] of Object.entries(NAMESPACES)) {
    ok(await k(['create', 'namespace', ns]));
    if (labels.length > 0) ok(await k(['label', 'namespace', ns, ...labels]));
  }
});
after(async () => {
  await server?.stop();
  if (configDir) await rm(configDir, { recursive: true, force: true });
});

const NAMESPACES: Record<string, string[]> = {
  base: ['pod-security.kubernetes.io/enforce=baseline'],
  strict: ['pod-security.kubernetes.io/enforce=restricted'],
  pinned: ['pod-security.kubernetes.io/enforce=restricted', 'pod-security.kubernetes.io/enforce-version=v1.21'],
  sysctl28: ['pod-security.kubernetes.io/enforce=baseline', 'pod-security.kubernetes.io/enforce-version=v1.28'],
  sysctl29: ['pod-security.kubernetes.io/enforce=baseline', 'pod-security.kubernetes.io/enforce-version=v1.29'],
  loose: ['pod-security.kubernetes.io/enforce=privileged', 'pod-security.kubernetes.io/warn=privileged'],
  ops: [],
  plain: [],
};

const k = (args: string[], stdin?: string): Promise<KubectlResult> => server.kubectl(args, { stdin });

function podYaml(name: string, namespace: string, extra: { spec?: object; container?: object } = {}): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace },
    spec: { containers: [{ name: 'c', image: 'busybox', ...extra.container }], ...extra.spec },
  });
}

const PRIVILEGED = { container: { securityContext: { privileged: true } } };
const RESTRICTED_DETAIL =
  'allowPrivilegeEscalation != false (container "c" must set securityContext.allowPrivilegeEscalation=false), ' +
  'unrestricted capabilities (container "c" must set securityContext.capabilities.drop=["ALL"]), ' +
  'runAsNonRoot != true (pod or container "c" must set securityContext.runAsNonRoot=true), ' +
  'seccompProfile (pod or container "c" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")';

/**
 * The audit event of the one pod create in `namespace` (waits for it: the log is buffered). By
 * namespace: the audit log does not name the object of a create at the Metadata level yet.
 */
function auditedPodCreate(namespace: string): Promise<AuditEvent> {
  return until(`the audit event of a pod create in ${namespace}`, async () =>
    (await readFile(join(configDir, 'audit.log'), 'utf8').catch(() => ''))
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as AuditEvent)
      .find((e) => e.verb === 'create' && e.objectRef?.resource === 'pods' && e.objectRef?.namespace === namespace),
  );
}

/** kubectl's stderr lines that start with `Warning: `, without the prefix. */
function warnings(r: KubectlResult): string[] {
  return r.stderr
    .split('\n')
    .filter((l) => l.startsWith('Warning: '))
    .map((l) => l.slice('Warning: '.length));
}

test('enforce=baseline refuses a privileged pod with the text Kubernetes gives', async () => {
  const r = await k(['create', '-f', '-'], podYaml('priv', 'base', PRIVILEGED));
  assert.notEqual(r.code, 0);
  assert.equal(
    r.stderr.trim(),
    'Error from server (Forbidden): error when creating "STDIN": pods "priv" is forbidden: violates PodSecurity "baseline:latest": privileged (container "c" must not set securityContext.privileged=true)',
  );
  const dry = await k(['create', '--dry-run=server', '-f', '-'], podYaml('priv', 'base', PRIVILEGED));
  assert.match(
    dry.stderr,
    /pods "priv" is forbidden: violates PodSecurity "baseline:latest"/,
    'dry runs are admitted too',
  );
  assert.equal((await k(['get', 'pod', 'priv', '-n', 'base'])).code, 1);
});

test('enforce=restricted refuses a plain pod, listing every restricted check it breaks', async () => {
  const r = await k(['run', 'plain', '-n', 'strict', '--image=busybox', '--restart=Never', '--', 'true']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /Error from server \(Forbidden\): pods "plain" is forbidden: /);
  // kubectl run names the container after the pod.
  assert.ok(
    r.stderr.includes(`violates PodSecurity "restricted:latest": ${RESTRICTED_DETAIL.replaceAll('"c"', '"plain"')}`),
    r.stderr,
  );
});

test('a pod that meets restricted is created in the restricted namespace without warnings', async () => {
  const r = await k(
    ['create', '-f', '-'],
    podYaml('good', 'strict', {
      spec: { securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } } },
      container: { securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } },
    }),
  );
  ok(r);
  assert.deepEqual(warnings(r), []);
});

test('the cluster default warns at restricted: a plain pod in an unlabelled namespace gets a Warning line', async () => {
  const r = await k(['create', '-f', '-'], podYaml('w', 'plain'));
  ok(r);
  assert.deepEqual(warnings(r), [`would violate PodSecurity "restricted:latest": ${RESTRICTED_DETAIL}`]);
  // The default enforce level (baseline) applies where no label says otherwise.
  const priv = await k(['create', '-f', '-'], podYaml('priv', 'plain', PRIVILEGED));
  assert.match(priv.stderr, /pods "priv" is forbidden: violates PodSecurity "baseline:latest": privileged/);
});

test('Deployments are never refused: their template gets the warnings', async () => {
  const deployment = JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'strict' },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { hostNetwork: true, containers: [{ name: 'c', image: 'busybox' }] },
      },
    },
  });
  const r = await k(['apply', '-f', '-'], deployment);
  ok(r);
  assert.match(r.stdout, /deployment.apps\/web created/);
  assert.deepEqual(warnings(r), [
    `would violate PodSecurity "restricted:latest": host namespaces (hostNetwork=true), ${RESTRICTED_DETAIL}`,
  ]);
  // Its pods meet enforce when the ReplicaSet controller creates them: refused, with a FailedCreate event.
  await until(
    'a FailedCreate event naming the PodSecurity violation',
    async () =>
      /FailedCreate.*pods "web-[a-z0-9-]+" is forbidden: violates PodSecurity "restricted:latest": host namespaces/.test(
        ok(await k(['get', 'events', '-n', 'strict', '--field-selector', 'reason=FailedCreate', '-o', 'wide'])),
      ),
    { timeoutMs: 20_000 },
  );
  assert.equal(ok(await k(['get', 'pods', '-n', 'strict', '-l', 'app=web', '-o', 'name'])).trim(), '');
  const scaled = await k(['scale', 'deployment/web', '-n', 'strict', '--replicas=2']);
  ok(scaled);
  assert.deepEqual(warnings(scaled), [], 'a scale is a subresource write: not evaluated, as in Kubernetes');
  const edited = await k(['label', 'deployment/web', '-n', 'strict', 'tier=front']);
  assert.equal(warnings(edited).length, 1, 'any other update of a workload is');
  const job = await k(['create', 'job', 'j', '-n', 'strict', '--image=busybox', '--', 'true']);
  ok(job);
  assert.equal(warnings(job).length, 1);
  assert.match(
    warnings(job)[0],
    /^would violate PodSecurity "restricted:latest": allowPrivilegeEscalation != false \(container "j"/,
  );
});

test('version pins: restricted:v1.21 predates the capabilities check; sysctls allowed from v1.29 only', async () => {
  const r = await k(['create', '-f', '-'], podYaml('p', 'pinned'));
  assert.ok(
    r.stderr.includes(
      'pods "p" is forbidden: violates PodSecurity "restricted:v1.21": allowPrivilegeEscalation != false (container "c" must set securityContext.allowPrivilegeEscalation=false), runAsNonRoot != true (pod or container "c" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container "c" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")',
    ),
    r.stderr,
  );
  const keepalive = { spec: { securityContext: { sysctls: [{ name: 'net.ipv4.tcp_keepalive_time', value: '600' }] } } };
  const old = await k(['create', '-f', '-'], podYaml('s', 'sysctl28', keepalive));
  assert.match(
    old.stderr,
    /pods "s" is forbidden: violates PodSecurity "baseline:v1.28": forbidden sysctls \(net.ipv4.tcp_keepalive_time\)/,
  );
  ok(await k(['create', '-f', '-'], podYaml('s', 'sysctl29', keepalive)));
});

test('exemptions from the configuration file: namespace, username and runtime class', async () => {
  const inOps = await k(['create', '-f', '-'], podYaml('priv', 'ops', PRIVILEGED));
  ok(inOps);
  assert.deepEqual(warnings(inOps), [], 'an exempt namespace is not evaluated at all');
  const asBot = await k(['create', '--as=ci-bot', '-f', '-'], podYaml('bot', 'base', PRIVILEGED));
  ok(asBot);
  const asOther = await k(['create', '--as=someone', '-f', '-'], podYaml('other', 'base', PRIVILEGED));
  assert.match(asOther.stderr, /pods "other" is forbidden: violates PodSecurity "baseline:latest"/);
  const kata = await k(
    ['create', '-f', '-'],
    podYaml('kata', 'base', {
      spec: { runtimeClassName: 'kata' },
      container: { securityContext: { privileged: true } },
    }),
  );
  ok(kata);
});

test('namespace labels: bad values are refused; a tighter enforce level warns about the pods already there', async () => {
  const bad = await k(['label', 'namespace', 'plain', 'pod-security.kubernetes.io/enforce=strict']);
  assert.notEqual(bad.code, 0);
  assert.match(
    bad.stderr,
    /The Namespace "plain" is invalid: metadata.labels\[pod-security.kubernetes.io\/enforce\]: Invalid value: "strict": must be one of privileged, baseline, restricted/,
  );
  const badCreate = await k(
    ['create', '-f', '-'],
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'badver', labels: { 'pod-security.kubernetes.io/warn-version': 'v1' } },
    }),
  );
  assert.match(badCreate.stderr, /warn-version\]: Invalid value: "v1": must be "latest" or "v1.x"/);
  ok(await k(['create', '-f', '-'], podYaml('hostnet', 'loose', { spec: { hostNetwork: true } })));
  ok(await k(['create', '-f', '-'], podYaml('priv', 'loose', PRIVILEGED)));
  const tighten = await k([
    'label',
    'namespace',
    'loose',
    'pod-security.kubernetes.io/enforce=baseline',
    '--overwrite',
  ]);
  ok(tighten);
  assert.deepEqual(warnings(tighten), [
    'existing pods in namespace "loose" violate the new PodSecurity enforce level "baseline:latest"',
    'hostnet: host namespaces',
    'priv: privileged',
  ]);
  const relax = await k([
    'label',
    'namespace',
    'loose',
    'pod-security.kubernetes.io/enforce=privileged',
    '--overwrite',
  ]);
  ok(relax);
  assert.deepEqual(warnings(relax), []);
});

test('audit annotations reach the audit log: the audit level violations, the enforced policy, exemptions', async () => {
  for (const ns of ['audit-a', 'audit-b', 'audit-c']) ok(await k(['create', 'namespace', ns]));
  ok(await k(['label', 'namespace', 'audit-b', 'pod-security.kubernetes.io/enforce=restricted']));
  ok(await k(['create', '-f', '-'], podYaml('audited', 'audit-a')));
  const allowed = await auditedPodCreate('audit-a');
  assert.equal(allowed.responseStatus?.code, 201);
  assert.equal(allowed.annotations?.['pod-security.kubernetes.io/enforce-policy'], 'baseline:latest');
  assert.equal(
    allowed.annotations?.['pod-security.kubernetes.io/audit-violations'],
    `would violate PodSecurity "restricted:latest": ${RESTRICTED_DETAIL}`,
  );
  await k(['create', '-f', '-'], podYaml('refused', 'audit-b'));
  const refused = await auditedPodCreate('audit-b');
  assert.equal(refused.responseStatus?.code, 403);
  assert.equal(refused.annotations?.['pod-security.kubernetes.io/enforce-policy'], 'restricted:latest');
  ok(await k(['create', '--as=ci-bot', '-f', '-'], podYaml('exempt', 'audit-c', PRIVILEGED)));
  assert.equal((await auditedPodCreate('audit-c')).annotations?.['pod-security.kubernetes.io/exempt'], 'user');
});

// `flotilla up` runs a node agent, which owns the flotilla0 bridge: skipped where a cluster runs.
test('flotilla up: baseline enforced and restricted warned by default, kube-system exempt', {
  skip: UP_BRIDGE_TAKEN && 'flotilla0 exists: a real cluster runs here',
}, async () => {
  const cluster = await startUp({ name: 'psa-up', waitFor: 'api' });
  try {
    const up = (args: string[], stdin?: string) => cluster.kubectl(args, stdin);
    const priv = await up(['create', '--dry-run=server', '-f', '-'], podYaml('priv', 'default', PRIVILEGED));
    assert.match(
      priv.stderr,
      /pods "priv" is forbidden: violates PodSecurity "baseline:latest": privileged \(container "c" must not set securityContext.privileged=true\)/,
    );
    const plain = await up(['create', '--dry-run=server', '-f', '-'], podYaml('plain', 'default'));
    ok(plain);
    assert.deepEqual(warnings(plain), [`would violate PodSecurity "restricted:latest": ${RESTRICTED_DETAIL}`]);
    const system = await up(['create', '--dry-run=server', '-f', '-'], podYaml('agent', 'kube-system', PRIVILEGED));
    ok(system);
    assert.deepEqual(warnings(system), []);
  } finally {
    await cluster.stop();
  }
});
