import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../api/object.js';
import { findResourceType } from '../../api/resource-types.js';
import type { ResourceType } from '../../api/resource-type.js';
import { AdmissionChain, type AdmissionPlugin } from './plugin.js';
import { builtInAdmission } from './index.js';

const rtOf = (plural: string): ResourceType => {
  const rt = findResourceType('', 'v1', plural);
  if (!rt) throw new Error(`no ${plural}`);
  return rt;
};
const obj = (kind: string): KubeObject => ({ apiVersion: 'v1', kind, metadata: { name: 'x' } });

test('the chain runs mutating plugins before validating ones, each only where it handles the request', async () => {
  const ran: string[] = [];
  const plugin = (name: string, kind: AdmissionPlugin['kind'], only?: string): AdmissionPlugin => ({
    name,
    kind,
    pure: true,
    handles: (rt) => !only || rt.plural === only,
    admit: () => void ran.push(name),
  });
  const chain = new AdmissionChain([
    plugin('validate-a', 'validating'),
    plugin('mutate-a', 'mutating'),
    plugin('mutate-pods', 'mutating', 'pods'),
    plugin('validate-b', 'validating'),
  ]);
  await chain.admit('create', rtOf('configmaps'), obj('ConfigMap'), undefined);
  assert.deepEqual(ran, ['mutate-a', 'validate-a', 'validate-b']);
});

test('a rejecting plugin stops the chain', async () => {
  const chain = new AdmissionChain([
    { name: 'deny', kind: 'validating', pure: true, handles: () => true, admit: () => Promise.reject(new Error('no')) },
  ]);
  await assert.rejects(chain.admit('update', rtOf('pods'), obj('Pod'), obj('Pod')), /no/);
});

test('built-in chain: only Service creates need the server state; claims get their finalizer, pods tolerations', async () => {
  const chain = builtInAdmission({ defaultTolerationSeconds: { notReady: 1, unreachable: 2 } }, undefined);
  assert.equal(chain.runsInWorker(rtOf('services'), 'create'), false);
  for (const plural of ['pods', 'configmaps', 'persistentvolumeclaims', 'persistentvolumes', 'namespaces'])
    assert.equal(chain.runsInWorker(rtOf(plural), 'create'), true, plural);
  const claim = obj('PersistentVolumeClaim');
  await chain.admit('create', rtOf('persistentvolumeclaims'), claim, undefined);
  assert.deepEqual(claim.metadata.finalizers, ['kubernetes.io/pvc-protection']);
  const pod = obj('Pod');
  await chain.admit('create', rtOf('pods'), pod, undefined);
  assert.equal((pod.spec as { tolerations: unknown[] }).tolerations.length, 2);
  const updated = obj('PersistentVolumeClaim');
  await chain.admit('update', rtOf('persistentvolumeclaims'), updated, claim);
  assert.equal(updated.metadata.finalizers, undefined, 'protection is added on create only');
});
