/**
 * A highly available control plane on this machine: `flotilla up --servers 3 --nodes 2` as a child
 * process (its own data dir, port, cluster name, node subnet and pod range). Server 1 is `up`
 * itself with its etcd member on the node bridge; servers 2 and 3 are `flotilla server --join`
 * processes in network namespaces, each with its own etcd member (peer and client TLS from the
 * cluster CA). Node 2's agent is given server 2 and runs its server balancer over all three.
 * Checked with the real kubectl:
 * - the etcd cluster has three members, all on TLS; the `kubernetes` endpoints list the three
 *   servers (one API server Lease each); a Deployment applied runs;
 * - server 2 killed with SIGKILL (its etcd member dies with it): reads and writes go on (a
 *   ConfigMap created, the Deployment scaled and its new pod running), the endpoints drop to two
 *   once server 2's Lease expired, and node 2 (whose agent talked to server 2) stays Ready, renews
 *   its Lease and runs a pod pinned to it;
 * - SIGINT to `up`: no server process, etcd member, namespace, veth or node bridge left.
 * Runs as root. Traffic stays on the links the test made.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runCommand } from '../src/machinery/exec/run-command.js';
import { etcdAvailable } from '../src/store/etcd/etcd-test-server.js';
import { flotillaCommand, kubectl, type KubectlResult } from './helpers/cluster.js';
import { untilWith } from './helpers/wait-until.js';

const skip = process.getuid?.() !== 0 ? 'needs root' : !etcdAvailable() ? 'etcd is not installed' : false;
const hex = Math.floor(Math.random() * 0xffffff)
  .toString(16)
  .padStart(6, '0');
const CLUSTER = `ha${hex}`;
const NODE_NET = `10.46.${Math.floor(Math.random() * 250) + 1}`;
const POD_NET = `10.42.${150 + Math.floor(Math.random() * 50)}`;
const HOST_IP = `${NODE_NET}.1`;
const SERVER2 = { name: `${CLUSTER}-server2`, ip: `${NODE_NET}.254` };
const SERVER3 = { name: `${CLUSTER}-server3`, ip: `${NODE_NET}.253` };
const NODE2 = `${CLUSTER}-node2`;
let dir = '';
let child: ChildProcess | undefined;
let out = '';

const k = (args: string[], stdin?: string): Promise<KubectlResult> =>
  kubectl(args, { kubeconfig: join(dir, 'kubeconfig.yaml'), stdin });
async function ok(args: string[], stdin?: string): Promise<string> {
  const r = await k(args, stdin);
  assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

const until = untilWith({ timeoutMs: 60_000, intervalMs: 250, retryErrors: true, describe: () => out.slice(-3000) });

/** Pids of the etcd processes whose data dir lies in `dataDir` (read from /proc). */
async function etcdPids(dataDir: string): Promise<number[]> {
  const pids: number[] = [];
  for (const p of await readdir('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    const argv = (await readFile(`/proc/${p}/cmdline`, 'utf8').catch(() => '')).split('\0');
    if (argv[0]?.endsWith('etcd') && argv.some((a) => a.startsWith(`--data-dir=${dataDir}`))) pids.push(Number(p));
  }
  return pids;
}

async function endpointIps(): Promise<string[]> {
  const ips = await ok(['get', 'endpoints', 'kubernetes', '-o', 'jsonpath={.subsets[*].addresses[*].ip}']);
  return ips.trim().split(/\s+/).filter(Boolean).sort();
}

async function stopUp(): Promise<void> {
  const up = child;
  if (!up || up.exitCode !== null || up.signalCode !== null) return;
  up.kill('SIGINT');
  const exited = () => up.exitCode !== null || up.signalCode !== null;
  await until('flotilla up to exit after SIGINT', exited, { timeoutMs: 60_000 }).catch(() => undefined);
  if (!exited()) up.kill('SIGKILL');
}

before(async () => {
  if (skip) return;
  dir = await mkdtemp(join(tmpdir(), 'flotilla-ha-up-'));
  child = spawn(
    process.execPath,
    [
      ...flotillaCommand(),
      'up',
      '--servers',
      '3',
      '--nodes',
      '2',
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
      '--disable-ingress',
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
  await until(
    'servers 2 and 3 and node 2 running (or a failure)',
    () =>
      new RegExp(`node ${NODE2} (running|not ready)`).test(out) ||
      /failed to start|start-up failed/.test(out) ||
      child?.exitCode !== null,
    { timeoutMs: 240_000, intervalMs: 200 },
  );
  assert.match(out, new RegExp(`node ${NODE2} running`), out);
  assert.match(out, new RegExp(`server ${SERVER2.name} running \\(netns ${SERVER2.name}, ${SERVER2.ip}\\)`), out);
  assert.match(out, new RegExp(`server ${SERVER3.name} running \\(netns ${SERVER3.name}, ${SERVER3.ip}\\)`), out);
});

after(async () => {
  if (skip) return;
  await k(['delete', 'deployment', 'ha-web', '--wait=false']).catch(() => undefined);
  await stopUp();
  await runCommand(process.execPath, [...flotillaCommand(), 'killall', '--data-dir', dir], { allowFailure: true });
  // Whatever a failed run could leave: server processes and their etcd members, namespaces, links.
  for (const pid of await etcdPids(dir)) process.kill(pid, 'SIGKILL');
  for (const ns of [SERVER2.name, SERVER3.name, NODE2])
    await runCommand('ip', ['netns', 'del', ns], { allowFailure: true });
  for (const link of [`${CLUSTER}-br`, `${CLUSTER}-s2`, `${CLUSTER}-s3`, `${CLUSTER}-v2`, `${CLUSTER}0`])
    await runCommand('ip', ['link', 'del', link], { allowFailure: true });
  await rm(dir, { recursive: true, force: true });
});

test('up --servers 3: three etcd members on TLS, the kubernetes endpoints list the three servers, a Deployment runs', {
  skip,
}, async () => {
  assert.equal((await etcdPids(dir)).length, 3, 'three etcd members run');
  // Client TLS is required: a client without a certificate is refused.
  const plain = await runCommand('curl', ['-sk', '--max-time', '5', `https://${HOST_IP}:2379/health`], {
    allowFailure: true,
  });
  assert.notEqual(
    plain.stdout.trim(),
    '{"health":"true"}',
    `etcd answered without a client certificate: ${plain.stdout}`,
  );
  const certs = join(dir, 'tls', 'etcd');
  const members = await runCommand('etcdctl', [
    `--endpoints=https://${HOST_IP}:2379`,
    `--cacert=${join(certs, 'ca.crt')}`,
    `--cert=${join(certs, 'apiserver-etcd-client.crt')}`,
    `--key=${join(certs, 'apiserver-etcd-client.key')}`,
    'member',
    'list',
  ]).catch(() => undefined);
  if (members) {
    const lines = members.stdout.trim().split('\n');
    assert.equal(lines.length, 3, members.stdout);
    for (const ip of [HOST_IP, SERVER2.ip, SERVER3.ip])
      assert.ok(members.stdout.includes(`https://${ip}:2380`), `member at ${ip}: ${members.stdout}`);
  }
  assert.deepEqual(
    await until('the kubernetes endpoints list three servers', async () => {
      const ips = await endpointIps();
      return ips.length === 3 ? ips : undefined;
    }),
    [HOST_IP, SERVER3.ip, SERVER2.ip].sort(),
  );
  const leases = await ok([
    'get',
    'leases',
    '-n',
    'kube-system',
    '-l',
    'apiserver.kubernetes.io/identity=kube-apiserver',
    '-o',
    'name',
  ]);
  assert.equal(leases.trim().split('\n').length, 3, leases);

  await ok(
    ['apply', '-f', '-'],
    JSON.stringify({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'ha-web', namespace: 'default' },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'ha-web' } },
        template: {
          metadata: { labels: { app: 'ha-web' } },
          spec: {
            terminationGracePeriodSeconds: 1,
            containers: [{ name: 'web', image: 'busybox', command: ['sleep', '3600'] }],
          },
        },
      },
    }),
  );
  await until(
    'ha-web available',
    async () => (await ok(['get', 'deploy', 'ha-web', '-o', 'jsonpath={.status.availableReplicas}'])).trim() === '1',
  );
});

