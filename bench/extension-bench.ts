/**
 * API extension costs, against a `flotilla server` child process over HTTPS (no controllers).
 * Prints JSON.
 *   creates/s of a custom resource whose CRD has a schema and three CEL rules, beside ConfigMap
 *   creates/s in the same run                                      (goal: CR rate >= 50 % of ConfigMap's)
 *   what a validating webhook that answers at once adds to a create: ConfigMap create latency with
 *   and without it, one request at a time                          (goal: p99 added <= 5 ms)
 * Usage: node --import tsx bench/extension-bench.ts [--seconds 5] [--creates 2000]
 * The webhook is an HTTPS server in this process on 127.0.0.1 (url clientConfig, caBundle).
 */
import { Agent, createServer, request } from 'node:https';
import type { AddressInfo } from 'node:net';
import { issueCa, issueLeaf } from '../src/machinery/pki/issue-certs.js';
import { startTestServer, type TestServer } from '../test/helpers/cluster.js';

const args = process.argv.slice(2);
const opt = (name: string, def: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? (args[i + 1] ?? def) : def;
};
const seconds = Number(opt('seconds', '5'));
const sequentialCreates = Number(opt('creates', '2000'));
const concurrency = 32;
/** Reviews the webhook has answered. */
let webhookCalls = 0;

type Call = (method: string, path: string, body?: unknown) => Promise<{ status: number; ms: number }>;

function caller(server: TestServer, agent: Agent): Call {
  return (method, path, body) =>
    new Promise((resolve, reject) => {
      const data = body === undefined ? undefined : JSON.stringify(body);
      const t0 = performance.now();
      const req = request(
        `${server.url}${path}`,
        {
          method,
          agent,
          headers: {
            authorization: `Bearer ${server.token}`,
            'content-type': 'application/json',
            ...(data ? { 'content-length': Buffer.byteLength(data) } : {}),
          },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - t0 }));
        },
      );
      req.on('error', reject);
      req.end(data);
    });
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return +(s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? 0).toFixed(3);
};

/** A CRD with a structural schema and three CEL rules, as operators' CRDs look. */
const WIDGETS_CRD = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'widgets.bench.example.com' },
  spec: {
    group: 'bench.example.com',
    scope: 'Namespaced',
    names: { plural: 'widgets', kind: 'Widget' },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: {
                type: 'object',
                required: ['replicas', 'image'],
                'x-kubernetes-validations': [
                  { rule: 'self.replicas <= self.maxReplicas', message: 'replicas must not exceed maxReplicas' },
                  { rule: "self.image.contains(':')", message: 'image needs a tag' },
                  { rule: 'self.ports.all(p, p.port > 0 && p.port < 65536)', message: 'ports are 1-65535' },
                ],
                properties: {
                  replicas: { type: 'integer', minimum: 0 },
                  maxReplicas: { type: 'integer', default: 10 },
                  image: { type: 'string', maxLength: 256 },
                  ports: {
                    type: 'array',
                    maxItems: 16,
                    items: {
                      type: 'object',
                      properties: { name: { type: 'string', maxLength: 15 }, port: { type: 'integer' } },
                    },
                  },
                },
              },
            },
          },
        },
      },
    ],
  },
};

/** Creates as fast as `concurrency` requests in flight allow, for `seconds`; returns creates/s. */
async function createRate(call: Call, path: string, body: (i: number) => unknown): Promise<number> {
  let next = 0;
  let created = 0;
  const deadline = performance.now() + seconds * 1000;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        const r = await call('POST', path, body(next++));
        if (r.status !== 201) throw new Error(`create ${path}: ${r.status}`);
        created++;
      }
    }),
  );
  return Math.round(created / ((performance.now() - t0) / 1000));
}

