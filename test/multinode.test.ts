/**
 * Three nodes on this machine with `flotilla up --nodes 3` as a child process (its own data dir,
 * port, cluster name, node subnet and pod range): node 1 is the host (in-process agent, pod bridge
 * `<cluster>0`), nodes 2 and 3 are network namespaces on the bridge `<cluster>-br`, each with its own
 * `flotilla agent` process and real runc containers. Checked with the real kubectl:
 * - 3 nodes Ready with distinct pod CIDRs; routes to the other nodes' CIDRs;
 * - a busybox httpd Deployment spread over the 3 nodes; a client pod on node 2 reaches the pods on
 *   the other nodes by pod IP (and they see its pod IP as source: no NAT between pods), the Service by
 *   ClusterIP and by DNS name;
 * - node 3 killed (agent SIGKILL + its veth down): its pod runs again on another node, and the
 *   Service answers from the survivors;
 * - SIGINT to `up`: no netns, veth, node bridge or route left; `flotilla killall --data-dir` then
 *   removes node 1's pods and bridge.
 * Runs as root. Traffic stays on the links the test made.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runCommand } from '../src/machinery/exec/run-command.js';
import { flotillaCommand, kubectl, type KubectlResult } from './helpers/cluster.js';
import { untilWith } from './helpers/wait-until.js';

const isRoot = process.getuid?.() === 0;
const hex = Math.floor(Math.random() * 0xffffff)
  .toString(16)
  .padStart(6, '0');
const CLUSTER = `flt${hex}`;
const NODE_NET = `10.45.${Math.floor(Math.random() * 250) + 1}`;
const POD_NET = `10.42.${200 + Math.floor(Math.random() * 50)}`;
const HOST_IP = `${NODE_NET}.1`;
const NODE2 = `${CLUSTER}-node2`;
const NODE3 = `${CLUSTER}-node3`;
let dir = '';
let child: ChildProcess | undefined;
let out = '';

const k = (args: string[], stdin?: string): Promise<KubectlResult> =>
  kubectl(args, { kubeconfig: join(dir, 'kubeconfig.yaml'), stdin });

const until = untilWith({ timeoutMs: 60_000, intervalMs: 250, retryErrors: true, describe: () => out.slice(-3000) });

async function stopUp(): Promise<void> {
  const up = child;
  if (!up || up.exitCode !== null || up.signalCode !== null) return;
  up.kill('SIGINT');
  const exited = () => up.exitCode !== null || up.signalCode !== null;
  await until('flotilla up to exit after SIGINT', exited, { timeoutMs: 60_000 }).catch(() => undefined);
  if (!exited()) up.kill('SIGKILL');
}

async function killall(): Promise<KubectlResult> {
  return runCommand(process.execPath, [...flotillaCommand(), 'killall', '--data-dir', dir], { allowFailure: true });
}

before(async () => {
  if (!isRoot) return;
  dir = await mkdtemp(join(tmpdir(), 'flotilla-multinode-'));
  child = spawn(
    process.execPath,
    [
      ...flotillaCommand(),
      'up',
      '--nodes',
      '3',
      '--cluster-name',
      CLUSTER,
      '--node-subnet',
      `${NODE_NET}.0/24`,
      '--data-dir',
      dir,
      '--port',
      '0',
      '--bind-address',
      HOST_IP,
      '--log-level',
      'warn',
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, FLOTILLA_CLUSTER_CIDR: `${POD_NET}.0/24`, FLOTILLA_NODE_CIDR_MASK_SIZE: '26' },
    },
  );
  child.stdout?.setEncoding('utf8').on('data', (c: string) => (out += c));
  child.stderr?.setEncoding('utf8').on('data', (c: string) => (out += c));
  const settled = (n: string): boolean => new RegExp(`node ${n} (running|not ready)`).test(out);
  await until(
    'nodes 2 and 3 settled (or a failure)',
    () => (settled(NODE2) && settled(NODE3)) || /failed/.test(out) || child?.exitCode !== null,
    { timeoutMs: 120_000, intervalMs: 100 },
  );
  assert.match(out, new RegExp(`node ${NODE2} running`), out);
  assert.match(out, new RegExp(`node ${NODE3} running`), out);
});

after(async () => {
  if (!isRoot) return;
  await stopUp();
  await killall();
  // Whatever a failed run could leave: namespaces, links, the node bridge.
  for (const ns of [NODE2, NODE3]) await runCommand('ip', ['netns', 'del', ns], { allowFailure: true });
  for (const link of [`${CLUSTER}-br`, `${CLUSTER}-v2`, `${CLUSTER}-v3`, `${CLUSTER}0`])
    await runCommand('ip', ['link', 'del', link], { allowFailure: true });
  await rm(dir, { recursive: true, force: true });
});

function webDeployment(): string {
  const script = [
    'mkdir -p /www/cgi-bin',
    'echo "hello from $(hostname)" > /www/index.html',
    // A CGI answering with the client's address: shows whether pod-to-pod traffic kept its source IP.
    `printf '#!/bin/sh\\necho "Content-Type: text/plain"\\necho\\necho "$REMOTE_ADDR"\\n' > /www/cgi-bin/ip`,
    'chmod +x /www/cgi-bin/ip',
    'exec httpd -f -p 8080 -h /www',
  ].join('; ');
  const selector = { matchLabels: { app: 'web' } };
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'List',
    items: [
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'web', namespace: 'default' },
        spec: {
          replicas: 3,
          selector,
          template: {
            metadata: { labels: { app: 'web' } },
            spec: {
              terminationGracePeriodSeconds: 1,
              topologySpreadConstraints: [
                {
                  maxSkew: 1,
                  topologyKey: 'kubernetes.io/hostname',
                  whenUnsatisfiable: 'ScheduleAnyway',
                  labelSelector: selector,
                },
              ],
              affinity: {
                podAntiAffinity: {
                  preferredDuringSchedulingIgnoredDuringExecution: [
                    {
                      weight: 100,
                      podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: selector },
                    },
                  ],
                },
              },
              containers: [
                {
                  name: 'httpd',
                  image: 'busybox',
                  command: ['sh', '-c', script],
                  readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 1 },
                },
              ],
            },
          },
        },
      },
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'web', namespace: 'default' },
        spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] },
      },
    ],
  });
}

/** Runs a busybox pod on `node` with `script` (sh, helpers get/addr defined) to completion; returns its log and IP. */
async function runClient(name: string, node: string, script: string): Promise<{ log: string; ip: string }> {
  const prelude = [
    // busybox wget segfaults in the test image (static glibc NSS): requests are sent with nc, names resolved with nslookup.
    `get() { printf 'GET %s HTTP/1.0\\r\\n\\r\\n' "\${3:-/}" | nc -w 3 "$1" "$2" 2>&1 | tail -n 1; }`,
    `addr() { nslookup "$1" 2>/dev/null | awk '/^Address/ && !/:53$/ { print $2 }' | head -n 1; }`,
  ].join('\n');
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: {
      nodeName: node,
      restartPolicy: 'Never',
      terminationGracePeriodSeconds: 1,
      containers: [{ name: 'c', image: 'busybox', command: ['sh', '-c', `${prelude}\n${script}`] }],
    },
  };
  const created = await k(['apply', '-f', '-'], JSON.stringify(pod));
  assert.equal(created.code, 0, created.stderr);
  await until(
    `client ${name} to finish`,
    async () => {
      const r = await k(['get', 'pod', name, '-o', 'jsonpath={.status.phase}']);
      return ['Succeeded', 'Failed'].includes(r.stdout.trim()) ? r.stdout : undefined;
    },
    { timeoutMs: 90_000 },
  );
  const logs = await k(['logs', name]);
  assert.equal(logs.code, 0, logs.stderr);
  process.stdout.write(
    logs.stdout
      .split('\n')
      .map((l) => `# ${name}: ${l}\n`)
      .join(''),
  );
  const ip = (await k(['get', 'pod', name, '-o', 'jsonpath={.status.podIP}'])).stdout.trim();
  return { log: logs.stdout, ip };
}

