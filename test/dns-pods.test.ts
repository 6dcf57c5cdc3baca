/**
 * Cluster DNS end to end with real containers: server + in-process agent (own bridge, own pod /24,
 * own proxy table). The agent serves DNS on its bridge gateway:53 and DNATs 10.43.0.10:53 there;
 * a busybox httpd Deployment behind Service `web`, and a client pod (dnsPolicy ClusterFirst by
 * default) that resolves `web` through its resolv.conf search path and fetches http://web/ and
 * the FQDN through the ClusterIP. The result is read with `kubectl logs`. Runs as root; removes
 * the table, bridge and data dir.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { runCommand } from '../src/machinery/exec/run-command.js';
import type { TestServer } from './helpers/cluster.js';
import { startRealNode, type RealNode } from './helpers/real-node.js';
import { untilWith } from './helpers/wait-until.js';

let node: RealNode | undefined;
let server: TestServer;
let BRIDGE = '';
let TABLE = '';
let SUBNET = '';

before(async () => {
  node = await startRealNode({ name: 'dns-test', busybox: true });
  server = node.server;
  BRIDGE = node.bridge;
  TABLE = `flotilla-proxy-${BRIDGE}`;
  SUBNET = node.podCIDR.split('.')[2];
});

// The agent deletes its proxy table when it stops.
after(async () => {
  await node?.stop();
});

const MANIFEST = `
apiVersion: v1
kind: Namespace
metadata: { name: dnst }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: dnst }
spec:
  replicas: 2
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: httpd
        image: busybox
        command: ['sh', '-c', 'mkdir /www; echo "hello from $(hostname)" > /www/index.html; exec httpd -f -p 8080 -h /www']
        ports: [{ containerPort: 8080 }]
---
apiVersion: v1
kind: Service
metadata: { name: web, namespace: dnst }
spec:
  selector: { app: web }
  ports: [{ port: 80, targetPort: 8080 }]
`;

const CLIENT = `
apiVersion: v1
kind: Pod
metadata: { name: client, namespace: dnst }
spec:
  restartPolicy: Never
  terminationGracePeriodSeconds: 1
  containers:
  - name: c
    image: busybox
    command:
    - sh
    - -c
    - |
      echo "--resolv"; cat /etc/resolv.conf; echo "--end"
      # As tutorials do it: wget by name (the default image's wget, with and without -T).
      echo "wget=$(wget -qO- http://web)"
      echo "wget-t=$(wget -T 2 -qO- http://web.dnst.svc.cluster.local)"
      r=$(wget -T 2 -qO- http://127.0.0.1:1/ 2>&1)
      echo "wget-t-refused=$r exit $?"
      sleep 10 | nc -l -p 9000 >/dev/null &
      s=$(date +%s)
      r=$(wget -T 1 -qO- http://127.0.0.1:9000/ 2>&1)
      echo "wget-t-stalled=$r exit $? after $(($(date +%s) - s))s"
      # busybox's own nslookup (resolv.conf nameserver + search path), then nc to ip:80.
      get() { printf 'GET / HTTP/1.0\\r\\nHost: web\\r\\n\\r\\n' | nc -w 2 "$1" 80 2>&1 | tail -n 1; }
      addr() { nslookup "$1" 2>/dev/null | awk '/^Address/ && !/:53$/ { print $2 }' | head -n 1; }
      for i in $(seq 1 50); do
        a=$(addr web) && [ -n "$a" ] && break
        sleep 0.2
      done
      echo "short-addr=$a"
      echo "short=$(get "$a")"
      f=$(addr web.dnst.svc.cluster.local)
      echo "fqdn-addr=$f"
      echo "fqdn=$(get "$f")"
      echo "outside:"; nslookup nonexistent.invalid 2>&1 | tail -n 2
`;

const until = untilWith({ timeoutMs: 30_000, intervalMs: 200, retryErrors: true });

test('kube-dns Service exists; a pod reaches Service web by DNS name through the ClusterIP', async () => {
  const svc = await server.kubectl([
    'get',
    'service',
    'kube-dns',
    '-n',
    'kube-system',
    '-o',
    'jsonpath={.spec.clusterIP} {.spec.ports[*].name} {.spec.ports[*].protocol}',
  ]);
  assert.equal(svc.code, 0, svc.stderr);
  assert.equal(svc.stdout.trim(), '10.43.0.10 dns dns-tcp UDP TCP');

  const rules = await runCommand('nft', ['list', 'chain', 'ip', TABLE, 'nat-prerouting']);
  assert.match(
    rules.stdout,
    new RegExp(`iifname "${BRIDGE}" ip daddr 10\\.43\\.0\\.10 udp dport 53 dnat to 10\\.42\\.${SUBNET}\\.1:53`),
  );

  const applied = await server.kubectl(['apply', '-f', '-'], { stdin: MANIFEST });
  assert.equal(applied.code, 0, applied.stderr);
  const rollout = await server.kubectl(['-n', 'dnst', 'rollout', 'status', 'deployment/web', '--timeout=60s']);
  assert.equal(rollout.code, 0, rollout.stderr);
  const ip = (
    await server.kubectl(['-n', 'dnst', 'get', 'service', 'web', '-o', 'jsonpath={.spec.clusterIP}'])
  ).stdout.trim();

  const created = await server.kubectl(['apply', '-f', '-'], { stdin: CLIENT });
  assert.equal(created.code, 0, created.stderr);
  await until(
    'the client pod to finish',
    async () => {
      const r = await server.kubectl(['-n', 'dnst', 'get', 'pod', 'client', '-o', 'jsonpath={.status.phase}']);
      return r.stdout.trim() === 'Succeeded' || r.stdout.trim() === 'Failed' ? r.stdout.trim() : undefined;
    },
    { timeoutMs: 45_000 },
  );
  const logs = await server.kubectl(['-n', 'dnst', 'logs', 'client']);
  assert.equal(logs.code, 0, logs.stderr);
  process.stdout.write(
    logs.stdout
      .split('\n')
      .map((l) => `# ${l}\n`)
      .join(''),
  );
  const resolv = /--resolv\n([\s\S]*?)--end/.exec(logs.stdout)?.[1] ?? '';
  assert.match(resolv, /^search dnst\.svc\.cluster\.local svc\.cluster\.local cluster\.local\b/m);
  assert.match(resolv, /^nameserver 10\.43\.0\.10$/m);
  assert.equal(resolv.match(/^nameserver/gm)?.length, 1);
  assert.match(resolv, /^options ndots:5$/m);
  assert.match(logs.stdout, /^wget=hello from web-/m);
  assert.match(logs.stdout, /^wget-t=hello from web-/m);
  assert.match(
    logs.stdout,
    /^wget-t-refused=wget: can't connect to remote host \(127\.0\.0\.1\): Connection refused exit 1$/m,
  );
  assert.match(logs.stdout, /^wget-t-stalled=wget: download timed out exit 1 after [12]s$/m);
  assert.match(logs.stdout, /^short=hello from web-/m);
  assert.match(logs.stdout, /^fqdn=hello from web-/m);
  assert.match(logs.stdout, new RegExp(`^short-addr=${ip.replace(/\./g, '\\.')}$`, 'm'));
  assert.match(logs.stdout, new RegExp(`^fqdn-addr=${ip.replace(/\./g, '\\.')}$`, 'm'));
});
