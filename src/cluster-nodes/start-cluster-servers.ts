/**
 * Extra API servers of `flotilla up --servers S`: server 1 is `up` itself (on the host, its etcd
 * member on the node bridge address); server i (2..S) is a `flotilla server --join` process in
 * network namespace `<cluster>-server<i>`, veth `<cluster>-s<i>` on the node bridge, at the i-th
 * address from the top of the node subnet. Each runs its own supervised etcd member (TLS from the
 * shared CA) beside it, so the etcd cluster has S members.
 *
 *   host: up (server 1 + etcd 1 + node 1) -- bridge <cluster>-br
 *      |-- <cluster>-s2 ==== eth0 in netns <cluster>-server2: flotilla server --join (+ etcd 2)
 *      |-- <cluster>-s3 ==== eth0 in netns <cluster>-server3: flotilla server --join (+ etcd 3)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import { cidrNetwork, cidrSize, formatIPv4, parseIPv4Cidr } from '../machinery/net/ipv4.js';
import type { NodeLayout } from './node-layout.js';
import {
  createNodeNamespace,
  deleteNodeBridge,
  deleteNodeNamespace,
  ensureNodeBridge,
  netnsPath,
} from './node-netns.js';
import { selfCommand } from './start-cluster-nodes.js';

export interface ExtraServer {
  /** 2..S. */
  index: number;
  name: string;
  netns: string;
  veth: string;
  ip: string;
}

/**
 * Names and addresses of servers 2..count: `<cluster>-server<i>` at the i-th address from the top
 * of the node subnet (nodes count up from .2). Throws when nodes and servers do not both fit. Pure.
 */
export function serverLayout(l: NodeLayout, count: number): ExtraServer[] {
  if (!Number.isInteger(count) || count < 1 || count > 7)
    throw new Error(`servers ${count}: a whole number from 1 to 7 (an odd one keeps etcd's quorum)`);
  const range = parseIPv4Cidr(l.subnet);
  if (!range) throw new Error(`node subnet ${l.subnet}: not an IPv4 CIDR`);
  const net = cidrNetwork(range);
  const size = cidrSize(range.prefix);
  const servers: ExtraServer[] = [];
  for (let i = 2; i <= count; i++) {
    const host = size - i;
    if (host <= l.nodes.length + 1)
      throw new Error(`servers ${count} and nodes ${l.nodes.length + 1} do not fit in node subnet ${l.subnet}`);
    servers.push({
      index: i,
      name: `${l.cluster}-server${i}`,
      netns: `${l.cluster}-server${i}`,
      veth: `${l.cluster}-s${i}`,
      ip: formatIPv4(net + host),
    });
  }
  return servers;
}

export interface RunningExtraServer extends ExtraServer {
  dataDir: string;
  pid?: number;
}

interface ClusterServersState {
  bridge: string;
  servers: RunningExtraServer[];
}

const STATE_FILE = 'cluster-servers.json';

export interface ClusterServers {
  servers: RunningExtraServer[];
  /** Stops the servers (SIGTERM, SIGKILL after 10 s; their etcd members go with them), removes their namespaces and veths (not the bridge). Idempotent. */
  stop(): Promise<void>;
}

export interface StartClusterServersOptions {
  /** `up`'s data dir; server i keeps its own in `<dataDir>/servers/<name>`. */
  dataDir: string;
  layout: NodeLayout;
  servers: ExtraServer[];
  /** Server 1's API as the others reach it (https://<bridge address>:<port>): they join through it. */
  joinUrl: string;
  /** The API port of every server (the `kubernetes` Service has one port). */
  port: number;
  adminTokenFile: string;
  caFile: string;
  log: Logger;
  progress: (line: string) => void;
  logLevel?: string;
  command?: string[];
  /** Max wait for each server's ready line, default 120 s. */
  readyTimeoutMs?: number;
  /**
   * Start them all at once instead of one after the other: for a restart, when every member has
   * its data and etcd needs a majority of them running before any server (server 1 too) is ready.
   */
  together?: boolean;
}

/**
 * Starts servers 2..S one after the other (etcd adds one member at a time: the next joins once the
 * previous member is healthy; `together` for a restart), each in its namespace with `flotilla server --join`. What it made is
 * recorded in `<dataDir>/cluster-servers.json` (pids included) for stop() and `flotilla killall`.
 * Resolves once every server printed its ready line; throws when one exits or times out first.
 */
