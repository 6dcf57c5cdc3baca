import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ServiceAccount } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../api/object.js';
import { findResourceType } from '../../api/resource-types.js';
import type { ResourceType } from '../../api/resource-type.js';
import type { ApiError } from '../../api/errors.js';
import { AdmissionChain, anonymousRequest } from './plugin.js';
import { serviceAccountAdmission, type ServiceAccountSource } from './service-account.js';

const pods = findResourceType('', 'v1', 'pods') as ResourceType;
const NO_WAIT = { attempts: 10, intervalMs: () => 0 };

/** ServiceAccounts by `ns/name`; `fresh` counts its calls and may make one appear after n of them. */
function source(accounts: Record<string, ServiceAccount>, appearsAfter?: { key: string; calls: number }) {
  let calls = 0;
  const s: ServiceAccountSource & { calls: () => number } = {
    cached: (ns, name) => accounts[`${ns}/${name}`],
    fresh: async (ns, name) => {
      calls++;
      if (appearsAfter && calls >= appearsAfter.calls) accounts[appearsAfter.key] ??= { metadata: { name } };
      return accounts[`${ns}/${name}`];
    },
    calls: () => calls,
  };
  return s;
}

function pod(spec: Record<string, unknown> = {}, metadata: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'ns', ...metadata },
    spec: { containers: [{ name: 'c', image: 'busybox' }], ...spec },
  };
}

const sa = (name: string, extra: Partial<ServiceAccount> = {}): ServiceAccount => ({
  metadata: { name, namespace: 'ns' },
  ...extra,
});

const TOKEN_VOLUME = {
  name: 'kube-api-access-abcde',
  projected: {
    defaultMode: 420,
    sources: [
      { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
      { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
      {
        downwardAPI: {
          items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }],
        },
      },
    ],
  },
};
const TOKEN_MOUNT = {
  name: 'kube-api-access-abcde',
  readOnly: true,
  mountPath: '/var/run/secrets/kubernetes.io/serviceaccount',
};

const plugin = (s: ServiceAccountSource | undefined) => serviceAccountAdmission(s, () => 'abcde', NO_WAIT);
const admit = async (s: ServiceAccountSource, p: KubeObject): Promise<void> =>
  plugin(s).admit('create', pods, p, undefined, anonymousRequest());

test('a pod gets the default ServiceAccount and the kube-api-access volume in every container, as Kubernetes injects it', async () => {
  const p = pod({ initContainers: [{ name: 'init', image: 'busybox' }] });
  await admit(source({ 'ns/default': sa('default') }), p);
  assert.deepEqual(p.spec, {
    serviceAccountName: 'default',
    initContainers: [{ name: 'init', image: 'busybox', volumeMounts: [TOKEN_MOUNT] }],
    containers: [{ name: 'c', image: 'busybox', volumeMounts: [TOKEN_MOUNT] }],
    volumes: [TOKEN_VOLUME],
  });
});

test('automountServiceAccountToken: the pod decides, else the ServiceAccount, else true', async () => {
  const cases: [boolean | undefined, boolean | undefined, boolean][] = [
    [undefined, undefined, true],
    [undefined, false, false],
    [false, undefined, false],
    [true, false, true],
    [false, true, false],
  ];
  for (const [onPod, onSa, mounted] of cases) {
    const p = pod(onPod === undefined ? {} : { automountServiceAccountToken: onPod });
    await admit(source({ 'ns/default': sa('default', { automountServiceAccountToken: onSa }) }), p);
    const spec = p.spec as { volumes?: unknown[] };
    assert.equal(spec.volumes !== undefined, mounted, `pod ${onPod}, sa ${onSa}`);
  }
});