interface WebPod {
  name: string;
  ip: string;
  node: string;
  phase: string;
  deleting: boolean;
}

async function webPods(): Promise<WebPod[]> {
  const r = await k([
    'get',
    'pods',
    '-l',
    'app=web',
    '-o',
    'jsonpath={range .items[*]}{.metadata.name} {.status.podIP} {.spec.nodeName} {.status.phase} {.metadata.deletionTimestamp}{"\\n"}{end}',
  ]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [name = '', ip = '', node = '', phase = '', del = ''] = l.split(' ');
      return { name, ip, node, phase, deleting: del !== '' };
    });
}

const skip = !isRoot && 'needs root';

test('up --nodes 3: three Ready nodes with distinct pod CIDRs, routed to each other', { skip }, async () => {
  const r = await until('3 Ready nodes', async () => {
    const res = await k([
      'get',
      'nodes',
      '-o',
      'jsonpath={range .items[*]}{.metadata.name} {.spec.podCIDR} {.status.addresses[?(@.type=="InternalIP")].address} {.status.conditions[?(@.type=="Ready")].status}{"\\n"}{end}',
    ]);
    const rows = res.stdout
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split(' '));
    return rows.length === 3 && rows.every((x) => x[3] === 'True') ? rows : undefined;
  });
  const cidrs = r.map((x) => x[1] ?? '');
  assert.equal(new Set(cidrs).size, 3, JSON.stringify(r));
  for (const c of cidrs) assert.match(c, new RegExp(`^${POD_NET.replace(/\./g, '\\.')}\\.\\d+/26$`));
  const byName = new Map(r.map((x) => [x[0], x]));
  assert.equal(byName.get(NODE2)?.[2], `${NODE_NET}.2`);
  assert.equal(byName.get(NODE3)?.[2], `${NODE_NET}.3`);
  assert.ok(
    r.some((x) => x[2] === HOST_IP),
    'node 1 is the host on the node bridge',
  );
  // The host routes nodes 2 and 3's pod CIDRs through their addresses on the node bridge.
  const routes = (await runCommand('ip', ['route', 'show', 'dev', `${CLUSTER}-br`])).stdout;
  for (const n of [NODE2, NODE3]) assert.ok(routes.includes(`${byName.get(n)?.[1]} via ${byName.get(n)?.[2]}`), routes);
  // The agents of nodes 2 and 3 joined with the token only to get their client certificates.
  for (const n of [NODE2, NODE3]) {
    const pem = await readFile(join(dir, 'nodes', n, 'pki', 'node-client.pem'), 'utf8');
    assert.match(new X509Certificate(pem).subject, new RegExp(`CN=system:node:${n}\nO=system:nodes`));
  }
  const csrs = (await k(['get', 'csr'])).stdout;
  assert.equal(csrs.match(/\ssystem:node-bootstrapper\s+<none>\s+Approved,Issued/g)?.length, 2, csrs);
});

