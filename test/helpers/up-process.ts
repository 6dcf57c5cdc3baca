/**
 * `flotilla up` as a real process on a fresh data dir (API on 127.0.0.1, a free port), as a user runs
 * it; stop() interrupts it as Ctrl-C does, then `flotilla killall` removes its containers, bridge and
 * mounts, the blackhole routes it added are removed and the data dir goes. `up` owns the flotilla0
 * bridge: tests skip themselves with UP_BRIDGE_TAKEN where a real cluster runs.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeBlackholeRoutes } from '../../src/agent/network/blackhole-routes.js';
import { runCommand } from '../../src/machinery/exec/run-command.js';
import { flotillaCommand, kubectl, type KubectlResult } from './cluster.js';
import { until } from './wait-until.js';

/** Whether a cluster already owns the flotilla0 bridge on this machine (then `up` tests skip). */
export const UP_BRIDGE_TAKEN = existsSync('/sys/class/net/flotilla0');
const UP_BLACKHOLES = ['10.42.0.0/16', '10.43.0.0/16'];

export interface UpProcess {
  dataDir: string;
  /** stdout and stderr so far (progress, the login link, warnings). */
  output(): string;
  /** The API URL `up` printed once ready. */
  apiUrl(): string;
  /** The real kubectl with the data dir's admin kubeconfig. */
  kubectl(args: string[], stdin?: string): Promise<KubectlResult>;
  stop(): Promise<void>;
}

export interface UpOptions {
  /** Prefix of the temporary data dir. */
  name: string;
  /** Wait for the node agent (default) or only for the API. */
  waitFor?: 'agent' | 'api';
  timeoutMs?: number;
  extraArgs?: string[];
}

export async function startUp(o: UpOptions): Promise<UpProcess> {
  const preexistingRoutes = (await runCommand('ip', ['route', 'show', 'type', 'blackhole'])).stdout;
  const dataDir = await mkdtemp(join(tmpdir(), `flotilla-${o.name}-`));
  let out = '';
  const child = spawn(
    process.execPath,
    [
      ...flotillaCommand(),
      'up',
      '--data-dir',
      dataDir,
      '--port',
      '0',
      '--bind-address',
      '127.0.0.1',
      '--log-level',
      'warn',
      ...(o.extraArgs ?? []),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout?.setEncoding('utf8').on('data', (c: string) => (out += c));
  child.stderr?.setEncoding('utf8').on('data', (c: string) => (out += c));

  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGINT');
      await until('flotilla up to exit after SIGINT', () => child.exitCode !== null || child.signalCode !== null, {
        timeoutMs: 15_000,
      }).catch(() => child.kill('SIGKILL'));
    }
    await runCommand(process.execPath, [...flotillaCommand(), 'killall', '--data-dir', dataDir], {
      allowFailure: true,
    });
    await removeBlackholeRoutes(UP_BLACKHOLES.filter((c) => !preexistingRoutes.includes(c)));
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    const ready = o.waitFor === 'api' ? /ready: API at/ : /node agent (running|failed)/;
    await until('flotilla up to start (or fail)', () => ready.test(out) || child.exitCode !== null, {
      timeoutMs: o.timeoutMs ?? 60_000,
      describe: () => out,
    });
    assert.match(out, o.waitFor === 'api' ? /ready: API at/ : /node agent running/, out);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    dataDir,
    output: () => out,
    apiUrl: () => /ready: API at (https:\/\/\S+);/.exec(out)?.[1] ?? '',
    kubectl: (args, stdin) => kubectl(args, { kubeconfig: join(dataDir, 'kubeconfig.yaml'), stdin }),
    stop,
  };
}
