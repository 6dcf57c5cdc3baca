/**
 * The ingress proxy under `--authorization-mode Node,RBAC` with the node's own certificate
 * identity (`system:node:<name>`): `flotilla:node-agent` lets it read Ingresses, classes,
 * Services and EndpointSlices, so HTTP routing works; it may not list Secrets, but the Node
 * authorizer lets every node read, by name, the TLS Secrets that served Ingresses and Gateways
 * name, so HTTPS answers with their own certificates. The endpoint is a local HTTP server named in
 * a hand-made EndpointSlice (no containers). Stops what it starts.
 */
import assert from 'node:assert/strict';
import { createServer, get, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { runCommand } from '../src/machinery/exec/run-command.js';
import { issueCa, issueLeaf } from '../src/machinery/pki/issue-certs.js';
import type { RunningNode } from '../src/server/start-node.js';
import { freePort } from './helpers/registry.js';
import { startRealNode, type RealNode } from './helpers/real-node.js';
import { untilWith } from './helpers/wait-until.js';

let node: RealNode | undefined;
let backend: Server | undefined;
let httpPort = 0;
let httpsPort = 0;

before(async () => {
  backend = createServer((_req, res) => res.end('local backend'));
  await new Promise<void>((r) => backend?.listen(0, '127.0.0.1', r));
  httpPort = await freePort();
  httpsPort = await freePort();
  node = await startRealNode({
    name: 'ingress-rbac',
    busybox: false,
    credentials: 'node-certificate',
    server: { extraArgs: ['--authorization-mode', 'Node,RBAC'] },
    agent: {
      serverPort: 0,
      dns: false,
      nodeRoutes: false,
      ingress: { bindAddress: '127.0.0.1', httpPort, httpsPort, metricsPort: 0 },
    },
  });
});

after(async () => {
  await node?.stop();
  await new Promise((r) => backend?.close(r));
});

const until = untilWith({ timeoutMs: 30_000, intervalMs: 200, retryErrors: true });

/** A kubernetes.io/tls Secret for `host` from a throwaway CA. */
async function tlsSecret(name: string, host: string): Promise<string> {
  const ca = await issueCa(1);
  const leaf = await issueLeaf(ca, {
    subject: `CN=${host}`,
    names: { dns: [host], ips: [] },
    usage: 'server',
    validDays: 1,
  });
  const b64 = (t: string) => Buffer.from(t).toString('base64');
  return `
apiVersion: v1
kind: Secret
metadata: { name: ${name}, namespace: default }
type: kubernetes.io/tls
data: { tls.crt: '${b64(leaf.cert)}', tls.key: '${b64(leaf.key)}' }
`;
}

/** The certificate subject and body HTTPS on the node's port answers for `host` (SNI). */
function curlHttps(host: string) {
  return runCommand(
    'curl',
    ['-skv', '--max-time', '5', '--resolve', `${host}:${httpsPort}:127.0.0.1`, `https://${host}:${httpsPort}/`],
    { allowFailure: true },
  );
}

function fetchText(host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port: httpPort, path: '/', headers: { host }, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => {
        body += d;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

test('a node identity under Node,RBAC routes Ingresses and serves their TLS certificate, read by name', async () => {
  const ingress = (node?.agent as RunningNode | undefined)?.ingress;
  assert.ok(ingress, 'the ingress proxy started with the node identity');
  const port = ((backend ?? assert.fail('backend')).address() as AddressInfo).port;
  const server = node?.server ?? assert.fail('server');
  const apply = await server.kubectl(['apply', '-f', '-'], {
    stdin: `
apiVersion: v1
kind: Service
metadata: { name: local, namespace: default }
spec: { ports: [{ name: http, port: 80 }] }
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: { name: local-1, namespace: default, labels: { kubernetes.io/service-name: local } }
addressType: IPv4
ports: [{ name: http, port: ${port}, protocol: TCP }]
endpoints: [{ addresses: [127.0.0.1], conditions: { ready: true } }]
---${await tlsSecret('local-tls', 'local.example')}---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: { name: local, namespace: default }
spec:
  tls: [{ hosts: [local.example], secretName: local-tls }]
  rules:
  - host: local.example
    http: { paths: [{ path: /, pathType: Prefix, backend: { service: { name: local, port: { name: http } } } }] }
`,
  });
  assert.equal(apply.code, 0, apply.stderr);
  const r = await until('the Ingress routes to the local backend', async () => {
    const x = await fetchText('local.example');
    return x.status === 200 ? x : undefined;
  });
  assert.equal(r.body, 'local backend');
  const tls = await until('HTTPS serves the Ingress certificate', async () => {
    const x = await curlHttps('local.example');
    return /subject: CN=local\.example/.test(x.stderr) ? x : undefined;
  });
  assert.doesNotMatch(tls.stderr, /Flotilla Ingress Default Certificate/);
  assert.match(tls.stdout, /local backend/);
});

test("a Gateway's HTTPS listener under Node,RBAC serves the certificate its certificateRefs name", async () => {
  const server = node?.server ?? assert.fail('server');
  const apply = await server.kubectl(['apply', '-f', '-'], {
    stdin: `${await tlsSecret('gw-tls', 'gw.example')}---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: gw, namespace: default }
spec:
  gatewayClassName: flotilla
  listeners:
  - { name: https, port: ${httpsPort}, protocol: HTTPS, hostname: gw.example, tls: { certificateRefs: [{ name: gw-tls }] } }
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: gw, namespace: default }
spec:
  parentRefs: [{ name: gw }]
  hostnames: [gw.example]
  rules: [{ backendRefs: [{ name: local, port: 80 }] }]
`,
  });
  assert.equal(apply.code, 0, apply.stderr);
  let last = '';
  const tls = await until(
    'HTTPS serves the Gateway listener certificate',
    async () => {
      const x = await curlHttps('gw.example');
      last = x.stderr;
      // The certificate and the route reach the proxy in separate updates: wait for both.
      return /subject: CN=gw\.example/.test(x.stderr) && x.stdout.includes('local backend') ? x : undefined;
    },
    {
      describe: async () => {
        const lines = last.split('\n').filter((l) => /subject|HTTP\/|error/i.test(l));
        const gateway = (await server.kubectl(['get', 'gateway', 'gw', '-o', 'yaml'])).stdout;
        return `curl: ${lines.join(' | ')}\n${gateway}`;
      },
    },
  );
  assert.match(tls.stdout, /local backend/);
});
