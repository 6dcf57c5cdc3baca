/**
 * The node's ingress proxy (HAProxy) end to end, from a client network namespace:
 *
 *   client netns flt-in-<hex> (10.79.R.2) --veth--> host fih<hex> (10.79.R.1 = the node's InternalIP)
 *     --> HAProxy on 10.79.R.1:80/443 (metrics :10254) --> pod IPs on bridge flt<hex>
 *
 * Pods run busybox httpd serving their host name. A real kubectl applies the Ingress of the
 * Kubernetes "Set up Ingress" tutorial; the test checks host and path routing, wildcard hosts,
 * TLS by SNI, status.loadBalancer, the Prometheus metrics, and a steady request stream that sees no
 * failure while endpoints change (runtime API, no reload) and while a new Ingress forces a reload.
 * The node comes from test/helpers/real-node.ts. Runs as root; removes the netns, veth, HAProxy,
 * bridge and containers after.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runCommand } from '../src/machinery/exec/run-command.js';
import { issueCa, issueLeaf } from '../src/machinery/pki/issue-certs.js';
import { runtimeCommand } from '../src/ingress/index.js';
import type { RunningNode } from '../src/server/start-node.js';
import type { TestServer } from './helpers/cluster.js';
import { startRealNode, type RealNode } from './helpers/real-node.js';
import { untilWith } from './helpers/wait-until.js';
import { clientNetns } from './helpers/client-netns.js';

const client = clientNetns('i', 79);
const { netns: NETNS, nodeIP: NODE_IP } = client;
let node: RealNode | undefined;
let server: TestServer;

before(async () => {
  await client.create();
  // The ingress binds only the test's veth address, so ports 80/443 collide with nothing else.
  node = await startRealNode({
    name: 'ingress-test',
    // TLS by SNI needs a proxy that may read kubernetes.io/tls Secrets, which a node may not under
    // the default Node,RBAC (ingress-node-rbac.test.ts covers that mode): this server allows all.
    server: { extraArgs: ['--authorization-mode', 'AlwaysAllow'] },
    agent: {
      nodeIP: NODE_IP,
      serverPort: 0,
      dns: false,
      nodeRoutes: false,
      ingress: { bindAddress: NODE_IP, httpPort: 80, httpsPort: 443, metricsPort: 10254 },
    },
  });
  server = node.server;
});

after(async () => {
  await node?.agent.stop();
  await client.remove();
  await node?.stop();
});

const dataDir = () => node?.dataDir ?? assert.fail('the node runs');
const ingressOf = () => (node?.agent as RunningNode | undefined)?.ingress ?? assert.fail('the ingress proxy runs');

// Each pod serves its host name at /, /v2, /exact and /x/y.
// /cgi-bin/slow answers after 3 s: a request in flight across a reload.
const HTTPD =
  'mkdir -p /www/x /www/cgi-bin; for f in index.html v2 exact x/y; do hostname > /www/$f; done; ' +
  "printf '#!/bin/sh\\necho Content-Type: text/plain\\necho\\nsleep 3\\nhostname\\n' > /www/cgi-bin/slow; chmod +x /www/cgi-bin/slow; " +
  'exec httpd -f -p 8080 -h /www';
const deployment = (name: string, replicas: number) => `
apiVersion: apps/v1
kind: Deployment
metadata: { name: ${name}, namespace: default }
spec:
  replicas: ${replicas}
  selector: { matchLabels: { app: ${name} } }
  template:
    metadata: { labels: { app: ${name} } }
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: httpd
        image: busybox
        command: ['sh', '-c', ${JSON.stringify(HTTPD)}]
        ports: [{ containerPort: 8080 }]
---
apiVersion: v1
kind: Service
metadata: { name: ${name}, namespace: default }
spec:
  selector: { app: ${name} }
  ports: [{ name: http, port: 8080, targetPort: 8080 }]
`;

// The Ingress of the Kubernetes tutorial "Set up Ingress on Minikube with the NGINX Ingress
// Controller" (example-ingress.yaml with the /v2 path it adds), without `ingressClassName: nginx`:
// the default class (flotilla) takes it.
const TUTORIAL_INGRESS = `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: example-ingress
spec:
  rules:
    - host: hello-world.example
      http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: web
                port:
                  number: 8080
          - path: /v2
            pathType: Prefix
            backend:
              service:
                name: web2
                port:
                  number: 8080
`;

const WILDCARD_INGRESS = `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: { name: wildcard, namespace: default }
spec:
  ingressClassName: flotilla
  rules:
  - host: '*.wild.example'
    http:
      paths:
      - { path: /exact, pathType: Exact, backend: { service: { name: web2, port: { name: http } } } }
      - { path: /x, pathType: ImplementationSpecific, backend: { service: { name: web, port: { number: 8080 } } } }
`;

/** One request through curl inside the client namespace: status code and body. */
async function fromClient(args: string[]): Promise<{ code: number; body: string; err: string }> {
  const r = await runCommand(
    'ip',
    ['netns', 'exec', NETNS, 'curl', '-sS', '--max-time', '5', '-w', '\n%{http_code}', ...args],
    { allowFailure: true },
  );
  const lines = r.stdout.trimEnd().split('\n');
  const code = Number(lines.pop() ?? 0);
  return { code, body: lines.join('\n').trim(), err: r.stderr.trim() };
}
const get = (host: string, path: string) => fromClient(['-H', `Host: ${host}`, `http://${NODE_IP}${path}`]);

