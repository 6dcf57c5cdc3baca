/**
 * The Gateway API on the node's proxy (HAProxy) end to end, from a client network namespace:
 *
 *   client netns flt-in-<hex> (10.78.R.2) --veth--> host (10.78.R.1 = the node's InternalIP)
 *     --> HAProxy on 10.78.R.1:80/443 (Gateway listeners) --> pod IPs
 *
 * A real kubectl applies a Gateway of the built-in class `flotilla` and HTTPRoutes; the test checks
 * the status conditions the controller writes (class, Gateway, listeners, route parents with the
 * conformance reasons), routing by path, header, query and method, a 90/10 weighted split and a
 * weight change through the runtime API (no reload), a redirect, request and response header
 * filters, and TLS from a Secret chosen by SNI. Pods run busybox httpd: their host name at / and
 * /split, a CGI that echoes request headers. Runs as root; removes what it made.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runCommand } from '../src/machinery/exec/run-command.js';
import { issueCa, issueLeaf } from '../src/machinery/pki/issue-certs.js';
import type { RunningNode } from '../src/server/start-node.js';
import type { TestServer } from './helpers/cluster.js';
import { clientNetns } from './helpers/client-netns.js';
import { startRealNode, type RealNode } from './helpers/real-node.js';
import { untilWith } from './helpers/wait-until.js';

const client = clientNetns('g', 78);
const { netns: NETNS, nodeIP: NODE_IP } = client;
let node: RealNode | undefined;
let server: TestServer;

before(async () => {
  await client.create();
  node = await startRealNode({
    name: 'gateway-test',
    // Certificates from Secrets need a proxy identity that may read them (see ingress-node-rbac.test.ts).
    server: { extraArgs: ['--authorization-mode', 'AlwaysAllow'] },
    agent: {
      nodeIP: NODE_IP,
      serverPort: 0,
      dns: false,
      nodeRoutes: false,
      ingress: { bindAddress: NODE_IP, httpPort: 80, httpsPort: 443, metricsPort: 0 },
    },
  });
  server = node.server;
});

after(async () => {
  await server?.kubectl(['delete', 'deployment', 'v1', 'v2', '--wait=false']).catch(() => undefined);
  await node?.agent.stop();
  await client.remove();
  await node?.stop();
});

const ingressOf = () => (node?.agent as RunningNode | undefined)?.ingress ?? assert.fail('the node proxy runs');
const until = untilWith({ timeoutMs: 60_000, intervalMs: 200, retryErrors: true });

const HTTPD =
  'mkdir -p /www/cgi-bin; for f in index.html split exact; do hostname > /www/$f; done; ' +
  `printf '#!/bin/sh\\necho Content-Type: text/plain\\necho\\necho "x-env=$HTTP_X_ENV x-drop=$HTTP_X_DROP"\\n' > /www/cgi-bin/h; chmod +x /www/cgi-bin/h; ` +
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
---
apiVersion: v1
kind: Service
metadata: { name: ${name}, namespace: default }
spec:
  selector: { app: ${name} }
  ports: [{ name: http, port: 8080, targetPort: 8080 }]
`;

const GATEWAY = `
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: gw, namespace: default }
spec:
  gatewayClassName: flotilla
  listeners:
  - { name: http, port: 80, protocol: HTTP, hostname: '*.gw.example' }
  - name: https
    port: 443
    protocol: HTTPS
    hostname: secure.gw.example
    tls: { certificateRefs: [{ name: secure-tls }] }
`;

const routes = (splitV1: number, splitV2: number) => `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: app, namespace: default }
spec:
  parentRefs: [{ name: gw }]
  hostnames: [app.gw.example, secure.gw.example]
  rules:
  - matches: [{ path: { type: Exact, value: /exact } }]
    backendRefs: [{ name: v2, port: 8080 }]
  - matches: [{ headers: [{ name: x-version, value: v2 }] }]
    backendRefs: [{ name: v2, port: 8080 }]
  - matches: [{ queryParams: [{ name: canary, value: 'yes' }], method: GET }]
    backendRefs: [{ name: v2, port: 8080 }]
  - matches: [{ path: { type: PathPrefix, value: /split } }]
    backendRefs: [{ name: v1, port: 8080, weight: ${splitV1} }, { name: v2, port: 8080, weight: ${splitV2} }]
  - matches: [{ path: { type: PathPrefix, value: /old } }]
    filters:
    - type: RequestRedirect
      requestRedirect: { scheme: https, hostname: new.gw.example, statusCode: 301 }
  - matches: [{ path: { type: PathPrefix, value: /cgi-bin } }]
    filters:
    - type: RequestHeaderModifier
      requestHeaderModifier: { set: [{ name: x-env, value: from-gateway }], remove: [x-drop] }
    - type: ResponseHeaderModifier
      responseHeaderModifier: { add: [{ name: x-served-by, value: flotilla }] }
    backendRefs: [{ name: v1, port: 8080 }]
  - backendRefs: [{ name: v1, port: 8080 }]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: lost, namespace: default }
spec:
  parentRefs: [{ name: gw, sectionName: http }]
  hostnames: [elsewhere.example]
  rules: [{ backendRefs: [{ name: v1, port: 8080 }] }]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: missing, namespace: default }
spec:
  parentRefs: [{ name: gw, sectionName: http }]
  hostnames: [missing.gw.example]
  rules: [{ backendRefs: [{ name: nope, port: 8080 }] }]
`;

/** curl inside the client namespace: status, headers and body. */
async function curl(args: string[]): Promise<{ code: number; headers: string; body: string; err: string }> {
  const r = await runCommand(
    'ip',
    ['netns', 'exec', NETNS, 'curl', '-sS', '--max-time', '5', '-D', '/dev/stderr', '-w', '\n%{http_code}', ...args],
    { allowFailure: true },
  );
  const lines = r.stdout.trimEnd().split('\n');
  const code = Number(lines.pop() ?? 0);
  return { code, headers: r.stderr, body: lines.join('\n').trim(), err: r.stderr };
}
const get = (host: string, path: string, extra: string[] = []) =>
  curl(['-H', `Host: ${host}`, ...extra, `http://${NODE_IP}${path}`]);

