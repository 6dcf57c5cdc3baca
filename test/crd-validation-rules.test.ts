/**
 * x-kubernetes-validations through the real kubectl: CEL rules of a CRD's schema refuse invalid
 * custom objects with their message, messageExpression, fieldPath and reason; transition rules
 * (oldSelf) run on updates, optionalOldSelf also on creates; a CRD whose rule does not compile,
 * names an undeclared field or is too expensive is refused with kube-apiserver's texts.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestServer, type TestServer } from './helpers/cluster.js';
import { ok } from './helpers/kubectl.js';
import { eventually } from './helpers/wait-until.js';

let server: TestServer;

before(async () => {
  server = await startTestServer({
    readyTimeoutMs: 60_000,
    extraArgs: ['--disable-controllers', '--disable-scheduler'],
  });
  await applyCrd();
});
after(async () => {
  await server?.stop();
});

const CRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: databases.example.com}
spec:
  group: example.com
  scope: Namespaced
  names: {plural: databases, singular: database, kind: Database}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            x-kubernetes-validations:
            - rule: "self.minReplicas <= self.replicas"
              message: replicas must be greater than or equal to minReplicas
            - rule: "self.engine == oldSelf.engine"
              message: engine is immutable
              fieldPath: .engine
              reason: FieldValueForbidden
            - rule: "!has(self.backup) || self.backup.schedule.size() > 0"
              messageExpression: "'backup of ' + string(self.replicas) + ' replicas needs a schedule'"
            properties:
              engine: {type: string, maxLength: 32}
              replicas: {type: integer}
              minReplicas: {type: integer}
              version:
                type: string
                maxLength: 16
                x-kubernetes-validations:
                - rule: "oldSelf.hasValue() ? self >= oldSelf.value() : self.startsWith('1')"
                  optionalOldSelf: true
                  message: version may not go back, and starts at 1
              ports:
                type: array
                maxItems: 8
                items: {type: integer}
                x-kubernetes-validations:
                - rule: "self.all(p, p > 1024)"
                  message: ports must be unprivileged
              backup:
                type: object
                properties:
                  schedule: {type: string, maxLength: 64}
`;

const db = (name: string, spec: string) => `apiVersion: example.com/v1
kind: Database
metadata: {name: ${name}, namespace: default}
spec: ${spec}
`;

async function applyCrd(): Promise<void> {
  ok(await server.kubectl(['apply', '-f', '-'], { stdin: CRD }));
  ok(await server.kubectl(['wait', '--for=condition=Established', 'crd/databases.example.com', '--timeout=20s']));
  await eventually(async () => (await server.kubectl(['get', 'databases'])).code === 0, 'databases to be served');
}

test('rules refuse invalid objects with their messages and paths', async () => {
  ok(
    await server.kubectl(['apply', '-f', '-'], {
      stdin: db('good', '{engine: pg, replicas: 3, minReplicas: 1, version: "1.2", ports: [5432]}'),
    }),
  );
  const r = await server.kubectl(['apply', '-f', '-'], {
    stdin: db('bad', '{engine: pg, replicas: 1, minReplicas: 2, version: "2.0", ports: [80], backup: {schedule: ""}}'),
  });
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /The Database "bad" is invalid:/);
  assert.match(r.stderr, /spec: Invalid value: "object": replicas must be greater than or equal to minReplicas/);
  assert.match(r.stderr, /spec: Invalid value: "object": backup of 1 replicas needs a schedule/);
  assert.match(r.stderr, /spec\.version: Invalid value: "string": version may not go back, and starts at 1/);
  assert.match(r.stderr, /spec\.ports: Invalid value: "array": ports must be unprivileged/);
});

test('transition rules run on update: immutable field, version only forward', async () => {
  const engine = await server.kubectl([
    'patch',
    'database',
    'good',
    '--type=merge',
    '-p',
    '{"spec":{"engine":"mysql"}}',
  ]);
  assert.notEqual(engine.code, 0);
  assert.match(engine.stderr, /spec\.engine: Forbidden: engine is immutable/);
  const back = await server.kubectl(['patch', 'database', 'good', '--type=merge', '-p', '{"spec":{"version":"1.1"}}']);
  assert.match(back.stderr, /spec\.version: Invalid value: "string": version may not go back/);
  ok(
    await server.kubectl([
      'patch',
      'database',
      'good',
      '--type=merge',
      '-p',
      '{"spec":{"version":"1.3","replicas":4}}',
    ]),
  );
});

test('a CRD whose rules do not compile, name undeclared fields or cost too much is refused', async () => {
  const bad = CRD.replace('databases.example.com', 'caches.example.com')
    .replace('plural: databases, singular: database, kind: Database', 'plural: caches, singular: cache, kind: Cache')
    .replace('"self.minReplicas <= self.replicas"', '"self.minReplicas <="')
    .replace('"self.engine == oldSelf.engine"', '"self.engnie == oldSelf.engine"')
    .replace(/ +maxItems: 8\n/, '')
    .replace('"self.all(p, p > 1024)"', '"self.all(p, self.all(q, self.exists(r, p + q == r)))"');
  const r = await server.kubectl(['apply', '-f', '-'], { stdin: bad });
  assert.notEqual(r.code, 0);
  assert.match(
    r.stderr,
    /spec\.versions\[0\]\.schema\.openAPIV3Schema\.properties\[spec\]\.x-kubernetes-validations\[0\]\.rule: Invalid value: .*compilation failed: ERROR: <input>:1:\d+: Syntax error/,
  );
  assert.match(
    r.stderr,
    /x-kubernetes-validations\[1\]\.rule: Invalid value: .*compilation failed: ERROR: <input>:1:\d+: No such key: engnie/,
  );
  assert.match(
    r.stderr,
    /properties\[ports\]\.x-kubernetes-validations\[0\]\.rule: Forbidden: estimated rule cost exceeds budget by factor of more than 100x/,
  );
});