async function until(what: string, ok: () => Promise<boolean>): Promise<void> {
  const deadline = performance.now() + 30_000;
  while (!(await ok())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function main(): Promise<void> {
  const ca = await issueCa(1);
  const leaf = await issueLeaf(ca, {
    subject: 'CN=webhook',
    usage: 'server',
    names: { dns: [], ips: ['127.0.0.1'] },
    validDays: 1,
  });
  // Allows every request at once.
  const webhook = createServer({ cert: leaf.cert, key: leaf.key }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      webhookCalls++;
      const review = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { request: { uid: string } };
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          apiVersion: 'admission.k8s.io/v1',
          kind: 'AdmissionReview',
          response: { uid: review.request.uid, allowed: true },
        }),
      );
    });
  });
  await new Promise<void>((r) => webhook.listen(0, '127.0.0.1', r));
  const webhookPort = (webhook.address() as AddressInfo).port;

  const server = await startTestServer({ extraArgs: ['--disable-controllers'], readyTimeoutMs: 60_000 });
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency, ca: server.caPem });
  const call = caller(server, agent);
  try {
    for (const ns of ['cm-rate', 'cr-rate', 'plain', 'hooked']) {
      await call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    }
    const crd = await call('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', WIDGETS_CRD);
    if (crd.status !== 201) throw new Error(`CRD: ${crd.status}`);
    const widget = (i: number) => ({
      apiVersion: 'bench.example.com/v1',
      kind: 'Widget',
      metadata: { name: `w-${i}` },
      spec: { replicas: 3, image: 'registry.example/app:1.0', ports: [{ name: 'http', port: 8080 }] },
    });
    await until('the CRD served', async () => {
      const r = await call('POST', '/apis/bench.example.com/v1/namespaces/cr-rate/widgets', widget(-1));
      return r.status === 201;
    });
    const configMap = (i: number) => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: `c-${i}` },
      data: { replicas: '3', image: 'registry.example/app:1.0', port: '8080' },
    });
    // Warm-up of both paths, not counted.
    await createRate(call, '/api/v1/namespaces/cm-rate/configmaps', (i) => configMap(1_000_000 + i));
    const configMapsPerSecond = await createRate(call, '/api/v1/namespaces/cm-rate/configmaps', configMap);
    const widgetsPerSecond = await createRate(call, '/apis/bench.example.com/v1/namespaces/cr-rate/widgets', widget);

    // Webhook round trip: one create at a time, without and then with the webhook (namespace `hooked` only).
    const sequential = async (ns: string, prefix: string) => {
      const ms: number[] = [];
      for (let i = 0; i < sequentialCreates; i++) {
        const r = await call('POST', `/api/v1/namespaces/${ns}/configmaps`, {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: `${prefix}-${i}` },
          data: { a: '1' },
        });
        if (r.status !== 201) throw new Error(`create in ${ns}: ${r.status}`);
        ms.push(r.ms);
      }
      return ms;
    };
    const hook = await call('POST', '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations', {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingWebhookConfiguration',
      metadata: { name: 'bench-allow' },
      webhooks: [
        {
          name: 'allow.bench.example.com',
          clientConfig: {
            url: `https://127.0.0.1:${webhookPort}/allow`,
            caBundle: Buffer.from(ca.cert).toString('base64'),
          },
          rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['configmaps'] }],
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'hooked' } },
          sideEffects: 'None',
          admissionReviewVersions: ['v1'],
          failurePolicy: 'Fail',
        },
      ],
    });
    if (hook.status !== 201) throw new Error(`webhook configuration: ${hook.status}`);
    await sequential('plain', 'warm');
    await until('the webhook in force', async () => {
      const before = webhookCalls;
      await call('POST', '/api/v1/namespaces/hooked/configmaps', {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { generateName: 'probe-' },
      });
      return webhookCalls > before;
    });
    // Alternating halves, so drift on the machine falls on both.
    const plain = [...(await sequential('plain', 'a')), ...(await sequential('plain', 'b'))];
    const hooked = [...(await sequential('hooked', 'a')), ...(await sequential('hooked', 'b'))];
    const p50Plain = pct(plain, 0.5);
    const p99Plain = pct(plain, 0.99);
    const p50Hooked = pct(hooked, 0.5);
    const p99Hooked = pct(hooked, 0.99);
    console.log(
      JSON.stringify(
        {
          bench: 'extension',
          creates: {
            concurrency,
            seconds,
            configMapsPerSecond,
            widgetsPerSecond,
            widgetsOverConfigMaps: +(widgetsPerSecond / configMapsPerSecond).toFixed(3),
            goal: 'widgets >= 0.5 of configmaps (schema + 3 CEL rules)',
          },
          webhookRoundTrip: {
            createsEach: plain.length,
            withoutMs: { p50: p50Plain, p99: p99Plain },
            withMs: { p50: p50Hooked, p99: p99Hooked },
            addedMs: { p50: +(p50Hooked - p50Plain).toFixed(3), p99: +(p99Hooked - p99Plain).toFixed(3) },
            goal: 'p99 added <= 5 ms',
          },
        },
        null,
        2,
      ),
    );
  } finally {
    agent.destroy();
    await server.stop();
    webhook.closeAllConnections();
    await new Promise((r) => webhook.close(r));
  }
}

await main();