export async function startClusterServers(o: StartClusterServersOptions): Promise<ClusterServers> {
  const dataDir = resolve(o.dataDir);
  const command = o.command ?? selfCommand();
  await removeClusterServers(dataDir, o.log, false);
  await ensureNodeBridge(o.layout);
  const servers: RunningExtraServer[] = o.servers.map((s) => ({ ...s, dataDir: join(dataDir, 'servers', s.name) }));
  const state: ClusterServersState = { bridge: o.layout.bridge, servers };
  const children = new Map<string, ChildProcess>();
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      // The last servers first: each one's etcd member leaves a cluster that still has quorum as long as possible.
      for (const c of [...children.values()].reverse()) await stopChild(c);
      // The bridge stays: server 1's etcd member listens on it until `up` has stopped (see run-server).
      await removeClusterServers(dataDir, o.log, false);
    })());
  const readies: Promise<void>[] = [];
  try {
    for (const s of servers) {
      await mkdir(s.dataDir, { recursive: true, mode: 0o700 });
      await createNodeNamespace(o.layout, s);
      const args = [
        `--net=${netnsPath(s.netns)}`,
        '--',
        ...command,
        'server',
        '--data-dir',
        s.dataDir,
        '--join',
        o.joinUrl,
        '--token',
        o.adminTokenFile,
        '--etcd-name',
        s.name,
        '--ca-file',
        o.caFile,
        '--bind-address',
        s.ip,
        '--advertise-address',
        s.ip,
        '--port',
        String(o.port),
        '--log-level',
        o.logLevel ?? 'info',
        '--log-file',
        join(s.dataDir, 'server.log'),
      ];
      const child = spawn('nsenter', args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
      children.set(s.name, child);
      s.pid = child.pid;
      await writeState(dataDir, state);
      const ready = waitReady(child, s, o);
      if (o.together) readies.push(ready.catch((err: unknown) => Promise.reject(err)));
      else await ready;
    }
    await Promise.all(readies);
  } catch (err) {
    await stop();
    throw err;
  }
  return { servers, stop };
}

function waitReady(child: ChildProcess, s: RunningExtraServer, o: StartClusterServersOptions): Promise<void> {
  const out = createWriteStream(join(s.dataDir, 'server.out'), { flags: 'a' });
  child.stderr?.pipe(out);
  let text = '';
  return new Promise<void>((res, rej) => {
    const timeoutMs = o.readyTimeoutMs ?? 120_000;
    const timer = setTimeout(
      () =>
        rej(
          new Error(`server ${s.name} not ready after ${timeoutMs / 1000} s (log: ${join(s.dataDir, 'server.out')})`),
        ),
      timeoutMs,
    );
    child.stdout?.setEncoding('utf8').on('data', (c: string) => {
      out.write(c);
      text += c;
      if (/ready: API at /.test(text)) {
        clearTimeout(timer);
        text = '';
        o.progress(`server ${s.name} running (netns ${s.netns}, ${s.ip})`);
        res();
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      rej(new Error(`server ${s.name} exited (code ${code}, signal ${signal}); log: ${join(s.dataDir, 'server.out')}`));
    });
  });
}

async function stopChild(c: ChildProcess): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null) return;
  const exited = new Promise<void>((r) => c.once('exit', () => r()));
  c.kill('SIGTERM');
  const timer = setTimeout(() => c.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

async function writeState(dataDir: string, state: ClusterServersState): Promise<void> {
  await writeFile(join(dataDir, STATE_FILE), `${JSON.stringify(state, null, 2)}\n`);
}

/**
 * Removes what startClusterServers recorded: SIGKILLs servers still running (their etcd members die
 * with them), deletes their namespaces and veths, and (`withBridge`) the node bridge; then the
 * record. The servers' data dirs stay (a restart rejoins with them). Idempotent; returns the names.
 */
export async function removeClusterServers(dataDirArg: string, log: Logger, withBridge = true): Promise<string[]> {
  const dataDir = resolve(dataDirArg);
  const text = await readFile(join(dataDir, STATE_FILE), 'utf8').catch(() => undefined);
  if (!text) return [];
  let state: ClusterServersState;
  try {
    state = JSON.parse(text) as ClusterServersState;
  } catch {
    return [];
  }
  for (const s of state.servers) {
    const argv = s.pid ? await readFile(`/proc/${s.pid}/cmdline`, 'utf8').catch(() => '') : '';
    if (s.pid && argv.split('\0').includes(s.dataDir)) {
      try {
        process.kill(s.pid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
  }
  // etcd members whose server was killed die with it (parent-death signal); give them a moment.
  await new Promise((r) => setTimeout(r, 200));
  for (const s of state.servers) await deleteNodeNamespace(s);
  if (withBridge) await deleteNodeBridge(state.bridge);
  await rm(join(dataDir, STATE_FILE), { force: true });
  log.debug({ servers: state.servers.map((s) => s.name) }, 'extra servers removed');
  return state.servers.map((s) => s.name);
}
