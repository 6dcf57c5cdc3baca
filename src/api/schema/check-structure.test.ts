import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkStructure } from './check-structure.js';
import { deployment, pod, service } from './fixtures.test-helper.js';

const DEPLOY = { group: 'apps', version: 'v1', kind: 'Deployment' };
const POD = { group: '', version: 'v1', kind: 'Pod' };

test('realistic Deployment, Service and Pod are structurally valid', () => {
  assert.deepEqual(checkStructure(DEPLOY, deployment()), { errors: [], unknownFields: [] });
  assert.deepEqual(checkStructure({ group: '', version: 'v1', kind: 'Service' }, service()), {
    errors: [],
    unknownFields: [],
  });
  assert.deepEqual(checkStructure(POD, pod()), { errors: [], unknownFields: [] });
});

test('a string replicas is a type error at spec.replicas', () => {
  const d = deployment();
  (d.spec as Record<string, unknown>).replicas = 'three';
  const r = checkStructure(DEPLOY, d);
  assert.equal(r.errors.length, 1);
  assert.equal(r.errors[0]?.field, 'spec.replicas');
  assert.equal(r.errors[0]?.reason, 'FieldValueTypeInvalid');
  assert.match(r.errors[0]?.message ?? '', /must be of type integer/);
  assert.deepEqual(r.unknownFields, []);
});

test('integers must fit the int32 or int64 format of their field', () => {
  const d = deployment();
  (d.spec as Record<string, unknown>).replicas = 2 ** 40;
  const r = checkStructure(DEPLOY, d);
  assert.equal(r.errors.length, 1);
  assert.equal(r.errors[0]?.field, 'spec.replicas');
  assert.equal(r.errors[0]?.reason, 'FieldValueInvalid');
  assert.match(r.errors[0]?.message ?? '', /^Invalid value: 1099511627776: .*int32/);
  (d.spec as Record<string, unknown>).replicas = 2 ** 31 - 1;
  (d.spec as Record<string, unknown>).progressDeadlineSeconds = -(2 ** 31);
  assert.deepEqual(checkStructure(DEPLOY, d).errors, []);
  const p = pod();
  (p.spec as Record<string, unknown>).activeDeadlineSeconds = 2 ** 40; // int64
  assert.deepEqual(checkStructure(POD, p).errors, []);
  (p.spec as Record<string, unknown>).activeDeadlineSeconds = 2 ** 63;
  assert.equal(checkStructure(POD, p).errors[0]?.field, 'spec.activeDeadlineSeconds');
});

/** The first port of the first container of a deployment() fixture, to edit in place. */
function firstPort(d: ReturnType<typeof deployment>): Record<string, unknown> {
  const spec = d.spec as { template: { spec: { containers: { ports?: Record<string, unknown>[] }[] } } };
  return spec.template.spec.containers[0]?.ports?.[0] ?? assert.fail('the fixture has a container port');
}

test('unknown fields are reported with Kubernetes paths, nested in lists', () => {
  const d = deployment();
  const spec = d.spec as Record<string, unknown>;
  spec.replica = 2;
  firstPort(d).containerport = 80;
  const r = checkStructure(DEPLOY, d);
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.unknownFields, ['spec.template.spec.containers[0].ports[0].containerport', 'spec.replica']); // document order
});

test('nested type error path and a float where an integer is expected', () => {
  const d = deployment();
  firstPort(d).containerPort = 80.5;
  const r = checkStructure(DEPLOY, d);
  assert.deepEqual(
    r.errors.map((e) => e.field),
    ['spec.template.spec.containers[0].ports[0].containerPort'],
  );
});

test('Quantity takes strings and numbers, IntOrString integers and strings, not other types', () => {
  const d = deployment();
  const spec = d.spec as {
    strategy: { rollingUpdate: Record<string, unknown> };
    template: { spec: { containers: Array<{ resources: { limits: Record<string, unknown> } }> } };
  };
  spec.strategy.rollingUpdate.maxSurge = true;
  const limits = (spec.template.spec.containers[0] ?? assert.fail('the fixture has a container')).resources.limits;
  limits.cpu = 0.5;
  limits.memory = { big: 1 };
  const r = checkStructure(DEPLOY, d);
  assert.deepEqual(r.errors.map((e) => e.field).sort(), [
    'spec.strategy.rollingUpdate.maxSurge',
    'spec.template.spec.containers[0].resources.limits[memory]',
  ]);
});

test('labels and annotations are string maps; lists must be lists; null is accepted', () => {
  const p = pod();
  const meta = p.metadata as Record<string, unknown>;
  meta.labels = { app: 5 };
  meta.annotations = null;
  meta.finalizers = 'x';
  const r = checkStructure(POD, p);
  assert.deepEqual(
    r.errors.map((e) => e.field),
    ['metadata.labels[app]', 'metadata.finalizers'],
  );
});

test('status subtree is checked too, and an unknown kind yields no findings', () => {
  const p = pod();
  (p.status as Record<string, unknown>).phaze = 'Running';
  assert.deepEqual(checkStructure(POD, p).unknownFields, ['status.phaze']);
  assert.deepEqual(checkStructure({ group: 'x.io', version: 'v1', kind: 'Nope' }, { a: 1 }), {
    errors: [],
    unknownFields: [],
  });
  assert.equal(checkStructure(POD, 'str').errors[0]?.field, '<root>');
});

test('a 1.5 KB pod validates in well under 50 microseconds', () => {
  const p = pod();
  assert.ok(JSON.stringify(p).length > 1400);
  for (let i = 0; i < 2000; i++) checkStructure(POD, p);
  const n = 20000;
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) checkStructure(POD, p);
  const micros = Number(process.hrtime.bigint() - start) / 1000 / n;
  console.log(`checkStructure(pod ${JSON.stringify(p).length} B): ${micros.toFixed(2)} us`);
  assert.ok(micros < 50, `took ${micros} us`);
});
