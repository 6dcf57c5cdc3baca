import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runCommand } from '../../machinery/exec/run-command.js';
import { addVxlanPeer, deleteVxlan, ensureVxlan, removeVxlanPeer, vtepAddress, vtepMac } from './vxlan.js';

test('vtepMac and vtepAddress: MAC from the node IP, VTEP address = the pod CIDR network address', () => {
  assert.equal(vtepMac('10.46.1.2'), '0a:58:0a:2e:01:02');
  assert.equal(vtepAddress('10.47.2.0/24'), '10.47.2.0');
  assert.equal(vtepAddress('10.42.231.77/26'), '10.42.231.64');
});

// Two "nodes" in network namespaces on different subnets, joined only through a router namespace
// that knows nothing of the pod ranges: pod traffic can only cross inside VXLAN. All in namespaces
// this test makes (no host interface or route is touched). Root only.
const isRoot = process.getuid?.() === 0;
const hex = Math.floor(Math.random() * 0xffff).toString(16);
const A = `flt-vx-${hex}-a`;
const B = `flt-vx-${hex}-b`;
const R = `flt-vx-${hex}-r`;
const ip = (...args: string[]) => runCommand('ip', args);

before(async () => {
  if (!isRoot) return;
  for (const n of [A, B, R]) await ip('netns', 'add', n);
  await ip('-n', A, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'ra', 'netns', R);
  await ip('-n', B, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'rb', 'netns', R);
  for (const [n, dev, addr] of [
    [A, 'eth0', '10.46.1.2/24'],
    [R, 'ra', '10.46.1.1/24'],
    [B, 'eth0', '10.46.2.2/24'],
    [R, 'rb', '10.46.2.1/24'],
  ] as const) {
    await ip('-n', n, 'addr', 'add', addr, 'dev', dev);
    await ip('-n', n, 'link', 'set', dev, 'up');
  }
  for (const n of [A, B, R]) await ip('-n', n, 'link', 'set', 'lo', 'up');
  await runCommand('nsenter', [`--net=/run/netns/${R}`, '--', 'sh', '-c', 'echo 1 > /proc/sys/net/ipv4/ip_forward']);
  await ip('-n', A, 'route', 'add', 'default', 'via', '10.46.1.1');
  await ip('-n', B, 'route', 'add', 'default', 'via', '10.46.2.1');
  // The "pod bridges" (no ports), with the pod CIDR's gateway address.
  await ip('-n', A, 'link', 'add', 'pods', 'type', 'bridge');
  await ip('-n', A, 'addr', 'add', '10.47.1.1/24', 'dev', 'pods');
  await ip('-n', A, 'link', 'set', 'pods', 'up');
  await ip('-n', B, 'link', 'add', 'pods', 'type', 'bridge');
  await ip('-n', B, 'addr', 'add', '10.47.2.1/24', 'dev', 'pods');
  await ip('-n', B, 'link', 'set', 'pods', 'up');
});

after(async () => {
  if (!isRoot) return;
  for (const n of [A, B, R]) await runCommand('ip', ['netns', 'del', n], { allowFailure: true });
});

const ping = (from: string, src: string, dst: string) =>
  runCommand('ip', ['netns', 'exec', from, 'busybox', 'ping', '-c', '1', '-W', '2', '-I', src, dst], {
    allowFailure: true,
  });

test('VXLAN between nodes on different subnets: pods reach each other only through the overlay', {
  skip: !isRoot && 'needs root',
}, async () => {
  assert.notEqual((await ping(A, '10.47.1.1', '10.47.2.1')).code, 0, 'no path without the overlay');
  await ensureVxlan({ netns: A, nodeIP: '10.46.1.2', podCIDR: '10.47.1.0/24' });
  await ensureVxlan({ netns: B, nodeIP: '10.46.2.2', podCIDR: '10.47.2.0/24' });
  await ensureVxlan({ netns: A, nodeIP: '10.46.1.2', podCIDR: '10.47.1.0/24' }); // idempotent
  await addVxlanPeer({ netns: A, nodeIP: '10.46.1.2' }, { cidr: '10.47.2.0/24', via: '10.46.2.2', node: 'b' });
  await addVxlanPeer({ netns: B, nodeIP: '10.46.2.2' }, { cidr: '10.47.1.0/24', via: '10.46.1.2', node: 'a' });
  const r = await ping(A, '10.47.1.1', '10.47.2.1');
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const route = (await ip('-n', A, 'route', 'show', '10.47.2.0/24')).stdout;
  assert.match(route, /via 10\.47\.2\.0 dev flotilla\.1 onlink/);
  assert.match(
    (await runCommand('bridge', ['-n', A, 'fdb', 'show', 'dev', 'flotilla.1'])).stdout,
    /0a:58:0a:2e:02:02 dst 10\.46\.2\.2/,
  );

  await removeVxlanPeer({ netns: A, nodeIP: '10.46.1.2' }, { cidr: '10.47.2.0/24', via: '10.46.2.2', node: 'b' });
  assert.notEqual((await ping(A, '10.47.1.1', '10.47.2.1')).code, 0, 'peer removed');
  await deleteVxlan({ netns: A });
  await deleteVxlan({ netns: B });
  assert.notEqual((await ip('-n', A, 'link', 'show', 'flotilla.1').catch(() => ({ code: 1 }))).code, 0);
});

