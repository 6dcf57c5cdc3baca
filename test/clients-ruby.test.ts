/**
 * Debian's ruby-kubeclient (installed by scripts/setup.sh) against a real server and agent: get and
 * list, watch (the legacy `/api/v1/watch/...` paths it uses), logs and followed logs, through
 * test/fixtures/clients/ruby_client.rb, which prints JSON. kubeclient has no exec or port-forward.
 * Runs as root (real containers, test/helpers/real-node.ts).
 */
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { REPO_ROOT } from './helpers/cluster.js';
import { startRealNode, type RealNode } from './helpers/real-node.js';

const SCRIPT = join(REPO_ROOT, 'test', 'fixtures', 'clients', 'ruby_client.rb');
const skip =
  spawnSync('ruby', ['-e', 'require "kubeclient"'], { stdio: 'ignore' }).status === 0
    ? false
    : 'ruby-kubeclient is not installed (scripts/setup.sh installs it)';

let node: RealNode | undefined;

/** Runs one action of the Ruby script; its JSON output. */
function ruby<T = Record<string, unknown>>(...args: string[]): Promise<T> {
  if (!node) throw new Error('no node');
  const kubeconfig = node.server.kubeconfig;
  return new Promise((resolve, reject) => {
    execFile('ruby', [SCRIPT, kubeconfig, ...args], { timeout: 60_000 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`ruby_client.rb ${args.join(' ')}: ${err.message}\n${stderr}`));
      try {
        resolve(JSON.parse(stdout) as T);
      } catch {
        reject(new Error(`ruby_client.rb ${args.join(' ')} printed no JSON: ${stdout}\n${stderr}`));
      }
    });
  });
}

describe('ruby-kubeclient', { skip }, () => {
  before(async () => {
    node = await startRealNode({ name: 'rb-client', agent: { serverPort: 0, proxy: false, dns: false } });
    const logger = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'logger', namespace: 'default' },
      spec: {
        nodeName: node.nodeName,
        terminationGracePeriodSeconds: 1,
        containers: [
          {
            name: 'main',
            image: 'busybox',
            command: ['sh', '-c', 'for i in 1 2 3; do echo "line $i"; done; sleep 3600'],
          },
        ],
      },
    };
    await node.kubectl(['apply', '-f', '-'], JSON.stringify(logger));
    await node.kubectl(['wait', '--for=condition=Ready', 'pod/logger', '--timeout=90s']);
  });
  after(async () => {
    await node?.stop();
  });

  test('get_pods and get_pod', async () => {
    assert.deepEqual(await ruby('list', 'default'), { pods: ['logger'], phase: 'Running' });
  });

  test('watch_config_maps sees ADDED, then MODIFIED after a patch', async () => {
    const { events } = await ruby<{ events: unknown[] }>('watch', 'default', 'rb-watched');
    assert.deepEqual(events, [
      { type: 'ADDED', data: { step: 'created' } },
      { type: 'MODIFIED', data: { step: 'patched' } },
    ]);
  });

  test('get_pod_log with timestamps and tail_lines', async () => {
    const { log } = await ruby<{ log: string }>('logs', 'default', 'logger');
    const lines = log.split('\n').filter(Boolean);
    assert.equal(lines.length, 2, log);
    assert.match(lines[0] ?? '', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z line 2$/);
    assert.match(lines[1] ?? '', /^\S+Z line 3$/);
  });

  test('watch_pod_log follows the log', async () => {
    const { lines } = await ruby<{ lines: string[] }>('follow', 'default', 'logger', '3');
    assert.deepEqual(
      lines.map((l) => l.trimEnd()),
      ['line 1', 'line 2', 'line 3'],
    );
  });
});
