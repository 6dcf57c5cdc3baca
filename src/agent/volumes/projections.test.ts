import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ConfigMap, Pod, Secret } from 'kubernetes-types/core/v1.js';
import type { Payload } from './atomic-writer.js';
import { formatMap, podFieldValue, resourceFieldValue } from './downward-api.js';
import {
  configMapPayload,
  downwardPayload,
  MissingObjectError,
  projectedPayload,
  secretPayload,
  type ObjectLookup,
} from './projections.js';

const pod: Pod = {
  metadata: { name: 'p', namespace: 'ns', uid: 'u1', labels: { b: '2', a: 'x"y' }, annotations: { note: 'hi' } },
  spec: {
    containers: [
      { name: 'main', resources: { limits: { cpu: '250m', memory: '64Mi' }, requests: { cpu: '100m' } } },
      { name: 'side' },
    ],
  },
};
const cm: ConfigMap = {
  metadata: { name: 'cfg', namespace: 'ns' },
  data: { 'app.conf': 'x=1', other: 'o' },
  binaryData: { bin: Buffer.from([0, 1]).toString('base64') },
};
const secret: Secret = {
  metadata: { name: 's', namespace: 'ns' },
  data: { password: Buffer.from('hunter2').toString('base64') },
  stringData: { user: 'admin' },
};
const objects: ObjectLookup = {
  configMap: (ns, name) => (ns === 'ns' && name === 'cfg' ? cm : undefined),
  secret: (ns, name) => (ns === 'ns' && name === 's' ? secret : undefined),
  nodeAllocatable: () => ({ cpu: '2', memory: '4Gi' }),
};
const text = (p: Payload): Record<string, [string, string]> =>
  Object.fromEntries([...p].map(([k, f]) => [k, [f.data.toString('utf8'), f.mode.toString(8)]]));

test('configMap: every key (data and binaryData) with defaultMode, or the items with their paths and modes', () => {
  const all = configMapPayload(pod, { name: 'cfg', defaultMode: 0o600 }, objects);
  assert.deepEqual(text(all)['app.conf'], ['x=1', '600']);
  assert.deepEqual(all.get('bin')?.data, Buffer.from([0, 1]));
  assert.equal(all.size, 3);
  const items = configMapPayload(
    pod,
    {
      name: 'cfg',
      items: [
        { key: 'app.conf', path: 'conf/app.conf', mode: 0o400 },
        { key: 'other', path: 'o' },
      ],
    },
    objects,
  );
  assert.deepEqual(text(items), { 'conf/app.conf': ['x=1', '400'], o: ['o', '644'] });
});

test('configMap: missing object or key is an error unless optional', () => {
  assert.throws(
    () => configMapPayload(pod, { name: 'nope' }, objects),
    (e: unknown) => e instanceof MissingObjectError && e.message === 'configmap "nope" not found',
  );
  assert.equal(configMapPayload(pod, { name: 'nope', optional: true }, objects).size, 0);
  assert.throws(
    () => configMapPayload(pod, { name: 'cfg', items: [{ key: 'missing', path: 'm' }] }, objects),
    /configmap references non-existent config key: missing/,
  );
  assert.equal(
    configMapPayload(pod, { name: 'cfg', optional: true, items: [{ key: 'missing', path: 'm' }] }, objects).size,
    0,
  );
});

test('secret: base64 data decoded, stringData too', () => {
  assert.deepEqual(text(secretPayload(pod, { secretName: 's' }, objects)), {
    password: ['hunter2', '644'],
    user: ['admin', '644'],
  });
  assert.throws(() => secretPayload(pod, { secretName: 'x' }, objects), /secret "x" not found/);
  assert.throws(
    () => secretPayload(pod, { secretName: 's', items: [{ key: 'k', path: 'k' }] }, objects),
    /secret references non-existent secret key: k/,
  );
});

