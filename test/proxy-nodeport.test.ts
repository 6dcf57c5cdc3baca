/**
 * NodePort, LoadBalancer, externalIPs and externalTrafficPolicy Local end to end: real server (its
 * ServiceLB controller), in-process agent with real runc pods and the real nftables proxy, kubectl.
 *
 *   client netns flt-np-<hex> (10.77.R.2) --veth--> host fnh<hex> (10.77.R.1 = the node's InternalIP)
 *     --> nodeIP:nodePort / LB ingress (= nodeIP) / externalIP --> proxy DNAT --> pod on bridge flt<hex>
 *
 * Pods run busybox httpd with a CGI answering "<pod name> <REMOTE_ADDR>", so the test sees which pod
 * answered and which source address it saw; a pod calling a ClusterIP keeps its own address (only
 * hairpin is masqueraded). Also: internalTrafficPolicy Local, sessionAffinity ClientIP, UDP conntrack
 * entries flushed when endpoints go. All traffic stays on the test's veth, netns and bridge.
 * The node comes from test/helpers/real-node.ts. Runs as root; removes the netns, veth, table, bridge
 * and containers after.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { runCommand } from '../src/machinery/exec/run-command.js';
import { deleteTable } from '../src/proxy/index.js';
import { startTestServer, type TestServer } from './helpers/cluster.js';
import { startRealNode, type RealNode } from './helpers/real-node.js';
import { quietPeriod, untilWith } from './helpers/wait-until.js';
import { clientNetns, sh } from './helpers/client-netns.js';

const client = clientNetns('n', 77);
const { netns: NETNS, nodeIP: NODE_IP, clientIP: CLIENT_IP } = client;
const EXTERNAL_IP = `10.78.${client.r}.100`;
let node: RealNode | undefined;
let server: TestServer;
let TABLE = '';

before(async () => {
  await client.create();
  // Only the externalIP goes to the node; nothing else leaves the namespace.
  await sh('ip', ['-n', NETNS, 'route', 'add', `${EXTERNAL_IP}/32`, 'via', NODE_IP]);
  // the veth address must exist before the agent starts: it is the node's InternalIP
  node = await startRealNode({
    name: 'np-test',
    agent: { nodeIP: NODE_IP, serverPort: 0, dns: false, nodeRoutes: false },
  });
  server = node.server;
  TABLE = `flotilla-proxy-${node.bridge}`;
});

after(async () => {
  await node?.agent.stop();
  if (TABLE) await deleteTable(TABLE);
  await client.remove();
  await runCommand('conntrack', ['-D', '-s', CLIENT_IP], { allowFailure: true }); // the test client's flows
  await node?.stop();
});

const CGI =
  'mkdir -p /www/cgi-bin; printf \'#!/bin/sh\\necho "Content-Type: text/plain"\\necho\\necho "$(hostname) $REMOTE_ADDR"\\n\' > /www/cgi-bin/ip; chmod +x /www/cgi-bin/ip; exec httpd -f -p 8080 -h /www';
const MANIFEST = `
apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: default }
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
        command: ['sh', '-c', ${JSON.stringify(CGI)}]
        ports: [{ containerPort: 8080 }]
---
apiVersion: v1
kind: Service
metadata: { name: np, namespace: default }
spec:
  type: NodePort
  selector: { app: web }
  externalIPs: [${EXTERNAL_IP}]
  ports: [{ name: http, port: 80, targetPort: 8080 }, { name: udp, port: 5353, targetPort: 5353, protocol: UDP }]
---
apiVersion: v1
kind: Service
metadata: { name: np-local, namespace: default }
spec:
  type: NodePort
  externalTrafficPolicy: Local
  internalTrafficPolicy: Local
  selector: { app: web }
  ports: [{ port: 80, targetPort: 8080 }]
---
apiVersion: v1
kind: Service
metadata: { name: lb, namespace: default }
spec:
  type: LoadBalancer
  selector: { app: web }
  ports: [{ port: 8081, targetPort: 8080 }]
---
apiVersion: v1
kind: Service
metadata: { name: remote-only, namespace: default }
spec:
  type: NodePort
  externalTrafficPolicy: Local
  internalTrafficPolicy: Local
  ports: [{ port: 80 }]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: { name: remote-only-1, namespace: default, labels: { kubernetes.io/service-name: remote-only } }
addressType: IPv4
ports: [{ name: '', port: 8080, protocol: TCP }]
endpoints: [{ addresses: [10.42.199.9], nodeName: some-other-node, conditions: { ready: true } }]
`;

/** GET through curl inside the client namespace: "<pod> <remote addr>", or the curl error. */
async function fromClient(url: string, timeoutS = 3): Promise<{ ok: boolean; body: string; code: number }> {
  const r = await runCommand('ip', ['netns', 'exec', NETNS, 'curl', '-sS', '--max-time', String(timeoutS), url], {
    allowFailure: true,
  });
  // httpd listens on IPv6 too and reports IPv4 clients as [::ffff:a.b.c.d].
  const body = (r.stdout.trim() || r.stderr.trim()).replace(/\[::ffff:([\d.]+)\]/, '$1');
  return { ok: r.code === 0, body, code: r.code };
}