test('a container with its own mount at the token path is left alone; an existing kube-api-access volume is reused', async () => {
  const own = { name: 'mine', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' };
  const p = pod({
    containers: [
      { name: 'a', image: 'busybox', volumeMounts: [own] },
      { name: 'b', image: 'busybox' },
    ],
    volumes: [
      { name: 'mine', emptyDir: {} },
      { name: 'kube-api-access-zzzzz', projected: { sources: [] } },
    ],
  });
  await admit(source({ 'ns/default': sa('default') }), p);
  const spec = p.spec as { containers: { volumeMounts: unknown[] }[]; volumes: unknown[] };
  assert.deepEqual(spec.containers[0].volumeMounts, [own]);
  assert.deepEqual(spec.containers[1].volumeMounts, [{ ...TOKEN_MOUNT, name: 'kube-api-access-zzzzz' }]);
  assert.equal(spec.volumes.length, 2);
  const alone = pod({ containers: [{ name: 'a', image: 'busybox', volumeMounts: [own] }], volumes: [] });
  await admit(source({ 'ns/default': sa('default') }), alone);
  assert.deepEqual((alone.spec as { volumes: unknown[] }).volumes, [], 'no container needs the volume');
});

test('a missing ServiceAccount is refused with Kubernetes’ 403; the default one is waited for', async () => {
  const s = source({});
  await assert.rejects(admit(s, pod({ serviceAccountName: 'robot' })), (err: ApiError) => {
    assert.equal(err.code, 403);
    assert.equal(
      err.message,
      'pods "p" is forbidden: error looking up service account ns/robot: serviceaccount "robot" not found',
    );
    return true;
  });
  assert.equal(s.calls(), 1, 'a named ServiceAccount is looked up once more, fresh');
  const generated = pod({}, { name: 'web-7d9f-x2b4k', generateName: 'web-7d9f-' });
  await assert.rejects(admit(source({}), generated), /^Error: pods "web-7d9f-" is forbidden: .*"default" not found$/);
  const late = source({}, { key: 'ns/default', calls: 4 });
  const p = pod();
  await admit(late, p);
  assert.equal(late.calls(), 4);
  assert.equal((p.spec as { serviceAccountName: string }).serviceAccountName, 'default');
});

test('imagePullSecrets come from the ServiceAccount when the pod has none', async () => {
  const accounts = { 'ns/default': sa('default', { imagePullSecrets: [{ name: 'reg' }] }) };
  const p = pod();
  await admit(source(accounts), p);
  assert.deepEqual((p.spec as { imagePullSecrets: unknown }).imagePullSecrets, [{ name: 'reg' }]);
  const own = pod({ imagePullSecrets: [{ name: 'mine' }] });
  await admit(source(accounts), own);
  assert.deepEqual((own.spec as { imagePullSecrets: unknown }).imagePullSecrets, [{ name: 'mine' }]);
});

test('enforce-mountable-secrets limits the pod to the ServiceAccount’s secrets', async () => {
  const locked = sa('default', {
    metadata: { name: 'default', annotations: { 'kubernetes.io/enforce-mountable-secrets': 'true' } },
    secrets: [{ name: 'ok' }],
  });
  const env = (name: string) => [{ name: 'X', valueFrom: { secretKeyRef: { name, key: 'k' } } }];
  await admit(source({ 'ns/default': locked }), pod({ containers: [{ name: 'c', image: 'b', env: env('ok') }] }));
  await assert.rejects(
    admit(source({ 'ns/default': locked }), pod({ containers: [{ name: 'c', image: 'b', env: env('other') }] })),
    {
      message:
        'pods "p" is forbidden: container c with envVar X referencing secret.secretName="other" is not allowed because service account default does not reference that secret',
    },
  );
});

test('mirror pods are not changed, and may not reference ServiceAccounts or secrets', async () => {
  const mirror = { annotations: { 'kubernetes.io/config.mirror': 'hash' } };
  const p = pod({ serviceAccountName: 'default' }, mirror);
  const before = structuredClone(p);
  await admit(source({}), p);
  assert.deepEqual(p, before);
  await assert.rejects(admit(source({}), pod({ serviceAccountName: 'robot' }, mirror)), {
    message: 'pods "p" is forbidden: a mirror pod may not reference service accounts',
  });
  await assert.rejects(admit(source({}), pod({ volumes: [{ name: 's', secret: { secretName: 'x' } }] }, mirror)), {
    message: 'pods "p" is forbidden: a mirror pod may not reference secrets',
  });
});

test('in a write worker the plugin assumes a plain ServiceAccount; the main thread checks it before committing', async () => {
  const accounts: Record<string, ServiceAccount> = {};
  const worker = new AdmissionChain([plugin(undefined)], 'worker');
  const main = new AdmissionChain([plugin(source(accounts))], 'main');
  assert.equal(worker.runsInWorker(pods, 'create'), true);
  const p = pod();
  const assumed = await worker.admit('create', pods, p, undefined);
  assert.deepEqual(assumed, [
    { plugin: 'ServiceAccount', facts: { namespace: 'ns', name: 'default', automount: true, pullSecrets: true } },
  ]);
  assert.deepEqual((p.spec as { volumes: unknown[] }).volumes, [TOKEN_VOLUME]);
  assert.equal(main.assumptionsHold(assumed), false, 'no such ServiceAccount');
  accounts['ns/default'] = sa('default');
  assert.equal(main.assumptionsHold(assumed), true);
  accounts['ns/default'] = sa('default', { automountServiceAccountToken: false });
  assert.equal(main.assumptionsHold(assumed), false, 'the ServiceAccount opts out of automounting');
  accounts['ns/default'] = sa('default', { imagePullSecrets: [{ name: 'reg' }] });
  assert.equal(main.assumptionsHold(assumed), false, 'the ServiceAccount has pull secrets to copy');
  const optedOut = await worker.admit('create', pods, pod({ automountServiceAccountToken: false }), undefined);
  accounts['ns/default'] = sa('default', { automountServiceAccountToken: false });
  assert.equal(main.assumptionsHold(optedOut), true, 'the pod decided itself');
});