async function podNames(app: string): Promise<string[]> {
  const r = await server.kubectl(['get', 'pods', '-l', `app=${app}`, '-o', 'jsonpath={.items[*].metadata.name}']);
  return r.stdout.trim().split(/\s+/).filter(Boolean);
}
async function kubectlOk(args: string[], stdin?: string): Promise<string> {
  const r = await server.kubectl(args, stdin === undefined ? {} : { stdin });
  assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}
const json = async (args: string[]) => JSON.parse(await kubectlOk([...args, '-o', 'json']));
const condOf = (conds: { type: string; status: string; reason: string }[] | undefined, type: string) => {
  const c = (conds ?? []).find((x) => x.type === type);
  return c ? `${c.status}:${c.reason}` : 'none';
};

/** `n` requests over one keep-alive connection; the answering pods' names (bodies) counted. */
async function split(n: number): Promise<Map<string, number>> {
  const urls = Array.from({ length: n }, () => `http://${NODE_IP}/split`);
  const r = await runCommand(
    'ip',
    ['netns', 'exec', NETNS, 'curl', '-sS', '--max-time', '60', '-H', 'Host: app.gw.example', '-w', '\n', ...urls],
    { allowFailure: true },
  );
  const counts = new Map<string, number>();
  for (const l of r.stdout.split('\n').filter(Boolean)) counts.set(l, (counts.get(l) ?? 0) + 1);
  return counts;
}

let v1: string[] = [];
let v2: string[] = [];

