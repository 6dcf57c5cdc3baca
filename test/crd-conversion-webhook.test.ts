/**
 * CRD conversion through a webhook, with the real kubectl: a v1/v2 CRD whose versions differ in
 * shape (v1 `spec.host` + `spec.port`, v2 `spec.address: "host:port"`), stored in v1, converted by
 * a TLS ConversionReview server in this test (127.0.0.1, url clientConfig, caBundle from a test CA).
 * Create, get, list (one review for all items), watch, patch, replace and delete in either version;
 * the CRD's conversion settings validated; a failing webhook answered with Kubernetes' error.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { startTestServer, type TestServer } from './helpers/cluster.js';
import { ok } from './helpers/kubectl.js';
import { eventually } from './helpers/wait-until.js';
import { issueCa, issueLeaf } from '../src/machinery/pki/issue-certs.js';

let server: TestServer;
let webhook: Server;
let port = 0;
let caBundle = '';
/** What the webhook does: convert, or fail every review with a message. */
let mode: 'convert' | 'fail' = 'convert';
let lastReviewApiVersion = '';
/** Every ConversionReview request received. */
const reviews: { desiredAPIVersion: string; objects: Record<string, unknown>[] }[] = [];

type Obj = { apiVersion: string; kind: string; metadata: Record<string, unknown>; spec?: Record<string, unknown> };

/** The test's converter: v1 {host, port} <-> v2 {address: "host:port"}; status and metadata kept. */
function convert(obj: Obj, desired: string): Obj {
  const spec = { ...(obj.spec ?? {}) };
  if (desired === 'conv.test/v2' && obj.apiVersion === 'conv.test/v1') {
    spec.address = `${spec.host}:${spec.port}`;
    delete spec.host;
    delete spec.port;
  } else if (desired === 'conv.test/v1' && obj.apiVersion === 'conv.test/v2') {
    const [host, p] = String(spec.address ?? ':').split(':');
    spec.host = host;
    spec.port = Number(p);
    delete spec.address;
  }
  return { ...obj, apiVersion: desired, spec };
}

before(async () => {
  const ca = await issueCa(1);
  const leaf = await issueLeaf(ca, {
    subject: 'CN=conv',
    usage: 'server',
    names: { dns: ['conv.conv-system.svc'], ips: ['127.0.0.1'] },
    validDays: 1,
  });
  caBundle = Buffer.from(ca.cert).toString('base64');
  webhook = createServer({ cert: leaf.cert, key: leaf.key }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const review = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      const request = review.request as { uid: string; desiredAPIVersion: string; objects: Obj[] };
      reviews.push({ desiredAPIVersion: request.desiredAPIVersion, objects: request.objects });
      lastReviewApiVersion = review.apiVersion;
      const response =
        mode === 'fail'
          ? { uid: request.uid, result: { status: 'Failure', message: 'the converter is down for maintenance' } }
          : {
              uid: request.uid,
              result: { status: 'Success' },
              convertedObjects: request.objects.map((o) => convert(o, request.desiredAPIVersion)),
            };
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ apiVersion: review.apiVersion, kind: 'ConversionReview', response }));
    });
  });
  await new Promise<void>((resolve) => webhook.listen(0, '127.0.0.1', resolve));
  port = (webhook.address() as AddressInfo).port;
  server = await startTestServer({ readyTimeoutMs: 60_000 });
});

after(async () => {
  await server?.stop();
  webhook?.closeAllConnections();
  await new Promise<void>((resolve) => (webhook ? webhook.close(() => resolve()) : resolve()));
});

function crd(conversion: string): string {
  return `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: gadgets.conv.test}
spec:
  group: conv.test
  scope: Namespaced
  names: {plural: gadgets, singular: gadget, kind: Gadget}
  conversion:
${conversion}
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
            properties:
              host: {type: string}
              port: {type: integer}
    additionalPrinterColumns:
    - {name: Host, type: string, jsonPath: .spec.host}
  - name: v2
    served: true
    storage: false
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              address: {type: string}
    additionalPrinterColumns:
    - {name: Address, type: string, jsonPath: .spec.address}
`;
}