test('downwardAPI: fields, labels formatted sorted and quoted, one label, resources', () => {
  const p = downwardPayload(
    pod,
    [
      { path: 'name', fieldRef: { fieldPath: 'metadata.name' } },
      { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } },
      { path: 'b', fieldRef: { fieldPath: "metadata.labels['b']" } },
      { path: 'cpu', resourceFieldRef: { containerName: 'main', resource: 'limits.cpu', divisor: '1m' } },
      {
        path: 'mem',
        resourceFieldRef: { containerName: 'side', resource: 'limits.memory', divisor: '1Mi' },
        mode: 0o400,
      },
    ],
    0o644,
    objects.nodeAllocatable(),
  );
  assert.deepEqual(text(p), {
    name: ['p', '644'],
    labels: ['a="x\\"y"\nb="2"', '644'],
    b: ['2', '644'],
    cpu: ['250', '644'],
    mem: ['4096', '400'],
  });
  assert.equal(formatMap({}), '');
});

test('resourceFieldRef rounds up to the divisor; limits default to node allocatable; requests to the limit or 0', () => {
  const main = pod.spec?.containers[0];
  assert.equal(resourceFieldValue(pod, { resource: 'limits.cpu' }, main, {}), '1'); // 250m -> ceil to 1 core
  assert.equal(resourceFieldValue(pod, { resource: 'requests.cpu', divisor: '1m' }, main, {}), '100');
  assert.equal(resourceFieldValue(pod, { resource: 'limits.memory' }, main, {}), String(64 * 2 ** 20));
  assert.equal(resourceFieldValue(pod, { resource: 'limits.memory', divisor: '1M' }, main, {}), '68'); // 67.1 MB up
  assert.equal(resourceFieldValue(pod, { resource: 'requests.memory' }, main, {}), String(64 * 2 ** 20));
  const side = pod.spec?.containers[1];
  assert.equal(resourceFieldValue(pod, { resource: 'limits.cpu' }, side, { cpu: '2' }), '2');
  assert.equal(resourceFieldValue(pod, { resource: 'requests.cpu' }, side, { cpu: '2' }), '0');
  assert.throws(() => resourceFieldValue(pod, { resource: 'limits.gpu' }, side, {}), /unsupported container resource/);
  assert.throws(
    () => resourceFieldValue(pod, { resource: 'limits.cpu', containerName: 'x' }, side, {}),
    /cannot find container/,
  );
});

test('pod fields for env: IPs, node name; unknown path rejected', () => {
  assert.equal(podFieldValue(pod, 'status.podIP', { podIP: '10.42.0.9' }), '10.42.0.9');
  assert.equal(podFieldValue(pod, "metadata.annotations['note']"), 'hi');
  assert.equal(podFieldValue(pod, "metadata.labels['none']"), '');
  assert.throws(() => podFieldValue(pod, 'spec.bogus'), /unsupported fieldPath/);
});

test('projected: sources merged in order with the volume defaultMode; item modes win; tokens as fetched', () => {
  const p = projectedPayload(
    pod,
    {
      defaultMode: 0o440,
      sources: [
        { configMap: { name: 'cfg', items: [{ key: 'app.conf', path: 'app.conf' }] } },
        { secret: { name: 's', items: [{ key: 'password', path: 'pw', mode: 0o400 }] } },
        { downwardAPI: { items: [{ path: 'ns', fieldRef: { fieldPath: 'metadata.namespace' } }] } },
        { serviceAccountToken: { path: 'token' } },
      ],
    },
    objects,
    new Map([['token', 'jwt']]),
  );
  assert.deepEqual(text(p), {
    'app.conf': ['x=1', '440'],
    pw: ['hunter2', '400'],
    ns: ['ns', '440'],
    token: ['jwt', '440'],
  });
  const grouped = { ...pod, spec: { ...pod.spec, containers: [], securityContext: { fsGroup: 2000 } } };
  const withGroup = projectedPayload(
    grouped,
    { sources: [{ serviceAccountToken: { path: 't' } }] },
    objects,
    new Map([['t', 'jwt']]),
  );
  assert.deepEqual(text(withGroup), { t: ['jwt', '600'] }, 'the token is 0600 with an fsGroup');
  assert.throws(
    () => projectedPayload(pod, { sources: [{ configMap: { name: 'nope' } }] }, objects),
    /configmap "nope" not found/,
  );
});