test('the GatewayClass is accepted; Gateway and routes get the conformance status conditions', async () => {
  await kubectlOk(['apply', '-f', '-'], `${deployment('v1', 2)}---${deployment('v2', 1)}`);
  // The HTTPS listener's certificate: a kubectl-made kubernetes.io/tls Secret for secure.gw.example.
  const dir = node?.dataDir ?? assert.fail('node');
  const ca = await issueCa(1);
  const leaf = await issueLeaf(ca, {
    subject: 'CN=secure.gw.example',
    usage: 'server',
    names: { dns: ['secure.gw.example'], ips: [] },
    validDays: 1,
  });
  await writeFile(join(dir, 'gw.crt'), leaf.cert);
  await writeFile(join(dir, 'gw.key'), leaf.key);
  await writeFile(join(dir, 'gw-ca.crt'), ca.cert);
  await kubectlOk([
    'create',
    'secret',
    'tls',
    'secure-tls',
    `--cert=${join(dir, 'gw.crt')}`,
    `--key=${join(dir, 'gw.key')}`,
  ]);
  await kubectlOk(['apply', '-f', '-'], `${GATEWAY}---${routes(90, 10)}`);

  await until('the GatewayClass is Accepted', async () => {
    const gc = await json(['get', 'gatewayclass', 'flotilla']);
    return condOf(gc.status?.conditions, 'Accepted') === 'True:Accepted' ? true : undefined;
  });
  const gw = await until('the Gateway is Programmed with the node address', async () => {
    const g = await json(['get', 'gateway', 'gw']);
    return condOf(g.status?.conditions, 'Programmed') === 'True:Programmed' && g.status?.addresses?.length
      ? g
      : undefined;
  });
  assert.equal(condOf(gw.status.conditions, 'Accepted'), 'True:Accepted');
  assert.deepEqual(gw.status.addresses, [{ type: 'IPAddress', value: NODE_IP }]);
  const table = await kubectlOk(['get', 'gateway', 'gw']);
  assert.match(table, new RegExp(`gw\\s+flotilla\\s+${NODE_IP.replace(/\./g, '\\.')}\\s+True`));

  const routeStatus = async (name: string) => {
    const r = await json(['get', 'httproute', name]);
    const p = r.status?.parents?.[0];
    return p ? `${condOf(p.conditions, 'Accepted')} ${condOf(p.conditions, 'ResolvedRefs')}` : 'none';
  };
  await until('route statuses', async () =>
    (await routeStatus('missing')) !== 'none' && (await routeStatus('lost')) !== 'none' ? true : undefined,
  );
  await until('app accepted', async () =>
    (await routeStatus('app')) === 'True:Accepted True:ResolvedRefs' ? true : undefined,
  );
  assert.equal(await routeStatus('lost'), 'False:NoMatchingListenerHostname True:ResolvedRefs');
  assert.equal(await routeStatus('missing'), 'True:Accepted False:BackendNotFound');
  const app = await json(['get', 'httproute', 'app']);
  assert.equal(app.status.parents[0].controllerName, 'flotilla.dev/gateway-controller');
  assert.deepEqual(app.status.parents[0].parentRef, {
    group: 'gateway.networking.k8s.io',
    kind: 'Gateway',
    name: 'gw',
  });

  const listeners = await until('listener attachedRoutes', async () => {
    const g = await json(['get', 'gateway', 'gw']);
    const ls = g.status?.listeners ?? [];
    return ls.find((l: { name: string; attachedRoutes: number }) => l.name === 'http')?.attachedRoutes === 2
      ? ls
      : undefined;
  });
  const https = listeners.find((l: { name: string }) => l.name === 'https');
  assert.equal(https.attachedRoutes, 1);
  assert.equal(condOf(https.conditions, 'ResolvedRefs'), 'True:ResolvedRefs');
  assert.equal(condOf(https.conditions, 'Programmed'), 'True:Programmed');
  assert.deepEqual(
    https.supportedKinds.map((k: { kind: string }) => k.kind),
    ['HTTPRoute', 'GRPCRoute'],
  );

  await kubectlOk(['rollout', 'status', 'deployment/v1', '--timeout=120s']);
  await kubectlOk(['rollout', 'status', 'deployment/v2', '--timeout=120s']);
  v1 = await podNames('v1');
  v2 = await podNames('v2');
  assert.equal(v1.length, 2);
  assert.equal(v2.length, 1);
});