test('pods on three nodes: a client on node 2 reaches the others by pod IP (source kept), ClusterIP and DNS name', {
  skip,
}, async () => {
  const applied = await k(['apply', '-f', '-'], webDeployment());
  assert.equal(applied.code, 0, applied.stderr);
  const rollout = await k(['rollout', 'status', 'deploy/web', '--timeout=90s']);
  assert.equal(rollout.code, 0, rollout.stderr + out.slice(-2000));
  const pods = await webPods();
  assert.equal(new Set(pods.map((p) => p.node)).size, 3, `spread over 3 nodes: ${JSON.stringify(pods)}`);
  const cip = (await k(['get', 'svc', 'web', '-o', 'jsonpath={.spec.clusterIP}'])).stdout.trim();
  const others = pods.filter((p) => p.node !== NODE2);
  const script = [
    ...pods.map((p) => `echo "pod ${p.name}=$(get ${p.ip} 8080)"`),
    ...others.map((p) => `echo "src ${p.name}=$(get ${p.ip} 8080 /cgi-bin/ip)"`),
    `for i in 1 2 3 4 5 6 7 8 9; do echo "cip=$(get ${cip} 80)"; done`,
    'for i in $(seq 1 25); do a=$(addr web) && [ -n "$a" ] && break; sleep 0.2; done',
    'echo "dns-addr=$a"',
    'echo "dns=$(get "$a" 80)"',
  ].join('\n');
  const { log, ip } = await runClient('client1', NODE2, script);
  for (const p of pods)
    assert.match(log, new RegExp(`^pod ${p.name}=hello from ${p.name}$`, 'm'), `pod ${p.name} on ${p.node}`);
  for (const p of others)
    assert.match(
      log,
      new RegExp(`^src ${p.name}=(\\[::ffff:)?${ip.replace(/\./g, '\\.')}\\]?$`, 'm'),
      `pod on ${p.node} sees the client's pod IP ${ip}`,
    );
  const cipAnswers = [...log.matchAll(/^cip=hello from (\S+)$/gm)].map((m) => m[1]);
  assert.equal(cipAnswers.length, 9, log);
  assert.ok(new Set(cipAnswers).size >= 2, `ClusterIP balanced over several pods: ${cipAnswers.join(' ')}`);
  assert.match(log, new RegExp(`^dns-addr=${cip.replace(/\./g, '\\.')}$`, 'm'));
  assert.match(log, /^dns=hello from web-/m);
});

