import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { cacheWith, info, makeNode, makePod } from '../testing/fixtures.js';
import type { Class, PV, PVC } from '../../machinery/storage/volume-resources.js';
import { claimsWaitingForNode, volumeBinding, type VolumeLister } from './volume-binding.js';

const claim = (name: string, extra: { volumeName?: string; className?: string; deleting?: boolean } = {}): PVC => ({
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: {
    name,
    namespace: 'default',
    uid: `uid-${name}`,
    ...(extra.deleting ? { deletionTimestamp: '2024-01-01T00:00:00Z' } : {}),
  },
  spec: {
    accessModes: ['ReadWriteOnce'],
    resources: { requests: { storage: '1Gi' } },
    storageClassName: extra.className ?? 'local-path',
    ...(extra.volumeName ? { volumeName: extra.volumeName } : {}),
  },
});
const onHost = (host: string) => ({
  required: {
    nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [host] }] }],
  },
});
const pv = (name: string, host: string, className = 'local-path', claimRef?: string): PV => ({
  apiVersion: 'v1',
  kind: 'PersistentVolume',
  metadata: { name },
  spec: {
    capacity: { storage: '2Gi' },
    accessModes: ['ReadWriteOnce'],
    storageClassName: className,
    nodeAffinity: onHost(host),
    local: { path: '/x' },
    ...(claimRef ? { claimRef: { namespace: 'default', name: claimRef } } : {}),
  },
  status: { phase: claimRef ? 'Bound' : 'Available' },
});
const cls = (name: string, mode: string, provisioner = 'flotilla.dev/local-path'): Class => ({
  apiVersion: 'storage.k8s.io/v1',
  kind: 'StorageClass',
  metadata: {
    name,
    ...(name === 'local-path' ? { annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } } : {}),
  },
  provisioner,
  volumeBindingMode: mode,
});

function lister(claims: PVC[], volumes: PV[]): VolumeLister {
  const classes = [
    cls('local-path', 'WaitForFirstConsumer'),
    cls('static', 'WaitForFirstConsumer', 'kubernetes.io/no-provisioner'),
    cls('immediate', 'Immediate'),
  ];
  return {
    claim: (ns, name) => claims.find((c) => c.metadata.namespace === ns && c.metadata.name === name),
    volume: (name) => volumes.find((v) => v.metadata.name === name),
    volumes: () => volumes,
    storageClass: (name) => classes.find((c) => c.metadata.name === name),
    storageClasses: () => classes,
  };
}

const node = (name: string): Node => {
  const n = makeNode(name, { cpu: '4' });
  n.metadata = { ...n.metadata, labels: { ...n.metadata?.labels, 'kubernetes.io/hostname': name } };
  return n;
};
const usingClaims = (...names: string[]): Pod =>
  makePod('p', {
    spec: {
      containers: [{ name: 'c', image: 'i' }],
      volumes: names.map((n) => ({ name: n, persistentVolumeClaim: { claimName: n } })),
    },
  });

/** The plugin's verdict per node a and b ('skip' when it does not apply to the pod). */
function verdicts(pod: Pod, l: VolumeLister): string[] | string {
  const cache = cacheWith([node('a'), node('b')], []);
  const f = volumeBinding(l).prepareFilter(info(pod), cache);
  if (f === undefined) return 'skip';
  if (typeof f !== 'function') return `${f.code}: ${f.reasons.join(' | ')}`;
  return cache.nodes().map((n) => {
    const s = f(n);
    return s.code === 'Success' ? 'ok' : s.reasons.join(' | ');
  });
}

test('VolumeBinding filter: bound claims follow their volume, WFFC claims go anywhere a volume can be had, others wait', () => {
  const bound = claim('bound', { volumeName: 'pv-a' });
  const l = lister(
    [
      bound,
      claim('wffc'),
      claim('static', { className: 'static' }),
      claim('immediate', { className: 'immediate' }),
      claim('deleting', { deleting: true }),
    ],
    [pv('pv-a', 'a', 'local-path', 'bound'), pv('static-b', 'b', 'static')],
  );
  assert.equal(verdicts(makePod('p', {}), l), 'skip');
  assert.equal(verdicts(usingClaims('wffc'), l), 'skip', 'a provisioner makes every node possible');
  assert.deepEqual(verdicts(usingClaims('bound'), l), ['ok', 'node(s) had volume node affinity conflict']);
  assert.deepEqual(verdicts(usingClaims('static'), l), [
    "node(s) didn't find available persistent volumes to bind",
    'ok',
  ]);
  assert.deepEqual(verdicts(usingClaims('bound', 'static'), l), [
    "node(s) didn't find available persistent volumes to bind",
    'node(s) had volume node affinity conflict',
  ]);
  assert.equal(
    verdicts(usingClaims('immediate'), l),
    'UnschedulableAndUnresolvable: pod has unbound immediate PersistentVolumeClaims',
  );
  assert.equal(
    verdicts(usingClaims('missing'), l),
    'UnschedulableAndUnresolvable: persistentvolumeclaim "missing" not found',
  );
  assert.equal(
    verdicts(usingClaims('deleting'), l),
    'UnschedulableAndUnresolvable: persistentvolumeclaim "deleting" is being deleted',
  );
  assert.equal(
    verdicts(usingClaims('gone-pv'), lister([claim('gone-pv', { volumeName: 'nope' })], [])),
    'UnschedulableAndUnresolvable: node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)',
  );
  assert.deepEqual(
    claimsWaitingForNode('default', ['bound', 'wffc', 'static', 'immediate', 'missing'], l).map((c) => c.metadata.name),
    ['wffc', 'static'],
  );
});
