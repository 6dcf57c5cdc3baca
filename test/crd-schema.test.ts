/**
 * Schemas of custom resources through the real kubectl, on a CRD of our own modelled on big
 * operator CRDs (test/fixtures/crds/scrapetargets.yaml: three versions, deep nesting,
 * int-or-string, preserve-unknown-fields, embedded resources, list-type map/set, formats):
 * non-structural CRDs refused, invalid objects refused with kube-apiserver's messages, defaults
 * applied (also on read, after the CRD gains one), unknown fields pruned (or refused with
 * Strict), the status subresource validated, `kubectl explain`, server-side apply merging
 * list-type map entries of two managers; and the same CRD with CEL rules at depth.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startTestServer, type TestServer } from './helpers/cluster.js';
import { ok } from './helpers/kubectl.js';
import { eventually } from './helpers/wait-until.js';

let server: TestServer;
const CRD_TEXT = readFileSync(new URL('./fixtures/crds/scrapetargets.yaml', import.meta.url), 'utf8');

before(async () => {
  server = await startTestServer({ readyTimeoutMs: 60_000 });
  ok(await server.kubectl(['apply', '-f', '-'], { stdin: CRD_TEXT }));
  ok(
    await server.kubectl([
      'wait',
      '--for=condition=Established',
      'crd/scrapetargets.scrape.flotilla.dev',
      '--timeout=20s',
    ]),
  );
  // kubectl learns the new type from discovery; wait until a create through it is routed.
  await eventually(
    async () => (await server.kubectl(['get', 'scrapetargets'])).code === 0,
    'scrapetargets to be served',
  );
});
after(async () => {
  await server?.stop();
});

const target = (name: string, spec: string, apiVersion = 'scrape.flotilla.dev/v1') => `apiVersion: ${apiVersion}
kind: ScrapeTarget
metadata: {name: ${name}, namespace: default}
spec:
${spec}`;

const VALID = `  selector: {matchLabels: {app: web}}
  jobLabel: web
  endpoints:
  - port: http
    targetPort: 8080
    relabelings:
    - sourceLabels: [__meta_pod_name]
      targetLabel: pod
    tlsConfig:
      ca: {secret: {name: ca, key: ca.crt}}
  - port: admin
    targetPort: admin
  podTemplate:
    apiVersion: v1
    kind: Pod
    metadata: {labels: {a: b}}
    spec: {containers: [{name: c, image: busybox}]}
  extraConfig: {anything: {goes: [1, "two"]}}
  limits: {cpu: 500m, memory: 1Gi, pods: 10}
  dnsNames: [scrape.example.com]
`;

test("a non-structural CRD is refused with kube-apiserver's messages", async () => {
  const bad = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: loose.scrape.flotilla.dev}
spec:
  group: scrape.flotilla.dev
  scope: Namespaced
  names: {plural: loose, kind: Loose}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            properties: {size: {type: integer}}
            anyOf: [{type: object, required: [size]}]
          tags: {type: array, uniqueItems: true, items: {type: string}}
          meta: {type: object, x-kubernetes-preserve-unknown-fields: false}
`;
  const r = await server.kubectl(['apply', '-f', '-'], { stdin: bad });
  assert.notEqual(r.code, 0);
  const p = 'spec.versions[0].schema.openAPIV3Schema';
  for (const line of [
    `${p}.properties[spec].type: Required value: must not be empty for specified object fields`,
    `${p}.properties[spec].anyOf[0].type: Forbidden: must be empty to be structural`,
    `${p}.properties[tags].uniqueItems: Forbidden: uniqueItems cannot be set to true since the runtime complexity becomes quadratic`,
    `${p}.properties[meta].x-kubernetes-preserve-unknown-fields: Invalid value: false: must be true or undefined`,
  ])
    assert.ok(r.stderr.includes(line), `missing ${line} in ${r.stderr}`);
  assert.match(r.stderr, /The CustomResourceDefinition "loose\.scrape\.flotilla\.dev" is invalid/);
});

test('a valid object is stored with its defaults; unknown fields are pruned or refused', async () => {
  ok(await server.kubectl(['apply', '-f', '-'], { stdin: target('web', VALID) }));
  const obj = JSON.parse(ok(await server.kubectl(['get', 'st', 'web', '-o', 'json'])));
  assert.equal(obj.spec.replicas, 1);
  const [http, admin] = obj.spec.endpoints;
  assert.deepEqual(
    { path: http.path, scheme: http.scheme, interval: http.interval, honorLabels: http.honorLabels },
    { path: '/metrics', scheme: 'http', interval: '30s', honorLabels: false },
  );
  assert.deepEqual(http.relabelings[0], {
    action: 'replace',
    regex: '(.*)',
    replacement: '$1',
    separator: ';',
    sourceLabels: ['__meta_pod_name'],
    targetLabel: 'pod',
  });
  assert.deepEqual(http.tlsConfig, {
    ca: { secret: { name: 'ca', key: 'ca.crt' } },
    insecureSkipVerify: false,
    minVersion: 'TLS12',
  });
  assert.equal(admin.targetPort, 'admin');
  assert.deepEqual(obj.spec.extraConfig, { anything: { goes: [1, 'two'] } });
  assert.deepEqual(obj.spec.podTemplate.spec, { containers: [{ name: 'c', image: 'busybox' }] });
  assert.deepEqual(obj.spec.limits, { cpu: '500m', memory: '1Gi', pods: 10 });

  const withUnknown = target('extra', `${VALID}  bogus: 1\n`).replace(
    '  jobLabel: web\n',
    '  jobLabel: web\n  junk: {a: 1}\n',
  );
  // kubectl's default (--validate=strict) asks the server for fieldValidation=Strict.
  const strict = await server.kubectl(['create', '-f', '-'], { stdin: withUnknown });
  assert.notEqual(strict.code, 0);
  assert.match(strict.stderr, /strict decoding error: /);
  assert.match(strict.stderr, /unknown field "spec\.junk"/);
  assert.match(strict.stderr, /unknown field "spec\.bogus"/);
  const warn = await server.kubectl(['create', '--validate=warn', '-f', '-'], { stdin: withUnknown });
  assert.equal(warn.code, 0, warn.stderr);
  assert.match(warn.stderr, /Warning: unknown field "spec\.junk"/);
  const stored = JSON.parse(ok(await server.kubectl(['get', 'st', 'extra', '-o', 'json'])));
  assert.equal(stored.spec.junk, undefined);
  assert.equal(stored.spec.bogus, undefined);
  assert.equal(stored.spec.jobLabel, 'web');
});

test("invalid objects are refused with kube-apiserver's field paths and messages", async () => {
  const bad = target(
    'broken',
    `  selector: {matchLabels: {app: web}}
  replicas: "three"
  scrapeRatio: 0
  bucketSize: 12
  sampleLimit: -1
  endpoints:
  - port: http
    scheme: ftp
    path: metrics
    targetPort: true
    tlsConfig: {ca: {}}
  - port: http
  dnsNames: ["not a host!"]
  ipAddresses: [10.0.0.300]
  usages: [server auth, server auth]
  podTemplate: {kind: Pod}
`,
  );
  const r = await server.kubectl(['create', '-f', '-'], { stdin: bad });
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /The ScrapeTarget "broken" is invalid: /);
  for (const cause of [
    'spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"',
    'spec.scrapeRatio: Invalid value: 0: spec.scrapeRatio in body should be greater than 0',
    'spec.bucketSize: Invalid value: 12: spec.bucketSize in body should be a multiple of 8',
    'spec.sampleLimit: Invalid value: -1: spec.sampleLimit in body should be greater than or equal to 0',
    'spec.endpoints[0].scheme: Unsupported value: "ftp": supported values: "http", "https"',
    'spec.endpoints[0].path: Invalid value: "metrics": spec.endpoints[0].path in body should match \'^/\'',
    'spec.endpoints[0].targetPort: Invalid value: "boolean": spec.endpoints[0].targetPort in body must be of type integer,string: "boolean"',
    '"spec.endpoints[0].tlsConfig.ca" must validate one and only one schema (oneOf). Found none valid',
    'spec.endpoints[1]: Duplicate value: map[string]interface {}{"port":"http"}',
    'spec.dnsNames[0]: Invalid value: "not a host!": spec.dnsNames[0] in body must be of type hostname: "not a host!"',
    'spec.ipAddresses[0]: Invalid value: "10.0.0.300": spec.ipAddresses[0] in body must be of type ipv4: "10.0.0.300"',
    'spec.usages[1]: Duplicate value: "server auth"',
    'spec.podTemplate.apiVersion: Required value: must not be empty',
  ])
    assert.ok(r.stderr.includes(cause), `missing ${cause} in ${r.stderr}`);
  const missing = await server.kubectl(['create', '-f', '-'], { stdin: target('nothing', '  jobLabel: x\n') });
  assert.match(missing.stderr, /spec\.selector: Required value/);
  assert.match(missing.stderr, /spec\.endpoints: Required value/);
});

test('an older served version validates and defaults with its own schema', async () => {
  ok(await server.kubectl(['create', '-f', '-'], { stdin: target('old', VALID, 'scrape.flotilla.dev/v1alpha1') }));
  const obj = JSON.parse(
    ok(await server.kubectl(['get', 'scrapetargets.v1alpha1.scrape.flotilla.dev', 'old', '-o', 'json'])),
  );
  assert.equal(obj.apiVersion, 'scrape.flotilla.dev/v1alpha1');
  assert.equal(obj.spec.replicas, 1);
  const bad = await server.kubectl(['create', '-f', '-'], {
    stdin: target(
      'old-bad',
      VALID.replace('  jobLabel: web', '  jobLabel: web\n  replicas: 11'),
      'scrape.flotilla.dev/v1beta1',
    ),
  });
  assert.match(
    bad.stderr,
    /spec\.replicas: Invalid value: 11: spec\.replicas in body should be less than or equal to 10/,
  );
});

test('status writes are validated against the status schema', async () => {
  const bad = await server.kubectl([
    'patch',
    'st',
    'web',
    '--subresource=status',
    '--type=merge',
    '-p',
    '{"status":{"conditions":[{"type":"Ready","status":"Maybe"}],"targets":-2}}',
  ]);
  assert.notEqual(bad.code, 0);
  assert.match(
    bad.stderr,
    /status\.conditions\[0\]\.status: Unsupported value: "Maybe": supported values: "True", "False", "Unknown"/,
  );
  assert.match(
    bad.stderr,
    /status\.targets: Invalid value: -2: status\.targets in body should be greater than or equal to 0/,
  );
  ok(
    await server.kubectl([
      'patch',
      'st',
      'web',
      '--subresource=status',
      '--type=merge',
      '-p',
      '{"status":{"conditions":[{"type":"Ready","status":"True","lastTransitionTime":"2026-01-02T03:04:05Z"}]}}',
    ]),
  );
  assert.match(
    ok(await server.kubectl(['get', 'st', 'web'])),
    /^NAME\s+JOB\s+REPLICAS\s+READY\s+AGE\nweb\s+web\s+1\s+True\s+/,
  );
});

test('server-side apply merges list-type=map entries of two managers by their keys', async () => {
  const mine = target('shared', `  selector: {matchLabels: {app: a}}\n  endpoints:\n  - port: http\n`);
  const theirs = `apiVersion: scrape.flotilla.dev/v1
kind: ScrapeTarget
metadata: {name: shared, namespace: default}
spec:
  endpoints:
  - port: metrics
    interval: 10s
`;
  ok(await server.kubectl(['apply', '--server-side', '--field-manager=alice', '-f', '-'], { stdin: mine }));
  ok(await server.kubectl(['apply', '--server-side', '--field-manager=bob', '-f', '-'], { stdin: theirs }));
  const obj = JSON.parse(ok(await server.kubectl(['get', 'st', 'shared', '-o', 'json'])));
  assert.deepEqual(
    obj.spec.endpoints.map((e: { port: string; interval: string }) => `${e.port}/${e.interval}`),
    ['http/30s', 'metrics/10s'],
  );
  // Bob's apply without his entry removes only his own.
  ok(
    await server.kubectl(['apply', '--server-side', '--field-manager=bob', '-f', '-'], {
      stdin: theirs.replace('  endpoints:\n  - port: metrics\n    interval: 10s\n', '  jobLabel: bob\n'),
    }),
  );
  const after = JSON.parse(ok(await server.kubectl(['get', 'st', 'shared', '-o', 'json'])));
  assert.deepEqual(
    after.spec.endpoints.map((e: { port: string }) => e.port),
    ['http'],
  );
});

test('kubectl explain reads the published schema', async () => {
  const out = ok(await server.kubectl(['explain', 'scrapetargets.spec.endpoints']));
  // The preferred version (v1, by Kubernetes' version priority) is explained.
  assert.match(out, /GROUP:\s+scrape\.flotilla\.dev\nKIND:\s+ScrapeTarget\nVERSION:\s+v1\n/);
  assert.match(out, /One endpoint to scrape\./);
  assert.match(out, /port\s+<string> -required-/);
  assert.match(out, /tlsConfig\s+<Object>/);
  const top = ok(await server.kubectl(['explain', 'st']));
  assert.match(top, /ScrapeTarget \(v1\) tells the scraper which Services to scrape\./);
});

test('kubectl 1.27 explains from the protobuf /openapi/v2 document too', async () => {
  const out = ok(
    await server.kubectl(['explain', 'scrapetargets.spec.endpoints.tlsConfig'], {
      version: '1.27',
      env: { KUBECTL_EXPLAIN_OPENAPIV3: 'false' },
    }),
  );
  assert.match(out, /KIND:\s+ScrapeTarget/);
  assert.match(out, /TLS settings of the scrape connection\./);
  assert.match(out, /minVersion\s+<string>/);
});

test('a default added to the CRD later shows on read of objects stored before', async () => {
  const crd = JSON.parse(CRD_TEXT.replace(/^#.*\n/gm, ''));
  const v1 = crd.spec.versions.find((v: { name: string }) => v.name === 'v1');
  v1.schema.openAPIV3Schema.properties.spec.properties.jobLabel.default = 'unnamed';
  ok(
    await server.kubectl(['create', '-f', '-'], {
      stdin: target('nolabel', '  selector: {}\n  endpoints: [{port: x}]\n'),
    }),
  );
  assert.equal(JSON.parse(ok(await server.kubectl(['get', 'st', 'nolabel', '-o', 'json']))).spec.jobLabel, undefined);
  ok(await server.kubectl(['apply', '-f', '-'], { stdin: JSON.stringify(crd) }));
  await eventually(async () => {
    const r = await server.kubectl(['get', 'st', 'nolabel', '-o', 'json']);
    return r.code === 0 && JSON.parse(r.stdout).spec.jobLabel === 'unnamed';
  }, 'the new default on read');
});

/**
 * The same big CRD under another group with CEL rules at depth, as operators add them: on the
 * spec (a count), on each endpoint (a field pair), on each relabeling inside an endpoint (an
 * action that needs a target), and a transition rule (jobLabel immutable). Defaults apply before
 * the rules run, as in kube-apiserver (the endpoint's scheme defaults to http).
 */