test('node 3 killed (agent SIGKILL + link down): its pod runs again elsewhere and the Service answers', {
  skip,
}, async () => {
  const before = await webPods();
  const lost = before.filter((p) => p.node === NODE3);
  assert.ok(lost.length >= 1, JSON.stringify(before));
  const state = JSON.parse(await readFile(join(dir, 'cluster-nodes.json'), 'utf8')) as {
    nodes: { name: string; pid: number; veth: string }[];
  };
  const n3 = state.nodes.find((n) => n.name === NODE3);
  assert.ok(n3?.pid);
  const t0 = performance.now();
  process.kill(n3.pid, 'SIGKILL');
  await runCommand('ip', ['link', 'set', n3.veth, 'down']);
  const replaced = await until(
    'replacement pods Running on the other nodes',
    async () => {
      const pods = await webPods();
      const live = pods.filter((p) => !p.deleting && p.phase === 'Running' && p.node !== NODE3);
      return live.length >= 3 ? live : undefined;
    },
    { timeoutMs: 90_000 },
  );
  process.stdout.write(
    `# node killed -> ${replaced.length} replicas Running on the other nodes: ${(performance.now() - t0).toFixed(0)} ms\n`,
  );
  const node3 = await k(['get', 'node', NODE3, '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}']);
  assert.equal(node3.stdout.trim(), 'Unknown');
  await k(['rollout', 'status', 'deploy/web', '--timeout=60s']);
  const cip = (await k(['get', 'svc', 'web', '-o', 'jsonpath={.spec.clusterIP}'])).stdout.trim();
  const { log } = await runClient(
    'client2',
    NODE2,
    `for i in 1 2 3 4 5 6 7 8 9; do echo "cip=$(get ${cip} 80)"; done\na=$(addr web); echo "dns=$(get "$a" 80)"`,
  );
  const answers = [...log.matchAll(/^cip=hello from (\S+)$/gm)].map((m) => m[1] ?? '');
  assert.equal(answers.length, 9, `every request answered:\n${log}`);
  const names = new Set(replaced.map((p) => p.name));
  for (const a of answers) assert.ok(names.has(a), `${a} is a live replica`);
});

test("stop: no namespace, veth, node bridge or route left; killall removes node 1's pods", { skip }, async () => {
  await stopUp();
  assert.notEqual(child?.exitCode, null, 'up exited');
  const netns = (await runCommand('ip', ['netns', 'list'])).stdout;
  assert.ok(!netns.includes(CLUSTER), netns);
  const links = (await runCommand('ip', ['-o', 'link', 'show'])).stdout
    .split('\n')
    .map((l) => l.split(':')[1]?.trim().split('@')[0] ?? '')
    .filter((name) => name.includes(CLUSTER));
  assert.deepEqual(links, [`${CLUSTER}0`], "only node 1's pod bridge stays (as flotilla0 does)");
  const routes = (await runCommand('ip', ['route', 'show'])).stdout
    .split('\n')
    .filter((l) => l.startsWith(POD_NET) || l.includes(NODE_NET));
  assert.deepEqual(
    routes.filter((l) => !l.includes(`dev ${CLUSTER}0 `)),
    [],
    routes.join('\n'),
  );
  assert.ok(!existsSync(join(dir, 'cluster-nodes.json')));
  const conmons = (await runCommand('pgrep', ['-f', `${dir}/nodes/`], { allowFailure: true })).stdout.trim();
  assert.equal(conmons, '', 'no process of the extra nodes left');
  const r = await killall();
  assert.equal(r.code, 0, r.stderr);
  const left = (await runCommand('ip', ['-o', 'link', 'show'])).stdout;
  assert.ok(!left.includes(CLUSTER), left);
  const mounts = (await readFile('/proc/self/mountinfo', 'utf8')).split('\n').filter((l) => l.includes(dir));
  assert.deepEqual(mounts, []);
});