const webhookConversion = () => `    strategy: Webhook
    webhook:
      conversionReviewVersions: [v1]
      clientConfig:
        url: https://127.0.0.1:${port}/convert
        caBundle: ${caBundle}`;

test('the CRD conversion settings are validated with Kubernetes messages', async () => {
  const cases: [string, string][] = [
    [
      '    strategy: Webhook',
      'spec.conversion.webhookClientConfig: Required value: required when strategy is set to Webhook',
    ],
    [
      `    strategy: Webhook
    webhook:
      conversionReviewVersions: [v1]
      clientConfig: {url: "http://127.0.0.1/convert"}`,
      `spec.conversion.webhookClientConfig.url: Invalid value: "http": 'https' is the only allowed URL scheme`,
    ],
    [
      `    strategy: Webhook
    webhook:
      conversionReviewVersions: [v9]
      clientConfig: {service: {name: conv, namespace: default}}`,
      'spec.conversion.conversionReviewVersions: Invalid value: ["v9"]: must include at least one of v1, v1beta1',
    ],
    [
      `    strategy: Webhook
    webhook:
      conversionReviewVersions: [v1]
      clientConfig: {}`,
      'spec.conversion.webhookClientConfig: Required value: exactly one of url or service is required',
    ],
    ['    strategy: Sideways', 'spec.conversion.strategy: Unsupported value: "Sideways"'],
  ];
  for (const [conversion, message] of cases) {
    const r = await server.kubectl(['apply', '-f', '-'], { stdin: crd(conversion) });
    assert.notEqual(r.code, 0, conversion);
    assert.ok(r.stderr.includes(message), `${message}\n${r.stderr}`);
  }
});

