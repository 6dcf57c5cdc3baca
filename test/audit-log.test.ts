/**
 * The audit log through the real server and kubectl: levels chosen by the policy's first matching
 * rule, request and response objects at their levels, error statuses, impersonation and refusals,
 * the Audit-Id header, watch stages.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from './helpers/cluster.js';
import { until } from './helpers/wait-until.js';

interface AuditEvent {
  level: string;
  auditID: string;
  stage: string;
  verb: string;
  requestURI: string;
  user: { username: string; groups: string[] };
  impersonatedUser?: { username: string };
  objectRef?: { resource: string; namespace?: string; name?: string; apiVersion: string };
  responseStatus?: { code: number; reason?: string };
  requestObject?: { data?: Record<string, string>; metadata?: Record<string, unknown> };
  responseObject?: { metadata?: { uid?: string } };
  annotations?: Record<string, string>;
}

const POLICY = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
  - level: None
    nonResourceURLs: ["/healthz*", "/readyz*", "/livez*"]
  - level: RequestResponse
    resources: [{group: "", resources: [configmaps]}]
  - level: Metadata
    resources: [{group: "", resources: [secrets]}]
  - level: Metadata
`;

describe('audit log', () => {
  let dir: string;
  let server: TestServer;
  const logPath = () => join(dir, 'audit.log');
  const events = async (): Promise<AuditEvent[]> =>
    (await readFile(logPath(), 'utf8').catch(() => ''))
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as AuditEvent);
  const eventWhere = (what: string, match: (e: AuditEvent) => boolean) =>
    until(what, async () => (await events()).find(match), { timeoutMs: 10_000 });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flotilla-audit-'));
    await writeFile(join(dir, 'policy.yaml'), POLICY);
    server = await startTestServer({
      extraArgs: [
        '--disable-controllers',
        '--disable-scheduler',
        '--authorization-mode',
        'RBAC',
        '--audit-policy-file',
        join(dir, 'policy.yaml'),
        '--audit-log-path',
        logPath(),
      ],
    });
  });
  after(async () => {
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('records a create at RequestResponse with both objects', async () => {
    const r = await server.kubectl(['create', 'configmap', 'audited', '--from-literal=colour=teal']);
    assert.equal(r.code, 0, r.stderr);
    const e = await eventWhere('the create event', (e) => e.verb === 'create' && e.objectRef?.name === 'audited');
    assert.equal(e.level, 'RequestResponse');
    assert.equal(e.stage, 'ResponseComplete');
    assert.equal(e.user.username, 'admin');
    assert.deepEqual(e.objectRef, { resource: 'configmaps', namespace: 'default', name: 'audited', apiVersion: 'v1' });
    assert.equal(e.responseStatus?.code, 201);
    assert.equal(e.requestObject?.data?.colour, 'teal');
    assert.ok(e.responseObject?.metadata?.uid);
    assert.equal(e.annotations?.['authorization.k8s.io/decision'], 'allow');
    assert.ok(!(await events()).some((e) => e.stage === 'RequestReceived'), 'the policy omits RequestReceived');
    assert.ok(!(await events()).some((e) => e.requestURI.startsWith('/readyz')), 'health checks are at None');
  });

  it('names a created object at Metadata too, without its body', async () => {
    const r = await server.kubectl(['create', 'secret', 'generic', 'named', '--from-literal=k=v']);
    assert.equal(r.code, 0, r.stderr);
    const e = await eventWhere('the secret create', (e) => e.verb === 'create' && e.objectRef?.resource === 'secrets');
    assert.equal(e.level, 'Metadata');
    assert.equal(e.objectRef?.name, 'named');
    assert.equal(e.requestObject, undefined);
  });

  it('records an error at Metadata with its status, and no objects', async () => {
    const r = await server.kubectl(['get', 'secret', 'absent']);
    assert.notEqual(r.code, 0);
    const e = await eventWhere('the 404', (e) => e.objectRef?.resource === 'secrets' && e.objectRef.name === 'absent');
    assert.equal(e.level, 'Metadata');
    assert.equal(e.responseStatus?.code, 404);
    assert.equal(e.responseStatus?.reason, 'NotFound');
    assert.equal(e.requestObject, undefined);
    assert.equal(e.responseObject, undefined);
  });

  it('records who impersonated whom, and a refusal', async () => {
    const r = await server.kubectl(['get', 'configmaps', '--as=bob', '--as-group=dev']);
    assert.notEqual(r.code, 0, 'bob may not list ConfigMaps');
    const e = await eventWhere('the impersonated list', (e) => e.impersonatedUser?.username === 'bob');
    assert.equal(e.user.username, 'admin');
    assert.equal(e.verb, 'list');
    assert.equal(e.responseStatus?.code, 403);
    assert.equal(e.responseStatus?.reason, 'Forbidden');
    assert.equal(e.annotations?.['authorization.k8s.io/decision'], 'forbid');
  });

  it('answers with an Audit-Id header the event carries, and records a watch from start to end', async () => {
    const { headers } = await get(server, '/api/v1/namespaces/default/configmaps?watch=1&timeoutSeconds=1');
    const id = headers['audit-id'];
    assert.ok(typeof id === 'string' && id.length > 0);
    const started = await eventWhere('ResponseStarted', (e) => e.auditID === id && e.stage === 'ResponseStarted');
    assert.equal(started.verb, 'watch');
    await eventWhere('ResponseComplete', (e) => e.auditID === id && e.stage === 'ResponseComplete');
  });
});

function get(server: TestServer, path: string): Promise<{ status: number; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const url = new URL(path, server.url);
    const req = request(url, { ca: server.caPem, headers: { authorization: `Bearer ${server.token}` } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}
