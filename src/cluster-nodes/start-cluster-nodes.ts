import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import { runCommand } from '../machinery/exec/run-command.js';
import {
  readClusterNodesState,
  removeClusterNodesState,
  writeClusterNodesState,
  type ClusterNodesState,
} from './cluster-nodes-state.js';
import type { ExtraNode, NodeLayout } from './node-layout.js';
import {
  createNodeNamespace,
  deleteNodeBridge,
  deleteNodeNamespace,
  ensureNodeBridge,
  netnsPath,
  setNodeLink,
} from './node-netns.js';

/** How to run this same `flotilla` program (node + its loader flags + the entry script). */
export function selfCommand(): string[] {
  return [process.execPath, ...process.execArgv, process.argv[1] ?? 'flotilla'];
}

export interface StartClusterNodesOptions {
  /** The server's data dir; node i keeps its state in `<dataDir>/nodes/<name>`. */
  dataDir: string;
  layout: NodeLayout;
  /** API server as the nodes reach it, e.g. https://10.44.0.1:6443. */
  serverUrl: string;
  /**
   * Several servers (`up --servers`): node i is given server (i - 1) mod S of this list as --server
   * (spreading them) and runs its server balancer over all of them. Default: serverUrl alone.
   */
  serverUrls?: string[];
  /** File holding the cluster join token (`<dataDir>/token`). */
  tokenFile: string;
  /** The API server's CA certificate (`<dataDir>/tls/ca.crt`). */
  caFile: string;
  log: Logger;
  progress: (line: string) => void;
  /** Log level of the node agents (their JSON logs go to `<node data dir>/agent.log`). */
  logLevel?: string;
  /** How to run `flotilla` (default: this process's own command). */
  command?: string[];
  /** Max wait for each agent's "ready" line, default 60 s. */
  readyTimeoutMs?: number;
}

export interface RunningExtraNode extends ExtraNode {
  dataDir: string;
  pid?: number;
}