function bigCrdWithRules(): string {
  const crd = JSON.parse(
    CRD_TEXT.split('\n')
      .filter((l) => !l.startsWith('#'))
      .join('\n'),
  );
  crd.metadata.name = 'scrapetargets.rules.flotilla.dev';
  crd.spec.group = 'rules.flotilla.dev';
  const v1 = crd.spec.versions.find((v: { name: string }) => v.name === 'v1');
  const spec = v1.schema.openAPIV3Schema.properties.spec;
  spec['x-kubernetes-validations'] = [{ rule: 'size(self.endpoints) <= 8', message: 'at most 8 endpoints' }];
  const endpoint = spec.properties.endpoints.items;
  endpoint['x-kubernetes-validations'] = [
    { rule: "!has(self.tlsConfig) || self.scheme == 'https'", message: 'tlsConfig needs scheme https' },
  ];
  endpoint.properties.relabelings.items['x-kubernetes-validations'] = [
    {
      rule: "self.action != 'replace' || has(self.targetLabel)",
      messageExpression: "'action ' + self.action + ' needs a targetLabel'",
    },
  ];
  spec.properties.jobLabel['x-kubernetes-validations'] = [
    { rule: 'self == oldSelf', message: 'jobLabel is immutable' },
  ];
  return JSON.stringify(crd);
}

