import { readdir, readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import { CniNetwork } from '../../network/cni-network.js';
import { removeBlackholeRoutes } from '../../network/blackhole-routes.js';
import { readNetworkState } from '../../network/network-state.js';
import { runCommand } from '../../../machinery/exec/run-command.js';
import { mountPoints, unmountAllUnder } from './mounts.js';
import { OciRuntime } from './oci-runtime.js';
import { networkPolicyTableName, proxyTableName } from '../../../machinery/nftables/node-tables.js';

/** What killAll found and removed. */
export interface KillAllReport {
  containers: number;
  conmons: number;
  veths: string[];
  bridge?: string;
  routes: string[];
  /** Mounts under the data dir still there after the retries (something outside still uses them). */
  busyMounts: string[];
}

/** Unmounts what is left under `dir`, a few times while exiting processes release their mounts; returns what stays. */
async function unmountWithRetries(dir: string): Promise<string[]> {
  const left = async () => (await mountPoints()).filter((m) => m === dir || m.startsWith(`${dir}/`));
  for (let attempt = 0; attempt < 5 && (await left()).length > 0; attempt++) {
    if (attempt > 0) await new Promise((r) => setTimeout(r, 200 * attempt));
    await unmountAllUnder(dir);
  }
  return left();
}

/** Pids of conmon processes whose arguments name a path in `dataDir` (from /proc/<pid>/cmdline). */
export async function conmonPids(dataDir: string): Promise<number[]> {
  const prefix = `${dataDir}/`;
  const pids: number[] = [];
  for (const entry of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry)) continue;
    const argv = (await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '')).split('\0');
    if (!(argv[0] ?? '').endsWith('conmon')) continue;
    if (argv.some((a) => a.startsWith(prefix))) pids.push(Number(entry));
  }
  return pids;
}

/**
 * Stops everything an agent with this data dir left on the machine, like k3s-killall.sh: every runc
 * container of its runc root (`runc delete --force`), its conmon processes, the overlay and namespace
 * mounts under the data dir (CNI DEL first, so host-local releases the IPs), the pod cgroups, the
 * veths on its bridge, the bridge, the service proxy's nftables table and the blackhole routes
 * recorded in `<data-dir>/network.json`.
 * Images, logs and the database stay. Idempotent; for users and for tests' cleanup.
 */
export async function killAll(dataDirArg: string, log: Logger): Promise<KillAllReport> {
  const dataDir = resolve(dataDirArg);
  const state = await readNetworkState(dataDir);
  const network = new CniNetwork({
    bridge: state?.bridge,
    subnet: state?.subnet || undefined,
    ipamDataDir: join(dataDir, 'cni', 'networks'),
    log,
  });
  const runtime = new OciRuntime({ dataDir, network, log });
  const listed = await runCommand('/usr/sbin/runc', ['--root', join(dataDir, 'runc'), 'list', '-q'], {
    allowFailure: true,
  });
  const containers = listed.stdout.split('\n').filter((s) => s.trim()).length;
  // conmon first: while it waits on a container (one runc created but nobody started included), the
  // container's root file system stays busy and cannot be unmounted.
  const conmons = await conmonPids(dataDir);
  for (const pid of conmons) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  try {
    await runtime.destroyAll();
  } catch (err) {
    log.warn({ err }, 'removing the containers and sandboxes failed part-way; unmounting what is left');
  }
  const report: KillAllReport = { containers, conmons: conmons.length, veths: [], routes: [], busyMounts: [] };
  report.busyMounts = await unmountWithRetries(dataDir);
  if (state) {
    // The host ends of the pods' veths (normally gone with their namespaces), then the bridge.
    const links = await runCommand('ip', ['-j', 'link', 'show', 'master', state.bridge], { allowFailure: true });
    const veths =
      links.code === 0 && links.stdout.trim()
        ? (JSON.parse(links.stdout) as { ifname: string }[]).map((l) => l.ifname)
        : [];
    for (const v of veths) await runCommand('ip', ['link', 'del', v], { allowFailure: true });
    report.veths = veths;
    if ((await runCommand('ip', ['link', 'show', state.bridge], { allowFailure: true })).code === 0) {
      await network.removeBridge();
      report.bridge = state.bridge;
    }
    // The service proxy's nftables table (an agent killed with -9 cannot delete it itself).
    await runCommand('nft', ['delete', 'table', 'ip', proxyTableName(state.bridge)], { allowFailure: true });
    await runCommand('nft', ['delete', 'table', 'ip', networkPolicyTableName(state.bridge)], { allowFailure: true });
    const routes = (await runCommand('ip', ['route', 'show', 'type', 'blackhole'], { allowFailure: true })).stdout;
    report.routes = state.blackholeRoutes.filter((c) => routes.includes(c));
    await removeBlackholeRoutes(report.routes);
  }
  // Every pod is gone: host-local's reservations are stale.
  await rm(join(dataDir, 'cni', 'networks', 'flotilla'), { recursive: true, force: true });
  return report;
}