test('objects move between versions through the webhook on every path', async () => {
  ok(await server.kubectl(['apply', '-f', '-'], { stdin: crd(webhookConversion()) }));
  ok(await server.kubectl(['wait', '--for=condition=Established', 'crd/gadgets.conv.test', '--timeout=30s']));

  // Created in v2 (the preferred version): stored in v1 through the webhook; the reply in v2.
  reviews.length = 0;
  const created = JSON.parse(
    ok(
      await server.kubectl(['create', '-o', 'json', '-f', '-'], {
        stdin: 'apiVersion: conv.test/v2\nkind: Gadget\nmetadata: {name: alpha}\nspec: {address: "alpha.local:8080"}\n',
      }),
    ),
  );
  assert.deepEqual(created.spec, { address: 'alpha.local:8080' });
  assert.equal(created.apiVersion, 'conv.test/v2');
  assert.ok(
    reviews.some((r) => r.desiredAPIVersion === 'conv.test/v1'),
    'the create was converted to storage',
  );

  // Read in either version.
  const v1 = JSON.parse(ok(await server.kubectl(['get', 'gadgets.v1.conv.test', 'alpha', '-o', 'json'])));
  assert.deepEqual(v1.spec, { host: 'alpha.local', port: 8080 });
  const v2 = JSON.parse(ok(await server.kubectl(['get', 'gadgets.v2.conv.test', 'alpha', '-o', 'json'])));
  assert.deepEqual(v2.spec, { address: 'alpha.local:8080' });
  assert.match(ok(await server.kubectl(['get', 'gadgets', 'alpha'])), /ADDRESS[\s\S]*alpha\.local:8080/);

  // Created in v1: no review on the way in (already the storage version).
  ok(
    await server.kubectl(['create', '-f', '-'], {
      stdin: `apiVersion: conv.test/v1
kind: Gadget
metadata: {name: beta}
spec: {host: beta.local, port: 81}
---
apiVersion: conv.test/v1
kind: Gadget
metadata: {name: gamma}
spec: {host: gamma.local, port: 82}
`,
    }),
  );

  // A list in v2: one ConversionReview carrying every item.
  reviews.length = 0;
  const list = JSON.parse(ok(await server.kubectl(['get', 'gadgets.v2.conv.test', '-o', 'json'])));
  assert.deepEqual(
    list.items.map((i: Obj) => i.spec?.address),
    ['alpha.local:8080', 'beta.local:81', 'gamma.local:82'],
  );
  const listReviews = reviews.filter((r) => r.desiredAPIVersion === 'conv.test/v2');
  assert.equal(listReviews.length, 1, JSON.stringify(reviews));
  assert.equal(listReviews[0]?.objects.length, 3);
  // The table of the list in v2 shows v2's printer column.
  assert.match(ok(await server.kubectl(['get', 'gadgets'])), /beta\.local:81/);

  // A watch in v2 replays a change made through a merge patch in v2.
  const rv = JSON.parse(ok(await server.kubectl(['get', '--raw', '/apis/conv.test/v2/namespaces/default/gadgets'])))
    .metadata.resourceVersion;
  ok(
    await server.kubectl(['patch', 'gadget', 'beta', '--type=merge', '-p', '{"spec":{"address":"beta.example:9090"}}']),
  );
  const watch = ok(
    await server.kubectl([
      'get',
      '--raw',
      `/apis/conv.test/v2/namespaces/default/gadgets?watch=true&resourceVersion=${rv}&timeoutSeconds=2`,
    ]),
  );
  const events = watch
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { type: string; object: Obj });
  const modified = events.find((e) => e.type === 'MODIFIED' && e.object.metadata.name === 'beta');
  assert.ok(modified, watch);
  assert.equal(modified.object.apiVersion, 'conv.test/v2');
  assert.deepEqual(modified.object.spec, { address: 'beta.example:9090' });
  // Stored in v1 as the webhook converted it.
  const betaV1 = JSON.parse(ok(await server.kubectl(['get', 'gadgets.v1.conv.test', 'beta', '-o', 'json'])));
  assert.deepEqual(betaV1.spec, { host: 'beta.example', port: 9090 });

  // A watch of the initial state (kubectl get -w's single-object form) in v2.
  const initial = ok(
    await server.kubectl([
      'get',
      '--raw',
      '/apis/conv.test/v2/namespaces/default/gadgets?watch=true&fieldSelector=metadata.name%3Dgamma&timeoutSeconds=1',
    ]),
  );
  assert.deepEqual(JSON.parse(initial.trim().split('\n')[0] ?? '{}').object.spec, { address: 'gamma.local:82' });

  // Replace in v2 (GET, edit, PUT) and server-side apply in v2.
  const gamma = JSON.parse(ok(await server.kubectl(['get', 'gadget', 'gamma', '-o', 'json'])));
  gamma.spec.address = 'gamma.example:7070';
  ok(await server.kubectl(['replace', '-f', '-'], { stdin: JSON.stringify(gamma) }));
  ok(
    await server.kubectl(['apply', '--server-side', '-f', '-'], {
      stdin: 'apiVersion: conv.test/v2\nkind: Gadget\nmetadata: {name: delta}\nspec: {address: "delta.local:83"}\n',
    }),
  );
  const both = JSON.parse(ok(await server.kubectl(['get', 'gadgets.v1.conv.test', 'gamma', 'delta', '-o', 'json'])));
  assert.deepEqual(
    both.items.map((i: Obj) => i.spec),
    [
      { host: 'gamma.example', port: 7070 },
      { host: 'delta.local', port: 83 },
    ],
  );

  // Delete in v2 (kubectl waits for the object to go); the raw reply is the object in v2.
  assert.match(ok(await server.kubectl(['delete', 'gadget', 'delta'])), /gadget\.conv\.test "delta" deleted/);
  const raw = JSON.parse(
    ok(await server.kubectl(['delete', '--raw', '/apis/conv.test/v2/namespaces/default/gadgets/gamma'])),
  );
  assert.equal(raw.apiVersion, 'conv.test/v2');
  assert.deepEqual(raw.spec, { address: 'gamma.example:7070' });
});