test('kill -9 of up: flotilla killall --data-dir removes the node agents, their pods, namespaces, veths and bridge', {
  skip,
}, async () => {
  const cluster = `${CLUSTER}k`;
  const net = `10.45.${(Number(NODE_NET.split('.')[2]) % 250) + 1}`;
  const kdir = await mkdtemp(join(tmpdir(), 'flotilla-multinode-kill-'));
  let kout = '';
  const up = spawn(
    process.execPath,
    [
      ...flotillaCommand(),
      'up',
      '--nodes',
      '2',
      '--cluster-name',
      cluster,
      '--node-subnet',
      `${net}.0/24`,
      '--data-dir',
      kdir,
      '--port',
      '0',
      '--bind-address',
      `${net}.1`,
      '--log-level',
      'warn',
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own pod range too: node 1 of each cluster puts its /26 on the host.
      env: {
        ...process.env,
        FLOTILLA_CLUSTER_CIDR: `10.42.${200 + ((Number(POD_NET.split('.')[2]) - 199) % 50)}.0/24`,
        FLOTILLA_NODE_CIDR_MASK_SIZE: '26',
      },
    },
  );
  up.stdout?.setEncoding('utf8').on('data', (c: string) => (kout += c));
  up.stderr?.setEncoding('utf8').on('data', (c: string) => (kout += c));
  const linksOf = async (): Promise<string[]> =>
    (await runCommand('ip', ['-o', 'link', 'show'])).stdout
      .split('\n')
      .map((l) => l.split(':')[1]?.trim().split('@')[0] ?? '')
      .filter((n) => n.startsWith(cluster));
  try {
    await until(
      'node2 settled (or a failure)',
      () => /node \S+-node2 (running|not ready)|failed/.test(kout) || up.exitCode !== null,
      { timeoutMs: 120_000, intervalMs: 100, describe: () => kout.slice(-3000) },
    );
    assert.match(kout, new RegExp(`node ${cluster}-node2 running`), kout);
    const kc = join(kdir, 'kubeconfig.yaml');
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'sleeper', namespace: 'default' },
      spec: {
        nodeName: `${cluster}-node2`,
        terminationGracePeriodSeconds: 1,
        containers: [{ name: 'c', image: 'busybox', command: ['sleep', '3600'] }],
      },
    };
    assert.equal((await kubectl(['apply', '-f', '-'], { kubeconfig: kc, stdin: JSON.stringify(pod) })).code, 0);
    assert.equal(
      (await kubectl(['wait', '--for=condition=Ready', 'pod/sleeper', '--timeout=60s'], { kubeconfig: kc })).code,
      0,
      kout,
    );
    up.kill('SIGKILL');
    await new Promise((r) => up.once('exit', r));
    assert.ok(
      (await runCommand('ip', ['netns', 'list'])).stdout.includes(`${cluster}-node2`),
      'the node outlives a kill -9 of up',
    );
    const r = await runCommand(process.execPath, [...flotillaCommand(), 'killall', '--data-dir', kdir], {
      allowFailure: true,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`nodes ${cluster}-node2 removed`));
    assert.ok(!(await runCommand('ip', ['netns', 'list'])).stdout.includes(cluster));
    assert.deepEqual(await linksOf(), []);
    assert.equal(
      (await runCommand('pgrep', ['-f', kdir], { allowFailure: true })).stdout.trim(),
      '',
      'no agent or conmon left',
    );
    const runc = await runCommand('runc', ['--root', join(kdir, 'nodes', `${cluster}-node2`, 'runc'), 'list', '-q'], {
      allowFailure: true,
    });
    assert.equal(runc.stdout.trim(), '');
    assert.deepEqual(
      (await readFile('/proc/self/mountinfo', 'utf8')).split('\n').filter((l) => l.includes(kdir)),
      [],
    );
    const routes = (await runCommand('ip', ['route', 'show'])).stdout;
    assert.ok(!routes.includes(`${net}.`), routes);
  } finally {
    if (up.exitCode === null && up.signalCode === null) up.kill('SIGKILL');
    await runCommand(process.execPath, [...flotillaCommand(), 'killall', '--data-dir', kdir], { allowFailure: true });
    await runCommand('ip', ['netns', 'del', `${cluster}-node2`], { allowFailure: true });
    for (const l of await linksOf()) await runCommand('ip', ['link', 'del', l], { allowFailure: true });
    await rm(kdir, { recursive: true, force: true });
  }
});
