/**
 * Container log rotation on a real node (runc + conmon): a pod that prints numbered lines fast
 * fills its log past a small limit again and again; the agent renames the full log, conmon reopens
 * it, old files beyond the limit go. `kubectl logs -f` open all along sees every line once, in
 * order, across the rotations; the pod's log directory never holds more than the kept files.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { PODS } from '../src/machinery/resources/well-known.js';
import { kubectlBinary } from './helpers/kubectl.js';
import { startRealNode, type RealNode } from './helpers/real-node.js';
import { until } from './helpers/wait-until.js';

const MAX_BYTES = 32 * 1024;
const MAX_FILES = 3;
let node: RealNode;

before(async () => {
  node = await startRealNode({
    name: 'logrotate',
    agent: { proxy: false, dns: false, containerLogs: { maxBytes: MAX_BYTES, maxFiles: MAX_FILES, periodMs: 100 } },
  });
});

after(async () => {
  await node?.stop();
});

/** The files in the container's log directory (`<pod dir>/main/`). */
async function logFiles(): Promise<string[]> {
  const all = (await readdir(node.dataDir, { recursive: true })) as string[];
  return all.filter((p) => /\/main\/0\.log(\.\d{8}-\d{6}\.\d{3})?$/.test(p)).map((p) => join(node.dataDir, p));
}

test('a fast-writing container rotates; kubectl logs -f sees every line once across rotations', async () => {
  await node.admin.create(PODS, 'default', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'counter' },
    spec: {
      nodeName: node.nodeName,
      terminationGracePeriodSeconds: 1,
      containers: [
        {
          name: 'main',
          image: 'busybox',
          imagePullPolicy: 'Never',
          // About 100 bytes a line, in bursts of 50 lines.
          command: [
            'sh',
            '-c',
            'i=0; pad=$(printf "%080d" 0); while true; do echo "line $i $pad"; i=$((i+1)); [ $((i % 50)) -eq 0 ] && sleep 0.05; done',
          ],
        },
      ],
    },
  });
  await node.waitForPod('counter', (p) => p.status?.phase === 'Running', 60_000);

  const follow = spawn(kubectlBinary(), ['--kubeconfig', node.server.kubeconfig, 'logs', '-f', 'counter']);
  let out = '';
  follow.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
  let rotations = 0;
  let mostFiles = 0;
  try {
    // At least five rotations while kubectl follows, counted by rotated files appearing with new names.
    const before = new Set((await logFiles()).filter((f) => /\.log\./.test(f)));
    const seen = new Set<string>();
    await until(
      'five rotations',
      async () => {
        const files = await logFiles();
        mostFiles = Math.max(mostFiles, files.length);
        for (const f of files) if (/\.log\./.test(f) && !before.has(f)) seen.add(f);
        rotations = seen.size;
        return rotations >= 5;
      },
      { timeoutMs: 60_000, intervalMs: 50 },
    );
  } finally {
    follow.kill();
  }
  assert.ok(mostFiles <= MAX_FILES, `at most ${MAX_FILES} files at a time, saw ${mostFiles}`);

  const numbers = out
    .split('\n')
    .filter((l) => l.startsWith('line '))
    .map((l) => Number(l.split(' ')[1]));
  // Five rotations of 32 KiB at about 100 bytes a line: well over three files' worth followed.
  assert.ok(numbers.length > (3 * MAX_BYTES) / 100, `lines followed: ${numbers.length}`);
  // From the first line kubectl showed, each number once and in order: nothing lost or repeated
  // while the log was renamed and reopened underneath.
  const first = numbers[0] ?? 0;
  const gaps = numbers.filter((n, i) => n !== first + i);
  assert.equal(gaps.length, 0, `out of sequence from ${first}: ${gaps.slice(0, 5).join(', ')}`);

  // A plain `kubectl logs` reads the live file: the newest lines, starting after the last rotation.
  const now = await node.kubectl(['logs', 'counter', '--tail=1']);
  assert.match(now, /^line \d+ 0+\n$/);
});