test('routing by path, header, query and method; redirect; header filters; unmatched hosts', async () => {
  await until('both v1 pods answer / and v2 /exact', async () => {
    const a = await get('app.gw.example', '/exact');
    return a.code === 200 && a.body === v2[0] ? true : undefined;
  });
  assert.ok(v1.includes((await get('app.gw.example', '/')).body));
  assert.equal((await get('app.gw.example', '/exact/')).body === v2[0], false, 'Exact does not match /exact/');
  assert.equal((await get('app.gw.example', '/', ['-H', 'x-version: v2'])).body, v2[0]);
  assert.equal((await get('app.gw.example', '/?canary=yes')).body, v2[0]);
  // The method is part of that match: a HEAD with the same query goes to the catch-all rule (v1).
  const head = await curl(['-I', '-H', 'Host: app.gw.example', `http://${NODE_IP}/?canary=yes`]);
  assert.equal(head.code, 200);

  const redirect = await get('app.gw.example', '/old/page?x=1');
  assert.equal(redirect.code, 301);
  assert.match(redirect.headers, /location: https:\/\/new\.gw\.example\/old\/page\?x=1\r?\n/i);

  const cgi = await get('app.gw.example', '/cgi-bin/h', ['-H', 'x-env: client', '-H', 'x-drop: yes']);
  assert.equal(cgi.code, 200, cgi.err);
  assert.equal(cgi.body, 'x-env=from-gateway x-drop=');
  assert.match(cgi.headers, /x-served-by: flotilla\r?\n/i);

  // A host no route serves on this port falls to the Ingress side: its default 404.
  const other = await get('nobody.example', '/');
  assert.deepEqual([other.code, other.body], [404, 'default backend - 404']);
  // The route whose backend does not resolve answers 500 for its host.
  assert.equal((await get('missing.gw.example', '/')).code, 500);
});

test('a 90/10 weighted split, then 50/50 through the runtime API without a reload', async () => {
  const counts = await split(400);
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  assert.equal(total, 400);
  const toV1 = v1.reduce((a, p) => a + (counts.get(p) ?? 0), 0) / total;
  // HAProxy's smooth weighted round robin over 256:256:57 gives 89.98 % to v1.
  assert.ok(toV1 > 0.86 && toV1 < 0.94, `v1 share ${toV1}`);

  const pid = await ingressOf().workerPid();
  const reloads = ingressOf().stats().reloads;
  await kubectlOk(['apply', '-f', '-'], routes(50, 50));
  await until('the new weights apply', async () => {
    const c = await split(60);
    const s = v1.reduce((a, p) => a + (c.get(p) ?? 0), 0) / 60;
    return s > 0.4 && s < 0.6 ? true : undefined;
  });
  assert.equal(await ingressOf().workerPid(), pid, 'same HAProxy worker: no reload');
  assert.equal(ingressOf().stats().reloads, reloads);
});

test('TLS: the HTTPS listener serves the certificate of its Secret by SNI', async () => {
  const dir = node?.dataDir ?? assert.fail('node');
  const r = await runCommand(
    'ip',
    [
      'netns',
      'exec',
      NETNS,
      'curl',
      '-sS',
      '--max-time',
      '5',
      '--cacert',
      join(dir, 'gw-ca.crt'),
      '--resolve',
      `secure.gw.example:443:${NODE_IP}`,
      'https://secure.gw.example/exact',
    ],
    { allowFailure: true },
  );
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), v2[0]);
});