const until = untilWith({ timeoutMs: 60_000, intervalMs: 200, retryErrors: true });

async function podNames(app: string): Promise<string[]> {
  const r = await server.kubectl(['get', 'pods', '-l', `app=${app}`, '-o', 'jsonpath={.items[*].metadata.name}']);
  return r.stdout.trim().split(/\s+/).filter(Boolean);
}

async function kubectlOk(args: string[], stdin?: string): Promise<string> {
  const r = await server.kubectl(args, stdin === undefined ? {} : { stdin });
  assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

test('the built-in IngressClass is the default; the tutorial Ingress routes by host and path and gets the node address', async () => {
  const cls = await kubectlOk(['get', 'ingressclass', 'flotilla', '-o', 'json']);
  const ic = JSON.parse(cls);
  assert.equal(ic.spec.controller, 'flotilla.dev/ingress');
  assert.equal(ic.metadata.annotations['ingressclass.kubernetes.io/is-default-class'], 'true');

  await kubectlOk(['apply', '-f', '-'], `${deployment('web', 2)}---${deployment('web2', 1)}`);
  await kubectlOk(['rollout', 'status', 'deployment/web', '--timeout=120s']);
  await kubectlOk(['rollout', 'status', 'deployment/web2', '--timeout=120s']);
  const web = await podNames('web');
  const web2 = await podNames('web2');
  assert.equal(web.length, 2);

  await kubectlOk(['apply', '-f', '-'], TUTORIAL_INGRESS);
  // DefaultIngressClass admission named the class the Ingress left out.
  assert.equal(
    (await kubectlOk(['get', 'ingress', 'example-ingress', '-o', 'jsonpath={.spec.ingressClassName}'])).trim(),
    'flotilla',
  );
  const address = await until('the Ingress address', async () => {
    const r = await server.kubectl([
      'get',
      'ingress',
      'example-ingress',
      '-o',
      'jsonpath={.status.loadBalancer.ingress[*].ip}',
    ]);
    return r.stdout.trim() === NODE_IP ? r.stdout.trim() : undefined;
  });
  assert.equal(address, NODE_IP);
  const table = await kubectlOk(['get', 'ingress', 'example-ingress']);
  assert.match(
    table,
    new RegExp(`example-ingress\\s+flotilla\\s+hello-world\\.example\\s+${NODE_IP.replace(/\./g, '\\.')}\\s+80`),
  );

  const seen = new Set<string>();
  await until('both web pods answer /', async () => {
    const r = await get('hello-world.example', '/');
    assert.equal(r.code, 200, r.err);
    seen.add(r.body);
    return seen.size === 2 ? true : undefined;
  });
  assert.deepEqual([...seen].sort(), [...web].sort());
  const v2 = await get('hello-world.example', '/v2');
  assert.deepEqual([v2.code, v2.body], [200, web2[0]]);
  // Prefix matches by path element: /v2x is not under /v2, so it goes to / (web, which has no such file).
  const v2x = await get('hello-world.example', '/v2x');
  assert.equal(v2x.code, 404);
  assert.match(v2x.body, /404/);
  assert.ok(!v2x.body.includes('default backend'), 'the pod answered, not the default backend');
  // The host header decides (port and case ignored); an unknown host gets the default backend's 404.
  assert.equal((await get('Hello-World.example:80', '/v2')).body, web2[0]);
  const other = await get('unknown.example', '/');
  assert.deepEqual([other.code, other.body], [404, 'default backend - 404']);

  // Wildcard host (one label), Exact and ImplementationSpecific (as Prefix), port by name.
  await kubectlOk(['apply', '-f', '-'], WILDCARD_INGRESS);
  await until('the wildcard Ingress is served', async () =>
    (await get('a.wild.example', '/exact')).code === 200 ? true : undefined,
  );
  assert.equal((await get('a.wild.example', '/exact')).body, web2[0]);
  assert.equal((await get('a.wild.example', '/exact/')).code, 404);
  assert.ok(web.includes((await get('b.wild.example', '/x/y')).body));
  assert.equal((await get('a.b.wild.example', '/exact')).body, 'default backend - 404');
  assert.equal((await get('wild.example', '/exact')).body, 'default backend - 404');
});

test('TLS: the certificate is chosen by SNI from kubernetes.io/tls Secrets; unknown names get the default certificate', async () => {
  const dir = node?.dataDir ?? assert.fail('node');
  const certs: Record<string, string> = {};
  for (const host of ['secure.example', 'other.example']) {
    const ca = await issueCa(1);
    const leaf = await issueLeaf(ca, {
      subject: `CN=${host}`,
      usage: 'server',
      names: { dns: [host], ips: [] },
      validDays: 1,
    });
    await writeFile(join(dir, `${host}.crt`), leaf.cert);
    await writeFile(join(dir, `${host}.key`), leaf.key);
    certs[host] = join(dir, `${host}-ca.crt`);
    await writeFile(certs[host], ca.cert);
    const name = host.split('.')[0];
    await kubectlOk([
      'create',
      'secret',
      'tls',
      `${name}-tls`,
      `--cert=${join(dir, `${host}.crt`)}`,
      `--key=${join(dir, `${host}.key`)}`,
    ]);
  }
  await kubectlOk(
    ['apply', '-f', '-'],
    `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: { name: tls, namespace: default }
spec:
  tls:
  - { hosts: [secure.example], secretName: secure-tls }
  - { hosts: [other.example], secretName: other-tls }
  rules:
  - host: secure.example
    http: { paths: [{ path: /, pathType: Prefix, backend: { service: { name: web2, port: { number: 8080 } } } }] }
  - host: other.example
    http: { paths: [{ path: /, pathType: Prefix, backend: { service: { name: web, port: { number: 8080 } } } }] }
`,
  );
  const web2 = await podNames('web2');
  const https = (host: string, ca: string) =>
    fromClient(['--cacert', ca, '--resolve', `${host}:443:${NODE_IP}`, `https://${host}/`]);
  const secure = await until('secure.example over TLS', async () => {
    const r = await https('secure.example', certs['secure.example'] ?? '');
    return r.code === 200 ? r : undefined;
  });
  assert.equal(secure.body, web2[0]);
  const other = await https('other.example', certs['other.example'] ?? '');
  assert.equal(other.code, 200, other.err);
  // The other name's CA does not verify secure.example's certificate: each name got its own.
  const crossed = await https('secure.example', certs['other.example'] ?? '');
  assert.equal(crossed.code, 0);
  assert.match(crossed.err, /certificate/i);
  const unknown = await fromClient([
    '-k',
    '-v',
    '--resolve',
    `nobody.example:443:${NODE_IP}`,
    'https://nobody.example/',
  ]);
  assert.match(unknown.err, /Flotilla Ingress Default Certificate/);
  assert.equal(unknown.code, 404);
});

test('metrics: per-backend request counts in Prometheus format on the node', async () => {
  await get('hello-world.example', '/v2');
  const r = await fromClient([`http://${NODE_IP}:10254/metrics`]);
  assert.equal(r.code, 200);
  const line = r.body
    .split('\n')
    .find((l) =>
      l.startsWith('haproxy_backend_http_responses_total{proxy="default_example-ingress_web2_8080",code="2xx"}'),
    );
  assert.ok(line, "a 2xx counter for the tutorial Ingress's web2 backend");
  assert.ok(Number(line.split(' ').pop()) >= 1);
  assert.match(
    r.body,
    /haproxy_server_http_responses_total\{proxy="default_example-ingress_web_8080",server="s1",code="2xx"\}/,
  );
});

// A client in the client namespace: sequential keep-alive GETs until stdin closes, then prints
// {"ok":N,"failed":[...]} (a failure is any status but 200 or a socket error).
const STREAM = `
const http = require('http');
const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
let ok = 0, stop = false; const failed = [];
process.stdin.on('data', () => {}); process.stdin.on('end', () => { stop = true; });
function one() {
  if (stop) { process.stdout.write(JSON.stringify({ ok, failed }) + '\\n'); process.exit(0); }
  const req = http.get({ host: process.argv[1], port: 80, path: '/', headers: { host: 'hello-world.example' }, agent, timeout: 10000 }, (res) => {
    res.resume();
    res.on('end', () => { if (res.statusCode === 200) ok++; else failed.push(res.statusCode); setImmediate(one); });
  });
  req.on('timeout', () => req.destroy(new Error('timeout')));
  req.on('error', (e) => { failed.push(String(e.message)); setImmediate(one); });
}
for (let i = 0; i < 4; i++) one();
`;

test('a steady request stream sees no failure while endpoints change (runtime API) and while a new Ingress reloads HAProxy', async () => {
  const ingress = ingressOf();
  const client = spawn('ip', ['netns', 'exec', NETNS, process.execPath, '-e', STREAM, NODE_IP], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let out = '';
  client.stdout.on('data', (d) => {
    out += String(d);
  });
  const done = new Promise<void>((resolve) => client.on('exit', () => resolve()));
  try {
    const before = ingress.stats();
    const pid = await ingress.workerPid();
    // Scale up: new pods join their backend through free server slots.
    await kubectlOk(['scale', 'deployment/web', '--replicas=4']);
    await kubectlOk(['rollout', 'status', 'deployment/web', '--timeout=120s']);
    await until('four endpoints', async () => ((await podNames('web')).length === 4 ? true : undefined));
    // Scale down: the removed pods stop while requests still flow.
    await kubectlOk(['scale', 'deployment/web', '--replicas=1']);
    await until('one web pod left', async () => ((await podNames('web')).length === 1 ? true : undefined));
    await ingress.syncNow();
    const mid = ingress.stats();
    assert.ok(mid.runtimeUpdates > before.runtimeUpdates, 'endpoint changes went through the runtime API');
    assert.equal(mid.reloads, before.reloads, 'no reload for endpoint changes');
    assert.equal(await ingress.workerPid(), pid, 'the same worker serves');
    // A slow request in flight on the old worker when the reload comes must complete.
    const slow = get('hello-world.example', '/cgi-bin/slow');
    await until('the slow request reached a pod', async () => {
      const stat = await runtimeCommand(join(dataDir(), 'ingress', 'haproxy.sock'), ['show stat']);
      const row = stat.split('\n').find((l) => l.startsWith('default_example-ingress_web_8080,BACKEND,'));
      return Number(row?.split(',')[4] ?? 0) >= 1 ? true : undefined; // scur
    });
    // A new Ingress changes the structure: a seamless reload while requests flow.
    await kubectlOk(
      ['apply', '-f', '-'],
      `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: { name: added, namespace: default }
spec:
  rules:
  - host: added.example
    http: { paths: [{ path: /, pathType: Prefix, backend: { service: { name: web2, port: { number: 8080 } } } }] }
`,
    );
    await until('the added Ingress is served', async () =>
      (await get('added.example', '/')).code === 200 ? true : undefined,
    );
    // The new worker may answer before the reload call has returned and been counted.
    await until('the new Ingress reloaded HAProxy', async () =>
      ingress.stats().reloads > before.reloads ? true : undefined,
    );
    assert.notEqual(await ingress.workerPid(), pid, 'a new worker serves');
    const slowDone = await slow;
    assert.equal(slowDone.code, 200, slowDone.err);
    assert.deepEqual([slowDone.body], await podNames('web'));
  } finally {
    client.stdin.end();
    await done;
  }
  const result = JSON.parse(out.trim()) as { ok: number; failed: unknown[] };
  assert.deepEqual(
    result.failed,
    [],
    `failed requests out of ${result.ok + result.failed.length}: ${JSON.stringify(result.failed)}`,
  );
  assert.ok(result.ok > 50, `requests completed: ${result.ok}`);
});

test('deleting the Ingresses leaves the default backend', async () => {
  await kubectlOk(['delete', 'ingress', '--all']);
  await until('the tutorial host is gone', async () => {
    const r = await get('hello-world.example', '/');
    return r.body === 'default backend - 404' ? true : undefined;
  });
});