test('server 2 killed with SIGKILL: reads and writes go on, the endpoints drop to two servers, node 2 moves to another', {
  skip,
}, async () => {
  const state = JSON.parse(await readFile(join(dir, 'cluster-servers.json'), 'utf8')) as {
    servers: Array<{ name: string; pid: number; dataDir: string }>;
  };
  const s2 = state.servers.find((s) => s.name === SERVER2.name);
  assert.ok(s2?.pid, 'server 2 is recorded with its pid');
  assert.equal((await etcdPids(s2.dataDir)).length, 1, "server 2's etcd member runs");
  // Node 2's agent was given server 2.
  const nodes = JSON.parse(await readFile(join(dir, 'cluster-nodes.json'), 'utf8')) as {
    nodes: Array<{ pid: number }>;
  };
  const agentArgs = (await readFile(`/proc/${nodes.nodes[0]?.pid}/cmdline`, 'utf8')).split('\0');
  assert.equal(agentArgs[agentArgs.indexOf('--server') + 1], `https://${SERVER2.ip}:${(/:(\d+);/.exec(out) ?? [])[1]}`);
  assert.ok(agentArgs.includes('--server-balancer'));
  process.kill(s2.pid, 'SIGKILL');
  // Its etcd member dies with it (parent-death signal): two members of three keep the quorum.
  await until('server 2 and its etcd member gone', async () =>
    !existsSync(`/proc/${s2.pid}`) && (await etcdPids(s2.dataDir)).length === 0 ? true : undefined,
  );
  const t0 = Date.now();
  assert.match(await ok(['get', 'deploy', 'ha-web', '-o', 'name']), /deployment.apps\/ha-web/);
  await ok(['create', 'configmap', 'after-kill', '--from-literal=k=v']);
  assert.equal((await ok(['get', 'configmap', 'after-kill', '-o', 'jsonpath={.data.k}'])).trim(), 'v');
  await ok(['scale', 'deploy', 'ha-web', '--replicas=2']);
  await until(
    'ha-web scaled to 2 available',
    async () => (await ok(['get', 'deploy', 'ha-web', '-o', 'jsonpath={.status.availableReplicas}'])).trim() === '2',
  );
  assert.deepEqual(
    await until(
      'the kubernetes endpoints drop server 2',
      async () => {
        const ips = await endpointIps();
        return ips.length === 2 ? ips : undefined;
      },
      { timeoutMs: 60_000 },
    ),
    [HOST_IP, SERVER3.ip].sort(),
  );
  // kube-apiserver's lease: 15 s, reconciled every 10 s.
  assert.ok(Date.now() - t0 < 45_000, `dropped after ${Date.now() - t0} ms`);
  // Node 2 kept renewing its Lease through another server, and takes new pods.
  const renewed = await until('node 2 renewing its Lease after the kill', async () => {
    const t = (await ok(['get', 'lease', '-n', 'kube-node-lease', NODE2, '-o', 'jsonpath={.spec.renewTime}'])).trim();
    return Date.parse(t) > t0 + 2000 ? t : undefined;
  });
  assert.ok(renewed);
  assert.equal(
    (await ok(['get', 'node', NODE2, '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}'])).trim(),
    'True',
  );
  await ok(
    ['apply', '-f', '-'],
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'on-node2', namespace: 'default' },
      spec: {
        nodeName: NODE2,
        terminationGracePeriodSeconds: 1,
        containers: [{ name: 'main', image: 'busybox', command: ['sleep', '3600'] }],
      },
    }),
  );
  await until(
    'the pod pinned to node 2 running',
    async () => (await ok(['get', 'pod', 'on-node2', '-o', 'jsonpath={.status.phase}'])).trim() === 'Running',
  );
  await ok(['delete', 'pod', 'on-node2', '--wait=false']);
});

test('SIGINT to up: no server, etcd member, namespace, veth or node bridge left', { skip }, async () => {
  await ok(['delete', 'deployment', 'ha-web', '--wait=false']);
  await stopUp();
  assert.equal(child?.signalCode, null, out.slice(-2000));
  assert.equal(child?.exitCode, 0, out.slice(-2000));
  assert.deepEqual(await etcdPids(dir), []);
  const netns = (await runCommand('ip', ['netns', 'list'])).stdout;
  assert.ok(!netns.includes(CLUSTER), netns);
  for (const link of [`${CLUSTER}-br`, `${CLUSTER}-s2`, `${CLUSTER}-s3`, `${CLUSTER}-v2`])
    assert.ok(!existsSync(`/sys/class/net/${link}`), `${link} removed`);
});