test('the webhook reached through a Service (its EndpointSlice) converts too', async () => {
  ok(
    await server.kubectl(['apply', '-f', '-'], {
      stdin: `apiVersion: v1
kind: Namespace
metadata: {name: conv-system}
---
apiVersion: v1
kind: Service
metadata: {name: conv, namespace: conv-system}
spec:
  ports: [{name: https, port: 443, targetPort: ${port}}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: conv-1
  namespace: conv-system
  labels: {kubernetes.io/service-name: conv}
addressType: IPv4
ports: [{name: https, port: ${port}, protocol: TCP}]
endpoints: [{addresses: [127.0.0.1], conditions: {ready: true}}]
`,
    }),
  );
  ok(
    await server.kubectl(['apply', '-f', '-'], {
      stdin: crd(`    strategy: Webhook
    webhook:
      conversionReviewVersions: [v1beta1, v1]
      clientConfig:
        service: {namespace: conv-system, name: conv, path: /convert}
        caBundle: ${caBundle}`),
    }),
  );
  const stored = JSON.parse(ok(await server.kubectl(['get', 'crd', 'gadgets.conv.test', '-o', 'json'])));
  assert.equal(stored.spec.conversion.webhook.clientConfig.service.port, 443, 'port defaulted');
  reviews.length = 0;
  await eventually(async () => {
    const r = await server.kubectl(['get', 'gadgets.v2.conv.test', 'alpha', '-o', 'json']);
    return r.code === 0 && JSON.parse(r.stdout).spec.address === 'alpha.local:8080';
  }, 'alpha read in v2 through the Service');
  assert.ok(reviews.length > 0);
  // The CRD listed v1beta1 first: the review went as apiextensions.k8s.io/v1beta1.
  assert.equal(lastReviewApiVersion, 'apiextensions.k8s.io/v1beta1');
  ok(await server.kubectl(['apply', '-f', '-'], { stdin: crd(webhookConversion()) }));
});

test('a failing webhook gives Kubernetes error on reads and writes', async () => {
  mode = 'fail';
  try {
    const get = await server.kubectl(['get', 'gadgets.v2.conv.test', 'alpha']);
    assert.notEqual(get.code, 0);
    assert.ok(
      get.stderr.includes(
        'Error from server: conversion webhook for conv.test/v1, Kind=Gadget failed: the converter is down for maintenance',
      ),
      get.stderr,
    );
    const list = await server.kubectl(['get', 'gadgets.v2.conv.test']);
    assert.notEqual(list.code, 0);
    assert.ok(list.stderr.includes('conversion webhook for conv.test/v1, Kind=Gadget failed'), list.stderr);
    const create = await server.kubectl(['create', '-f', '-'], {
      stdin: 'apiVersion: conv.test/v2\nkind: Gadget\nmetadata: {name: omega}\nspec: {address: "o:1"}\n',
    });
    assert.notEqual(create.code, 0);
    assert.ok(
      create.stderr.includes('conversion webhook for conv.test/v2, Kind=Gadget failed: the converter is down'),
      create.stderr,
    );
    // Reads in the storage version need no webhook.
    assert.match(ok(await server.kubectl(['get', 'gadgets.v1.conv.test', 'alpha'])), /alpha\.local/);
    // A dead webhook: Go's connection error text.
    webhook.closeAllConnections();
    await new Promise<void>((resolve) => webhook.close(() => resolve()));
    const dead = await server.kubectl(['get', 'gadgets.v2.conv.test', 'alpha']);
    assert.notEqual(dead.code, 0);
    assert.match(
      dead.stderr,
      /conversion webhook for conv\.test\/v1, Kind=Gadget failed: Post "https:\/\/127\.0\.0\.1:\d+\/convert\?timeout=30s": dial tcp 127\.0\.0\.1:\d+: connect: connection refused/,
    );
  } finally {
    mode = 'convert';
  }
  await eventually(
    async () => (await server.kubectl(['get', 'crd', 'gadgets.conv.test'])).code === 0,
    'crd still there',
  );
});