export interface ClusterNodes {
  nodes: RunningExtraNode[];
  /** Simulated crash: SIGKILL the node's agent (its containers keep running, its Node stops reporting). */
  killAgent(name: string): void;
  /** Simulated network failure: the node's veth on the bridge down (false) or up again (true). */
  setLink(name: string, up: boolean): Promise<void>;
  /** Stops the agents (SIGTERM, SIGKILL after 10 s), removes their containers, namespaces, veths, the bridge and the record. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts the extra nodes of `flotilla up --nodes N`: the node bridge (if not made yet), then per node a
 * network namespace with a veth to the bridge, its data dir (busybox imported on the first start, as
 * node 1 does) and a `flotilla agent` child process inside the namespace (`nsenter --net`, so /sys,
 * cgroups and mounts stay the host's), joined with the token file and the CA. Leftovers of an earlier
 * run killed with -9 are removed first. What it made is recorded in `<dataDir>/cluster-nodes.json`
 * (pids included) for `stop()` and `flotilla killall`. Resolves once every agent printed its ready line
 * (a node that fails is reported through `progress` and left running for inspection).
 */
export async function startClusterNodes(o: StartClusterNodesOptions): Promise<ClusterNodes> {
  const dataDir = resolve(o.dataDir);
  const command = o.command ?? selfCommand();
  await removeClusterNodes(dataDir, o.log, command);
  await ensureNodeBridge(o.layout);
  const nodes: RunningExtraNode[] = o.layout.nodes.map((n) => ({ ...n, dataDir: join(dataDir, 'nodes', n.name) }));
  const state: ClusterNodesState = { bridge: o.layout.bridge, subnet: o.layout.subnet, nodes };
  await writeClusterNodesState(dataDir, state);
  await importBusybox(nodes, o.log);
  const children = new Map<string, ChildProcess>();
  let stopping: Promise<void> | undefined;
  const ready: Promise<void>[] = [];
  for (const n of nodes) {
    await createNodeNamespace(o.layout, n);
    const args = [
      `--net=${netnsPath(n.netns)}`,
      '--',
      ...command,
      'agent',
      '--server',
      o.serverUrls?.length ? (o.serverUrls[(n.index - 1) % o.serverUrls.length] ?? o.serverUrl) : o.serverUrl,
      ...(o.serverUrls && o.serverUrls.length > 1 ? ['--server-balancer'] : []),
      '--token',
      o.tokenFile,
      '--ca-file',
      o.caFile,
      '--data-dir',
      n.dataDir,
      '--node-name',
      n.name,
      '--node-ip',
      n.ip,
      '--log-level',
      o.logLevel ?? 'info',
    ];
    // Own process group: a Ctrl-C on the terminal reaches `up` only, which stops the nodes in order.
    const child = spawn('nsenter', args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    children.set(n.name, child);
    n.pid = child.pid;
    const logFile = createWriteStream(join(n.dataDir, 'agent.log'), { flags: 'a' });
    child.stderr?.pipe(logFile);
    let out: string | undefined = '';
    ready.push(
      new Promise<void>((res) => {
        const timer = setTimeout(() => {
          o.progress(
            `node ${n.name} not ready after ${(o.readyTimeoutMs ?? 60_000) / 1000} s (log: ${join(n.dataDir, 'agent.log')})`,
          );
          res();
        }, o.readyTimeoutMs ?? 60_000);
        let pending = '';
        child.stdout?.setEncoding('utf8').on('data', (c: string) => {
          logFile.write(c);
          // The agent's image pull progress goes on to the terminal of `up`, named by node.
          pending += c;
          const lines = pending.split('\n');
          pending = lines.pop() ?? '';
          for (const l of lines) {
            const m = /^flotilla agent: (pull(?:ing|ed) .*)$/.exec(l);
            if (m) o.progress(`node ${n.name}: ${m[1]}`);
          }
          if (out === undefined) return;
          out += c;
          if (/ready: node /.test(out)) {
            clearTimeout(timer);
            out = undefined;
            o.progress(`node ${n.name} running (netns ${n.netns}, ${n.ip})`);
            res();
          }
        });
        child.once('exit', (code, signal) => {
          clearTimeout(timer);
          if (!stopping) o.log.warn({ node: n.name, code, signal }, 'node agent exited');
          res();
        });
      }),
    );
  }
  await writeClusterNodesState(dataDir, state);
  await Promise.all(ready);

  const find = (name: string): RunningExtraNode => {
    const n = nodes.find((x) => x.name === name);
    if (!n) throw new Error(`no extra node named ${name}`);
    return n;
  };
  return {
    nodes,
    killAgent(name) {
      find(name);
      children.get(name)?.kill('SIGKILL');
    },
    setLink: (name, up) => setNodeLink(find(name), up),
    stop() {
      stopping ??= (async () => {
        await Promise.all([...children.values()].map((c) => stopChild(c)));
        await removeClusterNodes(dataDir, o.log, command);
      })();
      return stopping;
    },
  };
}

async function stopChild(c: ChildProcess): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null) return;
  const exited = new Promise<void>((r) => c.once('exit', () => r()));
  c.kill('SIGTERM');
  const timer = setTimeout(() => c.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** First start of a node (no images/ yet): the busybox image from the machine's busybox-static, as node 1 gets. */
async function importBusybox(nodes: RunningExtraNode[], log: Logger): Promise<void> {
  const fresh = nodes.filter((n) => !existsSync(join(n.dataDir, 'images')));
  for (const n of nodes) await mkdir(n.dataDir, { recursive: true });
  if (!fresh.length) return;
  const [{ ImageStore }, { buildBusyboxImage }] = await Promise.all([
    import('../agent/images/image-store.js'),
    import('../agent/images/busybox-image.js'),
  ]);
  const tmp = await mkdtemp(join(tmpdir(), 'flotilla-busybox-'));
  try {
    const file = join(tmp, 'busybox.tar');
    await buildBusyboxImage(file);
    for (const n of fresh) {
      const store = new ImageStore(join(n.dataDir, 'images'), log);
      const [img] = await store.importArchive(file);
      if (img) await store.layerDirs(img);
    }
  } catch (err) {
    log.warn({ err }, 'importing the busybox image into the nodes failed');
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** True when `pid` is a process whose arguments name `dir` (a recorded agent pid, not a reused one). */
async function isAgentOf(pid: number, dir: string): Promise<boolean> {
  const argv = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  return argv.split('\0').includes(dir);
}

/**
 * Removes what `startClusterNodes` recorded in `<dataDir>/cluster-nodes.json`: SIGKILLs agents still
 * running, runs `flotilla killall --data-dir <node dir>` inside each node's namespace (containers,
 * conmon, mounts, cgroups; its bridge and tables go with the namespace), deletes the namespaces, the
 * veths, the node bridge (and with it the host's routes through it) and the record. Never touches the
 * host's own pod network: a node whose namespace is gone is cleaned in a throwaway one (`unshare
 * --net`). Idempotent; returns the names of the nodes removed.
 */
export async function removeClusterNodes(
  dataDirArg: string,
  log: Logger,
  command: string[] = selfCommand(),
): Promise<string[]> {
  const dataDir = resolve(dataDirArg);
  const state = await readClusterNodesState(dataDir);
  if (!state) return [];
  for (const n of state.nodes) {
    if (n.pid && (await isAgentOf(n.pid, n.dataDir))) {
      try {
        process.kill(n.pid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
  }
  await Promise.all(
    state.nodes.map(async (n) => {
      if (!existsSync(n.dataDir)) return;
      const enter = existsSync(netnsPath(n.netns))
        ? ['nsenter', `--net=${netnsPath(n.netns)}`, '--']
        : ['unshare', '--net', '--'];
      const [file, ...rest] = [...enter, ...command, 'killall', '--data-dir', n.dataDir];
      const r = await runCommand(file as string, rest, { allowFailure: true, timeoutMs: 120_000 });
      if (r.code !== 0)
        log.warn({ node: n.name, stderr: r.stderr.trim().slice(0, 500) }, 'killall in the node namespace failed');
    }),
  );
  for (const n of state.nodes) await deleteNodeNamespace(n);
  // With extra servers (`up --servers`) the bridge carries etcd: whoever stops them removes it.
  if (!existsSync(join(dataDir, 'cluster-servers.json'))) await deleteNodeBridge(state.bridge);
  await removeClusterNodesState(dataDir);
  return state.nodes.map((n) => n.name);
}