// The agent's node-routes loop with vxlan on, run inside namespace A (a child process: routes are
// per namespace), given Nodes a and b by a FakeClient: it builds the overlay to b by itself.
const AGENT_SCRIPT = (src: string, dataDir: string) => `
import { FakeClient } from '${src}/machinery/client/testing/fake-client.ts';
import { NODES } from '${src}/machinery/resources/well-known.ts';
import { createLogger } from '${src}/server/create-logger.ts';
import { startNodeRoutes } from '${src}/agent/network/node-routes.ts';
const node = (name, cidr, ip) => ({ apiVersion: 'v1', kind: 'Node', metadata: { name }, spec: { podCIDR: cidr }, status: { addresses: [{ type: 'InternalIP', address: ip }] } });
const client = new FakeClient();
client.seed(NODES, node('a', '10.47.1.0/24', '10.46.1.2'), node('b', '10.47.2.0/24', '10.46.2.2'));
const routes = await startNodeRoutes({ client, nodeName: 'a', log: createLogger('warn'), dataDir: '${dataDir}', vxlan: { nodeIP: '10.46.1.2', podCIDR: '10.47.1.0/24' } });
process.stdout.write('synced ' + JSON.stringify(routes.installed()) + '\\n');
process.stdin.resume();
process.stdin.on('end', async () => { await routes.stop(); process.stdout.write('stopped\\n'); process.exit(0); });
`;

test('node routes with vxlan: the agent loop reaches a node behind a router over the overlay, and removes it on stop', {
  skip: !isRoot && 'needs root',
}, async () => {
  await ensureVxlan({ netns: B, nodeIP: '10.46.2.2', podCIDR: '10.47.2.0/24' });
  await addVxlanPeer({ netns: B, nodeIP: '10.46.2.2' }, { cidr: '10.47.1.0/24', via: '10.46.1.2', node: 'a' });
  const dir = await mkdtemp(join(tmpdir(), 'flt-vx-'));
  const script = join(dir, 'routes.mts');
  await writeFile(script, AGENT_SCRIPT(resolve(import.meta.dirname, '../..'), dir));
  const child = spawn('nsenter', [`--net=/run/netns/${A}`, '--', process.execPath, '--import', 'tsx', script], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (out += c));
  try {
    const end = Date.now() + 30_000;
    while (!out.includes('synced') && child.exitCode === null && Date.now() < end)
      await new Promise((r) => setTimeout(r, 50));
    assert.match(out, /synced \[\{"cidr":"10\.47\.2\.0\/24","via":"10\.46\.2\.2","node":"b"\}\]/, out);
    const r = await ping(A, '10.47.1.1', '10.47.2.1');
    assert.equal(r.code, 0, r.stdout + r.stderr + out);
    child.stdin.end();
    while (!out.includes('stopped') && child.exitCode === null && Date.now() < end)
      await new Promise((r) => setTimeout(r, 50));
    assert.match(out, /stopped/);
    assert.notEqual(
      (await runCommand('ip', ['-n', A, 'link', 'show', 'flotilla.1'], { allowFailure: true })).code,
      0,
      'vxlan link removed on stop',
    );
    assert.notEqual((await ping(A, '10.47.1.1', '10.47.2.1')).code, 0);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    await deleteVxlan({ netns: B });
    await rm(dir, { recursive: true, force: true });
  }
});