/** Polls `fn` (errors mean "not yet") until it returns a value. */
const until = untilWith({ timeoutMs: 30_000, intervalMs: 200, retryErrors: true });

async function jsonpath(kind: string, name: string, path: string): Promise<string> {
  const r = await server.kubectl(['get', kind, name, '-o', `jsonpath={${path}}`]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim();
}

test('NodePort, LoadBalancer and externalIP reach the pods from a client namespace; externalTrafficPolicy Local keeps the client address', async () => {
  const applied = await server.kubectl(['apply', '-f', '-'], { stdin: MANIFEST });
  assert.equal(applied.code, 0, applied.stderr);
  const rollout = await server.kubectl(['rollout', 'status', 'deployment/web', '--timeout=90s']);
  assert.equal(rollout.code, 0, rollout.stderr);
  const podNames = (
    await server.kubectl(['get', 'pods', '-l', 'app=web', '-o', 'jsonpath={.items[*].metadata.name}'])
  ).stdout
    .trim()
    .split(/\s+/)
    .sort();
  assert.equal(podNames.length, 2, podNames.join(','));
  const nodePort = await jsonpath('service', 'np', '.spec.ports[0].nodePort');
  const localPort = await jsonpath('service', 'np-local', '.spec.ports[0].nodePort');
  const remotePort = await jsonpath('service', 'remote-only', '.spec.ports[0].nodePort');
  assert.match(nodePort, /^3\d{4}$/);

  // externalTrafficPolicy Cluster: the pod sees the node (masqueraded), both replicas answer.
  const seen = new Map<string, number>();
  await until('the NodePort to answer', async () =>
    (await fromClient(`http://${NODE_IP}:${nodePort}/cgi-bin/ip`)).ok ? true : undefined,
  );
  for (let i = 0; i < 20; i++) {
    const r = await fromClient(`http://${NODE_IP}:${nodePort}/cgi-bin/ip`);
    assert.ok(r.ok, r.body);
    const [pod, addr] = r.body.split(' ');
    assert.ok(podNames.includes(pod ?? ''), r.body);
    assert.notEqual(addr, CLIENT_IP, 'externalTrafficPolicy Cluster masquerades');
    seen.set(pod ?? '', (seen.get(pod ?? '') ?? 0) + 1);
  }
  process.stdout.write(`# 20 requests to ${NODE_IP}:${nodePort}: ${JSON.stringify(Object.fromEntries(seen))}\n`);
  assert.deepEqual([...seen.keys()].sort(), podNames);

  // externalTrafficPolicy Local: the pod sees the client's own address.
  const local = await until('the Local NodePort', async () => {
    const r = await fromClient(`http://${NODE_IP}:${localPort}/cgi-bin/ip`);
    return r.ok ? r : undefined;
  });
  assert.equal(local.body.split(' ')[1], CLIENT_IP, local.body);

  // Local with endpoints only on another node: dropped (a timeout, not a refusal).
  const dropped = await fromClient(`http://${NODE_IP}:${remotePort}/`, 2);
  assert.equal(dropped.ok, false);
  assert.equal(dropped.code, 28, `curl timed out (28), got ${dropped.code}: ${dropped.body}`);

  // LoadBalancer: ServiceLB gives it the node's InternalIP; the proxy DNATs that address and port.
  const ingress = await until(
    'the LoadBalancer ingress',
    async () => (await jsonpath('service', 'lb', '.status.loadBalancer.ingress[*].ip')) || undefined,
  );
  assert.equal(ingress, NODE_IP);
  const viaLb = await until('the LoadBalancer address to answer', async () => {
    const r = await fromClient(`http://${ingress}:8081/cgi-bin/ip`);
    return r.ok ? r : undefined;
  });
  assert.ok(podNames.includes(viaLb.body.split(' ')[0] ?? ''), viaLb.body);
  const got = await server.kubectl(['get', 'service', 'lb']);
  assert.match(
    got.stdout,
    new RegExp(`lb\\s+LoadBalancer\\s+10\\.43\\.\\S+\\s+${NODE_IP.replace(/\./g, '\\.')}\\s+8081:3\\d{4}/TCP`),
  );

  // externalIPs: routed to the node by the client, DNATed like the ClusterIP.
  const viaExt = await fromClient(`http://${EXTERNAL_IP}/cgi-bin/ip`);
  assert.ok(viaExt.ok && podNames.includes(viaExt.body.split(' ')[0] ?? ''), viaExt.body);

  const rules = (await runCommand('nft', ['list', 'table', 'ip', TABLE])).stdout;
  assert.match(rules, new RegExp(`tcp \\. ${nodePort} : goto ext-`));
  // nft lists a one-element set as the bare address.
  assert.match(
    rules,
    new RegExp(
      `ip daddr (\\{ )?${NODE_IP.replace(/\./g, '\\.')}( \\})? meta l4proto \\. th dport vmap @service-nodeports`,
    ),
  );
  assert.match(rules, /dnat ip to numgen random mod 2 map/);

  // Pod -> ClusterIP keeps the pod's address (NetworkPolicy relies on it); a pod reaching itself
  // through a Service (hairpin) is masqueraded, or its own reply would be dropped.
  const [podA, podB] = podNames as [string, string];
  const ipOf = async (pod: string) => jsonpath('pod', pod, '.status.podIP');
  const [ipA, ipB] = [await ipOf(podA), await ipOf(podB)];
  const npClusterIP = await jsonpath('service', 'np', '.spec.clusterIP');
  const fromPod = async (pod: string, ip: string) => {
    const r = await server.kubectl([
      'exec',
      pod,
      '--',
      'sh',
      '-c',
      `printf 'GET /cgi-bin/ip HTTP/1.0\\r\\n\\r\\n' | nc -w 3 ${ip} 80 | tail -n 1`,
    ]);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout
      .trim()
      .replace(/\[::ffff:([\d.]+)\]/, '$1')
      .split(' ');
  };
  const answers: string[][] = [];
  for (let i = 0; i < 8; i++) answers.push(await fromPod(podA, npClusterIP));
  process.stdout.write(`# ${podA} -> ${npClusterIP}: ${JSON.stringify(answers)}\n`);
  for (const [pod, addr] of answers) {
    assert.ok(pod === podA || pod === podB, String(pod));
    if (pod === podB) assert.equal(addr, ipA, 'the other pod sees the client pod address');
    else assert.notEqual(addr, ipA, 'hairpin is masqueraded');
  }
  assert.equal((await server.kubectl(['label', 'pod', podB, 'solo=yes'])).code, 0);
  const solo = await server.kubectl(['apply', '-f', '-'], {
    stdin:
      'apiVersion: v1\nkind: Service\nmetadata: { name: solo, namespace: default }\nspec: { selector: { solo: "yes" }, ports: [{ port: 80, targetPort: 8080 }] }\n',
  });
  assert.equal(solo.code, 0, solo.stderr);
  const soloIP = await jsonpath('service', 'solo', '.spec.clusterIP');
  const hairpin = await until('hairpin through the solo Service', async () => {
    const a = await fromPod(podB, soloIP);
    return a[0] === podB ? a : undefined;
  });
  assert.notEqual(hairpin[1], ipB, 'hairpin source is the node, not the pod itself');

  // internalTrafficPolicy Local: a ClusterIP with local endpoints answers; one with only a remote endpoint drops.
  const localClusterIP = await jsonpath('service', 'np-local', '.spec.clusterIP');
  const remoteClusterIP = await jsonpath('service', 'remote-only', '.spec.clusterIP');
  for (const ip of [localClusterIP, remoteClusterIP])
    await sh('ip', ['-n', NETNS, 'route', 'add', `${ip}/32`, 'via', NODE_IP]);
  const itp = await fromClient(`http://${localClusterIP}/cgi-bin/ip`);
  assert.ok(itp.ok && podNames.includes(itp.body.split(' ')[0] ?? ''), itp.body);
  assert.equal(
    (await fromClient(`http://${remoteClusterIP}/`, 2)).code,
    28,
    'internalTrafficPolicy Local without a local endpoint drops',
  );

  // sessionAffinity ClientIP: once set, every request of the client lands on one pod.
  assert.equal(
    (await server.kubectl(['patch', 'service', 'np', '-p', '{"spec":{"sessionAffinity":"ClientIP"}}'])).code,
    0,
  );
  await until('affinity rules', async () =>
    (await runCommand('nft', ['list', 'table', 'ip', TABLE])).stdout.includes('update @aff-') ? true : undefined,
  );
  const sticky = new Set<string>();
  for (let i = 0; i < 10; i++)
    sticky.add((await fromClient(`http://${NODE_IP}:${nodePort}/cgi-bin/ip`)).body.split(' ')[0] ?? '');
  assert.equal(sticky.size, 1, [...sticky].join(','));

  // A UDP flow through the node port (nothing listens: the entry stays UNREPLIED) is flushed when its endpoints go.
  const udpNodePort = await jsonpath('service', 'np', '.spec.ports[1].nodePort');
  const udpFlows = async () =>
    (
      await runCommand('conntrack', ['-L', '-p', 'udp', '--orig-dst', NODE_IP, '--dport', udpNodePort], {
        allowFailure: true,
      })
    ).stdout.trim();
  await runCommand('ip', ['netns', 'exec', NETNS, 'bash', '-c', `echo x > /dev/udp/${NODE_IP}/${udpNodePort}`], {
    allowFailure: true,
  });
  assert.match(
    await udpFlows(),
    /src=10\.42\.\d+\.\d+ dst=\S+ sport=5353 /,
    'the UDP flow is DNATed to a pod (reply tuple from pod:5353)',
  );

  // Scaled to 0: the node port refuses at once, and the UDP flows to the removed pods are gone.
  assert.equal((await server.kubectl(['scale', 'deployment/web', '--replicas=0'])).code, 0);
  const refused = await until('the NodePort to refuse', async () => {
    const r = await fromClient(`http://${NODE_IP}:${nodePort}/`, 2);
    return r.code === 7 ? r : undefined;
  });
  assert.equal(
    await until('UDP flows flushed', async () => ((await udpFlows()) === '' ? '' : undefined), { timeoutMs: 10_000 }),
    '',
  );
  assert.match(refused.body, /after \d+ ms/); // curl 7 at once: rejected (icmp port-unreachable), not a timeout
});

test('--service-lb-pool: LoadBalancer Services get pool addresses (shared when ports differ, pending when full)', async () => {
  const pooled = await startTestServer({ extraArgs: ['--service-lb-pool', '10.99.0.5-10.99.0.6'] });
  try {
    const svc = (name: string, port: number) =>
      `apiVersion: v1\nkind: Service\nmetadata: { name: ${name}, namespace: default }\nspec: { type: LoadBalancer, selector: { app: x }, ports: [{ port: ${port} }] }\n---\n`;
    const applied = await pooled.kubectl(['apply', '-f', '-'], { stdin: svc('a', 80) + svc('b', 80) + svc('c', 443) });
    assert.equal(applied.code, 0, applied.stderr);
    const ingress = async (name: string) =>
      (
        await pooled.kubectl(['get', 'service', name, '-o', 'jsonpath={.status.loadBalancer.ingress[*].ip}'])
      ).stdout.trim();
    const got = await until('pool addresses', async () => {
      const v = await Promise.all(['a', 'b', 'c'].map(ingress));
      return v.every(Boolean) ? v : undefined;
    });
    assert.deepEqual(
      new Set(got.slice(0, 2)),
      new Set(['10.99.0.5', '10.99.0.6']),
      'a and b (same port) get different addresses',
    );
    assert.ok(['10.99.0.5', '10.99.0.6'].includes(got[2] ?? ''), 'c (other port) shares one');
    assert.equal((await pooled.kubectl(['apply', '-f', '-'], { stdin: svc('d', 80) })).code, 0);
    await quietPeriod(1500, 'd gets no address: the pool has none left for port 80');
    assert.equal(await ingress('d'), '', 'no address left for port 80: pending');
    assert.match((await pooled.kubectl(['get', 'service', 'd'])).stdout, /d\s+LoadBalancer\s+\S+\s+<pending>/);
  } finally {
    await pooled.stop();
  }
});