test('CEL rules at depth in the big CRD: each refusal names its field; a transition rule guards an update', async () => {
  ok(await server.kubectl(['apply', '-f', '-'], { stdin: bigCrdWithRules() }));
  ok(
    await server.kubectl([
      'wait',
      '--for=condition=Established',
      'crd/scrapetargets.rules.flotilla.dev',
      '--timeout=20s',
    ]),
  );
  const ruled = (name: string, spec: string) => target(name, spec, 'rules.flotilla.dev/v1');
  const httpsValid = VALID.replace('  - port: http\n', '  - port: http\n    scheme: https\n');
  await eventually(
    async () => (await server.kubectl(['apply', '-f', '-'], { stdin: ruled('good', httpsValid) })).code === 0,
    'a valid object of the ruled CRD to be accepted',
  );

  // The endpoint's scheme defaults to http, and http with tlsConfig breaks the endpoint's rule.
  const noScheme = await server.kubectl(['create', '-f', '-'], { stdin: ruled('tls-http', VALID) });
  assert.notEqual(noScheme.code, 0);
  assert.match(noScheme.stderr, /spec\.endpoints\[0\]: Invalid value: "object": tlsConfig needs scheme https/);

  const relabel = httpsValid.replace('      targetLabel: pod\n', '');
  const noTarget = await server.kubectl(['create', '-f', '-'], { stdin: ruled('no-target', relabel) });
  assert.notEqual(noTarget.code, 0);
  assert.match(
    noTarget.stderr,
    /spec\.endpoints\[0\]\.relabelings\[0\]: Invalid value: "object": action replace needs a targetLabel/,
  );

  const many = `${httpsValid.split('  podTemplate:')[0]}${Array.from(
    { length: 8 },
    (_, i) => `  - port: extra${i}\n    targetPort: ${9000 + i}\n`,
  ).join('')}`;
  const tooMany = await server.kubectl(['create', '-f', '-'], { stdin: ruled('too-many', many) });
  assert.notEqual(tooMany.code, 0);
  assert.match(tooMany.stderr, /spec: Invalid value: "object": at most 8 endpoints/);

  const changed = await server.kubectl([
    'patch',
    'scrapetargets.rules.flotilla.dev',
    'good',
    '--type=merge',
    '-p',
    '{"spec":{"jobLabel":"other"}}',
  ]);
  assert.notEqual(changed.code, 0);
  assert.match(changed.stderr, /spec\.jobLabel: Invalid value: "string": jobLabel is immutable/);
  // Changes that keep the rules pass.
  ok(
    await server.kubectl([
      'patch',
      'scrapetargets.rules.flotilla.dev',
      'good',
      '--type=merge',
      '-p',
      '{"spec":{"replicas":2}}',
    ]),
  );
});
