/**
 * The official Python client (Debian's python3-kubernetes, installed by scripts/setup.sh) against a
 * real server and agent: version, list, watch, logs, exec (stdout, stderr, exit code, stdin) and
 * port-forward, through test/fixtures/clients/python_client.py, which prints JSON. The client sends
 * Python's booleans (`watch=True`, `stdout=True`) and speaks the `v4.channel.k8s.io` WebSocket
 * protocol. Runs as root (real containers, test/helpers/real-node.ts).
 */
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { REPO_ROOT } from './helpers/cluster.js';
import { startRealNode, type RealNode } from './helpers/real-node.js';
import WebSocket from 'ws';

// Debian's interpreter: the one python3-kubernetes is installed for (a pyenv python3 may come first on PATH).
const PYTHON = '/usr/bin/python3';
const SCRIPT = join(REPO_ROOT, 'test', 'fixtures', 'clients', 'python_client.py');
const skip =
  spawnSync(PYTHON, ['-c', 'import kubernetes'], { stdio: 'ignore' }).status === 0
    ? false
    : 'python3-kubernetes is not installed (scripts/setup.sh installs it)';

let node: RealNode | undefined;

/** Runs one action of the Python script; its JSON output. */
function python<T = Record<string, unknown>>(...args: string[]): Promise<T> {
  if (!node) throw new Error('no node');
  const kubeconfig = node.server.kubeconfig;
  return new Promise((resolve, reject) => {
    execFile(PYTHON, [SCRIPT, kubeconfig, ...args], { timeout: 60_000 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`python_client.py ${args.join(' ')}: ${err.message}\n${stderr}`));
      try {
        resolve(JSON.parse(stdout) as T);
      } catch {
        reject(new Error(`python_client.py ${args.join(' ')} printed no JSON: ${stdout}\n${stderr}`));
      }
    });
  });
}

const pod = (name: string, nodeName: string, script: string) =>
  JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: {
      nodeName,
      terminationGracePeriodSeconds: 1,
      containers: [{ name: 'main', image: 'busybox', command: ['sh', '-c', script] }],
    },
  });

describe('the official Python client', { skip }, () => {
  before(async () => {
    node = await startRealNode({ name: 'py-client', agent: { serverPort: 0, proxy: false, dns: false } });
    const pods: [string, string][] = [
      ['shell', 'sleep 3600'],
      ['logger', 'for i in 1 2 3; do echo "line $i"; done; sleep 3600'],
      [
        'web',
        'mkdir -p /www && echo "hello through python port-forward" > /www/index.html && exec httpd -f -p 8080 -h /www',
      ],
    ];
    for (const [name, script] of pods) await node.kubectl(['apply', '-f', '-'], pod(name, node.nodeName, script));
    await node.kubectl(['wait', '--for=condition=Ready', 'pod/shell', 'pod/logger', 'pod/web', '--timeout=90s']);
  });
  after(async () => {
    await node?.stop();
  });

  test('version: VersionApi().get_code() (GET /version/)', async () => {
    const v = await python<{ major: string; minor: string; gitVersion: string }>('version');
    assert.equal(v.major, '1');
    assert.match(v.minor, /^\d+$/);
    assert.match(v.gitVersion, /^v1\.\d+\.\d+/);
  });

  test('list: the pods of a namespace', async () => {
    const { pods } = await python<{ pods: string[] }>('list', 'default');
    assert.deepEqual([...pods].sort(), ['logger', 'shell', 'web']);
  });

  test('watch: watch.Watch().stream() sees ADDED, then MODIFIED after a patch', async () => {
    const { events } = await python<{ events: unknown[] }>('watch', 'default', 'py-watched');
    assert.deepEqual(events, [
      { type: 'ADDED', data: { step: 'created' } },
      { type: 'MODIFIED', data: { step: 'patched' } },
    ]);
  });

  test('logs: read_namespaced_pod_log with timestamps=True and tail_lines=2', async () => {
    const { log } = await python<{ log: string }>('logs', 'default', 'logger');
    const lines = log.split('\n').filter(Boolean);
    assert.equal(lines.length, 2, log);
    assert.match(lines[0] ?? '', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z line 2$/);
    assert.match(lines[1] ?? '', /^\S+Z line 3$/);
  });

  test('exec: stdout, stderr and the exit status over v4.channel.k8s.io', async () => {
    const r = await python('exec', 'default', 'shell', 'sh', '-c', 'echo "out $HOSTNAME"; echo err >&2; exit 3');
    assert.deepEqual(r, { stdout: 'out shell\n', stderr: 'err\n', returncode: 3 });
    const ok = await python('exec', 'default', 'shell', 'echo', 'fine');
    assert.deepEqual(ok, { stdout: 'fine\n', stderr: '', returncode: 0 });
  });

  test('exec: stdin reaches the command', async () => {
    const r = await python('exec-stdin', 'default', 'shell');
    assert.deepEqual(r, { stdout: 'hello from python\n', returncode: 0 });
  });

  test('port-forward: kubernetes.stream.portforward reaches a port inside the pod', async () => {
    const r = await python<{ reply: string; error: string | null }>('portforward', 'default', 'web', '8080');
    assert.match(r.reply, /^HTTP\/1\.[01] 200 OK\r\n/);
    assert.match(r.reply, /\r\n\r\nhello through python port-forward\n$/);
    assert.equal(r.error, null);
  });

  // The other channel protocols client libraries speak (the Python client offers only v4), with a raw WebSocket.
  for (const [protocol, base64, jsonStatus] of [
    ['v4.base64.channel.k8s.io', true, true],
    ['channel.k8s.io', false, false],
    ['base64.channel.k8s.io', true, false],
    ['', false, false],
  ] as const) {
    test(`exec over ${protocol || 'a WebSocket without subprotocol'}`, async () => {
      const server = node?.server;
      assert.ok(server);
      const qs =
        'command=sh&command=-c&command=read+l%3B+echo+"got+$l"%3B+echo+e+>%262%3B+exit+3&stdin=1&stdout=1&stderr=1';
      const ws = new WebSocket(
        `${server.url.replace('https', 'wss')}/api/v1/namespaces/default/pods/shell/exec?${qs}`,
        protocol ? [protocol] : [],
        { ca: server.caPem, headers: { Authorization: `Bearer ${server.token}` } },
      );
      const got = new Map<number, string>();
      await new Promise<void>((resolve, reject) => {
        ws.on('open', () => {
          const line = Buffer.from('hi\n');
          ws.send(base64 ? `0${line.toString('base64')}` : Buffer.concat([Buffer.from([0]), line]));
        });
        ws.on('message', (data: Buffer) => {
          const ch = base64 ? (data[0] ?? 0) - 48 : (data[0] ?? 0);
          const payload = base64 ? Buffer.from(data.subarray(1).toString(), 'base64') : data.subarray(1);
          got.set(ch, (got.get(ch) ?? '') + payload.toString());
        });
        ws.on('close', () => resolve());
        ws.on('error', reject);
      });
      assert.equal(ws.protocol, protocol);
      assert.equal(got.get(1), 'got hi\n');
      assert.equal(got.get(2), 'e\n');
      const status = got.get(3) ?? '';
      if (jsonStatus) assert.deepEqual(JSON.parse(status).details.causes, [{ reason: 'ExitCode', message: '3' }]);
      else assert.equal(status, 'command terminated with non-zero exit code: exit status 3');
    });
  }
});
