/**
 * kubectl exec, cp, port-forward and attach against real containers, through the API server (which
 * splices the upgraded connection to the node agent), with the newest kubectl (WebSocket v5 for
 * exec/attach, SPDY tunnelled in a WebSocket for port-forward) and kubectl 1.27 (SPDY/3.1 after an
 * HTTP upgrade). Server + in-process agent with its own bridge and pod CIDR (test/helpers/real-node.ts),
 * cleaned up in `after`. Runs as root.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { TestServer } from './helpers/cluster.js';
import { kubectlBinary, kubectlVersions } from './helpers/kubectl.js';
import { startRealNode, type RealNode } from './helpers/real-node.js';
import { transportCounts } from '../src/agent/server/streams/remote-command.js';
import { until } from './helpers/wait-until.js';
import { httpGet } from './helpers/http-get.js';

let node: RealNode | undefined;
let server: TestServer;
let NODE = '';
let work = '';

const pod = (name: string, script: string, stdin = false) =>
  JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: {
      nodeName: NODE,
      terminationGracePeriodSeconds: 1,
      containers: [{ name: 'main', image: 'busybox', command: ['sh', '-c', script], stdin }],
    },
  });

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'flotilla-exec-files-'));
  node = await startRealNode({ name: 'exec-test', agent: { serverPort: 0, proxy: false, dns: false } });
  server = node.server;
  NODE = node.nodeName;
  const pods: [string, string][] = [
    ['shell', 'sleep 3600'],
    ['web', 'mkdir -p /www && echo "hello through port-forward" > /www/index.html && exec httpd -f -p 8080 -h /www'],
    ['ticker', 'i=0; while true; do echo tick $i; echo tock $i >&2; i=$((i+1)); sleep 0.2; done'],
  ];
  for (const [name, script] of pods) {
    const r = await server.kubectl(['apply', '-f', '-'], { stdin: pod(name, script) });
    assert.equal(r.code, 0, r.stderr);
  }
  const echoer = await server.kubectl(['apply', '-f', '-'], {
    stdin: pod('echoer', 'while read l; do echo "got $l"; done; echo stdin closed', true),
  });
  assert.equal(echoer.code, 0, echoer.stderr);
  const w = await server.kubectl(
    ['wait', '--for=condition=Ready', 'pod/shell', 'pod/web', 'pod/ticker', 'pod/echoer', '--timeout=90s'],
    { timeoutMs: 100_000 },
  );
  assert.equal(w.code, 0, w.stderr);
});

after(async () => {
  await node?.stop();
  await rm(work, { recursive: true, force: true });
});

const get = (url: string) => httpGet(url, 10_000);

/** Runs kubectl in the background; `until` resolves once its stdout matches. */
function background(version: string | undefined, args: string[]) {
  const proc = spawn(kubectlBinary(version), ['--kubeconfig', server.kubeconfig, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  proc.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
  proc.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
  return {
    proc,
    output: () => out,
    errors: () => err,
    until(re: RegExp, timeoutMs = 30_000): Promise<RegExpMatchArray> {
      return until(
        `kubectl ${args.join(' ')} to print ${re}`,
        () => {
          const m = re.exec(out);
          if (m) return m;
          if (proc.exitCode !== null)
            throw new Error(`kubectl exited ${proc.exitCode}: ${JSON.stringify(out)}; stderr ${err}`);
          return undefined;
        },
        { timeoutMs, describe: () => `stdout ${JSON.stringify(out)}; stderr ${err}` },
      );
    },
    write: (s: string) => proc.stdin.write(s),
    stop: () => proc.kill('SIGKILL'),
  };
}

const versions = [...new Set([kubectlVersions().at(-1), '1.27'])].filter(
  (v): v is string => v !== undefined && kubectlVersions().includes(v),
);

for (const version of versions) {
  const k = (args: string[], stdin?: string) => server.kubectl(args, { version, stdin, timeoutMs: 60_000 });
  // kubectl 1.30+ speaks WebSocket first (exec/attach: v5 channels; 1.31+ port-forward: SPDY inside a
  // WebSocket); older ones SPDY/3.1 after an HTTP upgrade. A silent fallback must not pass as success.
  const [maj, min] = version.split('.').map(Number) as [number, number];
  const wsExec = maj > 1 || min >= 30;
  const wsPortForward = maj > 1 || min >= 31;
  describe(`kubectl ${version}`, () => {
    test('exec: stdout, stderr and the exit code', async () => {
      const before = { ...transportCounts };
      const r = await k(['exec', 'shell', '--', 'sh', '-c', 'echo out; echo err >&2; exit 3']);
      assert.equal(r.stdout, 'out\n');
      assert.match(r.stderr, /^err\n/);
      assert.equal(r.code, 3, r.stderr);
      const ok = await k(['exec', 'shell', '-c', 'main', '--', 'sh', '-c', 'echo "$HOSTNAME $(pwd)"']);
      assert.equal(ok.code, 0, ok.stderr);
      assert.equal(ok.stdout, 'shell /\n');
      assert.deepEqual(
        [transportCounts.websocket - before.websocket, transportCounts.spdy - before.spdy],
        wsExec ? [2, 0] : [0, 2],
      );
    });

    test('exec -it: a terminal of the client size, resized, exit code kept', async () => {
      // kubectl wants a terminal of its own for -t: run it under `script`, sized 33x111, resized to
      // 44x55 a moment later (kubectl then sends a resize message).
      // (the first `stty size` waits a moment: runc sizes the new pty just after the process starts,
      // which busybox stty reports as an error when it sees 0x0 — as with kubelet + containerd)
      const remote = `sleep 0.5; tty; stty size; sleep 2; stty size; exit 4`;
      const ttyFile = join(work, `tty-${version}`);
      const inner = `tty > ${ttyFile}; stty rows 33 cols 111; exec ${kubectlBinary(version)} --kubeconfig ${server.kubeconfig} exec -it shell -- sh -c '${remote}'`;
      const r = await new Promise<{ code: number | null; out: string }>((resolve) => {
        const p = spawn('script', ['-q', '-e', '-c', inner, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
        let out = '';
        let resized = false;
        p.stdout.setEncoding('utf8').on('data', (c: string) => {
          out += c;
          if (!resized && out.includes('33 111')) {
            resized = true; // the terminal is resized once the first size was seen: kubectl sends a resize
            void readFile(ttyFile, 'utf8').then((t) => spawn('stty', ['-F', t.trim(), 'rows', '44', 'cols', '55']));
          }
        });
        p.stderr.setEncoding('utf8').on('data', (c: string) => (out += c));
        const timer = setTimeout(() => p.kill('SIGKILL'), 30_000);
        p.on('close', (code) => {
          clearTimeout(timer);
          resolve({ code, out });
        });
      });
      const lines = r.out
        .split(/\r?\n/)
        .map((l) => l.trim())
        .filter(Boolean);
      assert.match(lines[0] ?? '', /^\/dev\/pts\/\d+$/, r.out);
      assert.equal(lines[1], '33 111', r.out);
      assert.equal(lines[2], '44 55', r.out);
      assert.equal(r.code, 4, r.out);
    });

    test('exec latency (kubectl start included)', async () => {
      const times: number[] = [];
      for (let i = 0; i < 5; i++) {
        const t0 = performance.now();
        const r = await k(['exec', 'shell', '--', 'true']);
        times.push(performance.now() - t0);
        assert.equal(r.code, 0, r.stderr);
      }
      const t0 = performance.now();
      await k(['get', 'pod', 'shell', '-o', 'name']);
      const getMs = performance.now() - t0;
      times.sort((a, b) => a - b);
      process.stdout.write(
        `# kubectl ${version} exec true: median ${times[2]?.toFixed(0)} ms (kubectl get: ${getMs.toFixed(0)} ms)\n`,
      );
    });

    test('exec -i: stdin is piped and closed', async () => {
      const r = await k(['exec', '-i', 'shell', '--', 'sh', '-c', 'cat; echo done'], 'line one\nline two\n');
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'line one\nline two\ndone\n');
    });

    test('exec errors: unknown container, unknown pod', async () => {
      const bad = await k(['exec', 'shell', '-c', 'nope', '--', 'true']);
      assert.notEqual(bad.code, 0);
      assert.match(bad.stderr, /container nope is not valid for pod shell/);
      const nocmd = await k(['exec', 'shell', '--', 'nosuchcommand']);
      assert.equal(nocmd.code, 1, nocmd.stderr);
      assert.match(
        nocmd.stderr,
        /^error: error executing command in container: failed to exec in container: .*executable file not found/,
      );
      const missing = await k(['exec', 'nosuchpod', '--', 'true']);
      assert.notEqual(missing.code, 0);
      assert.match(missing.stderr, /pods "nosuchpod" not found/);
    });

    test('cp: a file into the pod and back, byte for byte', async () => {
      const data = randomBytes(300 * 1024);
      const src = join(work, `in-${version}.bin`);
      const back = join(work, `out-${version}.bin`);
      await writeFile(src, data);
      const up = await k(['cp', src, `shell:/tmp/f-${version}.bin`]);
      assert.equal(up.code, 0, up.stderr);
      const size = await k(['exec', 'shell', '--', 'sh', '-c', `wc -c < /tmp/f-${version}.bin`]);
      assert.equal(size.stdout.trim(), String(data.length));
      const down = await k(['cp', `shell:/tmp/f-${version}.bin`, back]);
      assert.equal(down.code, 0, down.stderr);
      assert.ok((await readFile(back)).equals(data), 'copied back unchanged');
    });

    test('port-forward: HTTP through a local port', async () => {
      const before = { ...transportCounts };
      const pf = background(version, ['port-forward', 'pod/web', ':8080', ...(process.env.PF_DEBUG ? ['-v=8'] : [])]);
      try {
        const m = await pf.until(/Forwarding from 127\.0\.0\.1:(\d+) -> 8080/);
        for (let i = 0; i < 3; i++) {
          const r = await get(`http://127.0.0.1:${m[1]}/`);
          assert.equal(r.status, 200);
          assert.equal(r.body, 'hello through port-forward\n');
        }
        assert.deepEqual(
          [transportCounts.spdyInWebSocket - before.spdyInWebSocket, transportCounts.spdy - before.spdy],
          wsPortForward ? [1, 0] : [0, 1],
          pf.errors(),
        );
      } finally {
        pf.stop();
      }
    });

    test('port-forward to a closed port: kubectl reports the error stream', async () => {
      const pf = background(version, ['port-forward', 'pod/web', ':9999']);
      try {
        const m = await pf.until(/Forwarding from 127\.0\.0\.1:(\d+) -> 9999/);
        await get(`http://127.0.0.1:${m[1]}/`).catch(() => undefined); // reset or empty reply
        const refused = /error forwarding port 9999 to pod default\/web: .*refused/i;
        await until('kubectl to report the refused port', () => refused.test(pf.errors()), {
          timeoutMs: 15_000,
          describe: () => pf.errors(),
        });
      } finally {
        pf.stop();
      }
    });

    test('attach: follows what the container prints', async () => {
      const at = background(version, ['attach', 'ticker']);
      try {
        const first = await at.until(/tick (\d+)\n/);
        const n = Number(first[1]);
        await at.until(new RegExp(`tick ${n + 2}\\n`));
        assert.doesNotMatch(at.output(), /tock/, 'stderr is not on stdout');
      } finally {
        at.stop();
      }
    });

    test('kubectl run -i --rm: input to a stdinOnce container, its end ends the pod', async () => {
      const name = `run-${version.replace('.', '-')}`;
      const r = await k(
        [
          'run',
          name,
          '-i',
          '--rm',
          '--restart=Never',
          '--image=busybox',
          '--image-pull-policy=IfNotPresent',
          `--overrides={"apiVersion":"v1","spec":{"nodeName":"${NODE}","terminationGracePeriodSeconds":1}}`,
          '--',
          'sh',
          '-c',
          'read l; echo "ran $l"',
        ],
        `hello\n`,
      );
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /ran hello\n/);
      const gone = await k(['get', 'pod', name]);
      assert.match(gone.stderr, /not found/);
    });

    test('kubectl run -it: a tty container of the client size', async () => {
      const name = `tty-${version.replace('.', '-')}`;
      const overrides = JSON.stringify({
        apiVersion: 'v1',
        spec: { nodeName: NODE, terminationGracePeriodSeconds: 1 },
      });
      const run = `${kubectlBinary(version)} --kubeconfig ${server.kubeconfig} run ${name} -it --rm --restart=Never --image=busybox --image-pull-policy=IfNotPresent --overrides='${overrides}' -- sh -c 'read l; stty size; tty; echo "typed $l"'`;
      const r = await new Promise<{ code: number | null; out: string }>((resolve) => {
        const p = spawn('script', ['-q', '-e', '-c', `stty rows 21 cols 77; ${run}`, '/dev/null'], {
          stdio: ['pipe', 'pipe', 'pipe'],
        });
        let out = '';
        p.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
        p.stderr.setEncoding('utf8').on('data', (c: string) => (out += c));
        const timer = setTimeout(() => p.kill('SIGKILL'), 30_000);
        p.on('close', (code) => {
          clearTimeout(timer);
          resolve({ code, out });
        });
        // type once kubectl is attached (it says so), as a user would
        const typed = setInterval(() => {
          if (!out.includes('try pressing enter')) return;
          clearInterval(typed);
          setTimeout(() => p.stdin.write('abc\r'), 1000);
        }, 50);
        p.on('close', () => clearInterval(typed));
      });
      assert.match(r.out, /21 77\r?\n/, r.out);
      assert.match(r.out, /\/dev\/pts\/\d+\r?\n/, r.out);
      assert.match(r.out, /typed abc/, r.out);
      assert.equal(r.code, 0, r.out);
    });

    test('attach -i: input reaches a container with stdin: true', async () => {
      const opened = transportCounts.websocket + transportCounts.spdy;
      const at = background(version, ['attach', '-i', 'echoer']);
      try {
        // Write once the agent has opened the attach streams (its transport counters move then).
        await until(
          'the attach streams open at the agent',
          () => transportCounts.websocket + transportCounts.spdy > opened,
        );
        at.write(`hello ${version}\n`);
        await at.until(new RegExp(`got hello ${version.replace('.', '\\.')}\n`));
      } finally {
        at.stop();
      }
    });
  });
}

test('client-node PortForward (WebSocket channel protocol): an HTTP request through it', async () => {
  const k8s = await import('@kubernetes/client-node');
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(server.kubeconfig);
  const out = new PassThrough();
  const errOut = new PassThrough();
  const input = new PassThrough();
  let got = '';
  let errText = '';
  out.setEncoding('utf8').on('data', (c: string) => (got += c));
  errOut.setEncoding('utf8').on('data', (c: string) => (errText += c));
  const before = transportCounts.websocket;
  const ws = await new k8s.PortForward(kc).portForward('default', 'web', [8080], out, errOut, input);
  input.end('GET / HTTP/1.0\r\n\r\n');
  await until('the reply through port-forward', () => got.includes('hello through port-forward'), {
    timeoutMs: 15_000,
    describe: () => got + errText,
  }).catch(() => undefined); // the assertions below show what arrived
  assert.match(got, /^HTTP\/1\.[01] 200 OK/, got + errText);
  assert.match(got, /hello through port-forward\n$/);
  assert.equal(transportCounts.websocket - before, 1);
  (typeof ws === 'function' ? ws() : ws)?.close();
});
