import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import { access, copyFile, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { hostname as osHostname } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import type { Logger } from 'pino';
import type { CniNetwork } from '../../network/cni-network.js';
import type { ContainerRuntime, ContainerSpec, ContainerState, Sandbox, SandboxSpec } from '../container-runtime.js';
import { runCommand } from '../../../machinery/exec/run-command.js';
import { containerCgroupPath, limitPodPids, removePodCgroups } from './cgroups.js';
import { createWithConmon, killConmon } from './conmon.js';
import { type LogRotationLimits, rotateIfFull } from './log-rotation.js';
import { ensurePrivateMount, isMountedFromOtherDevice, unmount, unmountAllUnder } from './mounts.js';
import { ALL_CAPABILITIES, buildOciSpec, effectiveCapabilities, imageGroups, resolveUser } from './oci-spec.js';
import {
  namespaceFileUid,
  pinnedNamespaceFiles,
  pinPodNamespaces,
  podNamespacePaths,
  releasePodNamespaces,
} from './pod-namespaces.js';
import { hostDevices } from './host-devices.js';
import { parseSeccompProfile, type OciSeccomp } from './seccomp-default.js';
import { SealedBinary } from './sealed-binary.js';
import { abSwitches } from '../../../machinery/config/switches.js';

export interface OciRuntimeOptions {
  /**
   * The agent's data dir; the runtime uses ns/, containers/, runc/, exits/, conmon/ and pods/ in it,
   * and reads Localhost seccomp profiles from seccomp/ (the kubelet's seccomp root).
   */
  dataDir: string;
  network: CniNetwork;
  log: Logger;
  runc?: string;
  conmon?: string;
  /** Processes per pod (pids.max of the pod's cgroup), as the kubelet's --pod-max-pids; none: no cap. */
  podMaxPids?: number;
}

/**
 * ContainerRuntime over conmon + runc. Per pod: network, IPC and UTS namespaces pinned on files
 * (no pause process) and attached by CNI. Per container: an OCI bundle under containers/<id> whose
 * rootfs is an overlay of the image layers with its own upper dir, created by runc under conmon and
 * started with `runc start`; exits arrive as files in exits/ (watched with inotify).
 *
 * After an agent restart, init() re-adopts the containers runc still knows (bundle annotations name
 * pod, container and attempt) and runSandbox() the pod namespaces still pinned in ns/ (IP from
 * host-local's files), so nothing runs twice and pods keep their IPs.
 */
export class OciRuntime implements ContainerRuntime {
  private readonly sandboxes = new Map<string, Sandbox>();
  private readonly containers = new Map<string, ContainerState>();
  private readonly exitWaiters = new Map<string, (() => void)[]>();
  private readonly listeners: ((s: ContainerState) => void)[] = [];
  /** Bundles prepared ahead of startContainer, by container id. */
  private readonly prepared = new Map<string, Promise<void>>();
  /** /etc/passwd and /etc/group of each image (by its lowerdir stack). */
  private readonly imageUsers = new Map<string, Promise<{ passwd: string; group: string }>>();
  /** runc, executed through a sealed in-memory copy once init() made one (see sealed-binary.ts). */
  private readonly runc: SealedBinary;
  private readonly conmon: string;
  private readonly dirs: {
    ns: string;
    containers: string;
    runcRoot: string;
    exits: string;
    sockets: string;
    pods: string;
    seccomp: string;
  };
  private watcher?: FSWatcher;
  /** The agent's effective capabilities (privileged containers and `add: [ALL]` get them all, as containerd's). */
  private hostCapabilities: readonly string[] = ALL_CAPABILITIES;

  constructor(private readonly opts: OciRuntimeOptions) {
    const d = opts.dataDir;
    this.runc = new SealedBinary(opts.runc ?? '/usr/sbin/runc');
    this.conmon = opts.conmon ?? '/usr/bin/conmon';
    this.dirs = {
      ns: join(d, 'ns'),
      containers: join(d, 'containers'),
      runcRoot: join(d, 'runc'),
      exits: join(d, 'exits'),
      sockets: join(d, 'conmon'),
      pods: join(d, 'pods'),
      seccomp: join(d, 'seccomp'),
    };
  }

  /** Creates the runtime's directories, the private namespace mount, and starts watching exits. Call once. */
  async init(): Promise<void> {
    await Promise.all(Object.values(this.dirs).map((p) => mkdir(p, { recursive: true })));
    await ensurePrivateMount(this.dirs.ns);
    this.hostCapabilities = effectiveCapabilities(await readFile('/proc/self/status', 'utf8').catch(() => ''));
    // FLOTILLA_UNSEALED_RUNC=1: runc from its file (it then copies itself per container), for A/B runs.
    if (!abSwitches().unsealedRunc && !(await this.runc.start()))
      this.opts.log.info({ runc: this.runc.original }, 'runc runs from its file (no sealed copy could be made)');
    this.watcher = watch(this.dirs.exits, (_event, file) => {
      if (file) void this.exitFileChanged(file.toString());
    });
    await this.adopt();
  }

  /**
   * Re-adopts the containers a previous agent left running under conmon: every container in runc's
   * root that carries this runtime's annotations is known again (running, or exited with the code
   * from its exit file), so nothing is started twice and nothing is lost. What a previous agent left
   * half made is removed, so the pod workers make it anew: a container runc created but nobody
   * started (the kubelet's rule: only a running container is kept as it is) and a prepared bundle
   * runc never saw.
   */
  private async adopt(): Promise<void> {
    const listed = await runCommand(this.runc.path, ['--root', this.dirs.runcRoot, 'list', '--format', 'json'], {
      allowFailure: true,
    });
    type RuncListed = {
      id: string;
      pid?: number;
      status?: string;
      created?: string;
      annotations?: Record<string, string>;
    };
    const items =
      listed.code === 0 && listed.stdout.trim() ? ((JSON.parse(listed.stdout) as RuncListed[] | null) ?? []) : [];
    for (const it of items) {
      const a = it.annotations ?? {};
      const podUid = a['io.flotilla.pod.uid'];
      if (!podUid || this.containers.has(it.id)) continue;
      const state: ContainerState = {
        id: it.id,
        podUid,
        name: a['io.flotilla.container.name'] ?? '',
        attempt: Number(a['io.flotilla.container.attempt'] ?? 0),
        status: it.status === 'running' ? 'running' : it.status === 'created' ? 'created' : 'exited',
        pid: it.pid,
        startedAt: it.created,
        logPath: a['io.flotilla.container.log-path'],
      };
      this.containers.set(it.id, state);
      if (state.status === 'exited') {
        state.status = 'running'; // let exitFileChanged record the code and reason
        await this.exitFileChanged(it.id);
        if ((state.status as string) !== 'exited')
          Object.assign(state, {
            status: 'exited',
            exitCode: 255,
            reason: 'Error',
            finishedAt: new Date().toISOString(),
          });
      }
    }
    for (const state of [...this.containers.values()]) {
      if (state.status !== 'created') continue;
      this.opts.log.info({ id: state.id }, 'removing a container created but never started by a previous agent');
      // Its conmon first: the pod worker makes the container anew under the same id, and a late exit
      // file of the old one would mark the new one exited.
      await killConmon(join(this.dirs.containers, state.id), state.id);
      await this.removeContainer(state.id);
    }
    const listedIds = new Set(items.map((it) => it.id));
    for (const id of await readdir(this.dirs.containers).catch(() => [] as string[])) {
      if (listedIds.has(id)) continue;
      this.opts.log.info({ id }, 'removing a container bundle a previous agent prepared but never created');
      await this.removeContainer(id);
    }
    if (items.length) this.opts.log.info({ adopted: this.containers.size }, 'containers re-adopted');
  }

  /** Stops watching exits; containers keep running under conmon. */
  close(): void {
    this.watcher?.close();
    this.runc.stop();
  }

  /**
   * Unmounts the private namespace mount when no pod namespaces are pinned on it (agent shutdown with
   * no pods, so the data dir can be removed); keeps it otherwise. Idempotent.
   */
  async releaseIdleMounts(): Promise<void> {
    const files = await readdir(this.dirs.ns).catch(() => [] as string[]);
    if (files.length === 0) await unmount(this.dirs.ns);
  }

  onExit(listener: (state: ContainerState) => void): void {
    this.listeners.push(listener);
  }

  listContainers(podUid?: string): ContainerState[] {
    const all = [...this.containers.values()];
    return podUid ? all.filter((c) => c.podUid === podUid) : all;
  }

  async runSandbox(spec: SandboxSpec): Promise<Sandbox> {
    const existing = this.sandboxes.get(spec.uid);
    if (existing) return existing;
    const adopted = await this.adoptSandbox(spec);
    if (adopted) return adopted;
    const dir = this.podDir(spec);
    await mkdir(dir, { recursive: true });
    const host = spec.hostNamespaces ?? {};
    const hosts = (ip: string): string =>
      `127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n${ip ? `${ip}\t${spec.hostname}\n` : ''}`;
    const [ns] = await Promise.all([
      pinPodNamespaces(this.dirs.ns, spec.uid, spec.hostname, host),
      // hostNetwork: the node's /etc/hosts and host name, as the kubelet gives such pods.
      host.network
        ? copyFile('/etc/hosts', join(dir, 'hosts')).catch(() => writeFile(join(dir, 'hosts'), hosts('')))
        : writeFile(join(dir, 'hosts'), hosts('')),
      writeFile(join(dir, 'hostname'), `${host.network ? osHostname() : spec.hostname}\n`),
      copyFile('/etc/resolv.conf', join(dir, 'resolv.conf')).catch(() => writeFile(join(dir, 'resolv.conf'), '')),
      this.opts.podMaxPids ? limitPodPids(spec.uid, this.opts.podMaxPids) : undefined,
    ]);
    const sandbox: Sandbox = {
      uid: spec.uid,
      netnsPath: host.network ? '' : ns.net,
      ipcPath: host.ipc ? '' : ns.ipc,
      utsPath: host.network ? '' : ns.uts,
      ip: '',
      dir,
      attached: Promise.resolve(''),
    };
    if (host.network) {
      // The host's network: no CNI, the pod's IP is the node's.
      sandbox.ip = spec.hostIP ?? '';
      sandbox.attached = Promise.resolve(sandbox.ip);
      this.sandboxes.set(spec.uid, sandbox);
      return sandbox;
    }
    // CNI ADD in the background: containers are created meanwhile. /etc/hosts is rewritten in place
    // (same inode, so the containers' bind mounts see it) once the IP is known.
    sandbox.attached = this.opts.network.add(spec.uid, ns.net, spec.portMappings).then(async (net) => {
      await writeFile(join(dir, 'hosts'), hosts(net.ip));
      sandbox.ip = net.ip;
      return net.ip;
    });
    sandbox.attached.catch(() => {}); // the pod worker awaits it and removes the sandbox on failure
    this.sandboxes.set(spec.uid, sandbox);
    return sandbox;
  }

  /**
   * The sandbox a previous agent left: the pod's namespace files still mounted in ns/ and its IP in
   * host-local's state. Without a recorded IP (the agent died during CNI ADD) the network is attached
   * again. undefined when the pod has no pinned namespaces.
   */
  private async adoptSandbox(spec: SandboxSpec): Promise<Sandbox | undefined> {
    const ns = podNamespacePaths(this.dirs.ns, spec.uid);
    const host = spec.hostNamespaces ?? {};
    // Only what the pod pins can be taken over (with none pinned, a new sandbox is the same thing).
    const files = pinnedNamespaceFiles(this.dirs.ns, spec.uid, host);
    if (files.length === 0) return undefined;
    const mounted = await Promise.all(files.map(isMountedFromOtherDevice));
    if (!mounted.every(Boolean)) return undefined;
    const dir = this.podDir(spec);
    await mkdir(dir, { recursive: true });
    if (host.network) {
      // The host's network: no CNI state to read, the IP is the node's.
      const sandbox: Sandbox = {
        uid: spec.uid,
        netnsPath: '',
        ipcPath: ns.ipc,
        utsPath: '',
        ip: spec.hostIP ?? '',
        dir,
        attached: Promise.resolve(spec.hostIP ?? ''),
      };
      this.sandboxes.set(spec.uid, sandbox);
      this.opts.log.info({ uid: spec.uid }, 'hostNetwork sandbox re-adopted');
      return sandbox;
    }
    const ip = await this.opts.network.findIP(spec.uid);
    const sandbox: Sandbox = {
      uid: spec.uid,
      netnsPath: ns.net,
      ipcPath: host.ipc ? '' : ns.ipc,
      utsPath: ns.uts,
      ip: ip ?? '',
      dir,
      attached: Promise.resolve(ip ?? ''),
    };
    if (!ip) {
      sandbox.attached = this.opts.network
        .add(spec.uid, ns.net, spec.portMappings)
        .then((net) => (sandbox.ip = net.ip));
      sandbox.attached.catch(() => {});
    }
    this.sandboxes.set(spec.uid, sandbox);
    this.opts.log.info({ uid: spec.uid, ip }, 'sandbox re-adopted');
    return sandbox;
  }

  /** Pod uids with namespaces pinned in ns/ (sandboxes, adopted or not). */
  async sandboxUids(): Promise<string[]> {
    const files = await readdir(this.dirs.ns).catch(() => [] as string[]);
    return [...new Set([...this.sandboxes.keys(), ...files.flatMap((f) => namespaceFileUid(f) ?? [])])];
  }

  async removeSandbox(uid: string): Promise<void> {
    const sb = this.sandboxes.get(uid);
    const netns = join(this.dirs.ns, `${uid}-net`);
    if (await exists(netns)) {
      await this.opts.network
        .del(uid, netns)
        .catch((err: unknown) => this.opts.log.warn({ uid, err: String(err) }, 'CNI DEL failed'));
    }
    await releasePodNamespaces(this.dirs.ns, uid);
    await removePodCgroups(uid);
    this.sandboxes.delete(uid);
    if (sb) this.opts.log.debug({ uid }, 'sandbox removed');
  }

  prepareContainer(sandbox: SandboxSpec, spec: ContainerSpec): Promise<void> {
    let p = this.prepared.get(spec.id);
    if (!p) {
      p = this.prepare(this.podDir(sandbox), spec);
      this.prepared.set(spec.id, p);
      p.catch(() => {}); // reported by startContainer
    }
    return p;
  }

  async startContainer(sandbox: Sandbox, spec: ContainerSpec): Promise<ContainerState> {
    const bundle = join(this.dirs.containers, spec.id);
    const state: ContainerState = {
      id: spec.id,
      podUid: spec.podUid,
      name: spec.name,
      attempt: spec.attempt,
      status: 'created',
      logPath: join(sandbox.dir, spec.logPath),
    };
    this.containers.set(spec.id, state);
    try {
      let prepared = this.prepared.get(spec.id);
      if (!prepared) {
        prepared = this.prepare(sandbox.dir, spec);
        this.prepared.set(spec.id, prepared);
      }
      await prepared;
      state.pid = await createWithConmon({
        conmon: this.conmon,
        runc: this.runc.path,
        runcRoot: this.dirs.runcRoot,
        id: spec.id,
        shortId: shortId(spec.id),
        bundle,
        logPath: state.logPath ?? '',
        exitDir: this.dirs.exits,
        socketDir: this.dirs.sockets,
        stdin: spec.stdin,
        tty: spec.tty,
        leaveStdinOpen: spec.stdin && !spec.stdinOnce,
      });
      await runCommand(this.runc.path, ['--root', this.dirs.runcRoot, 'start', spec.id]);
      state.startedAt = new Date().toISOString();
      if (state.status === 'created') state.status = 'running';
      return { ...state };
    } catch (err) {
      await this.removeContainer(spec.id);
      throw err;
    }
  }

  /**
   * The bundle of a container: overlay rootfs of the image layers (own upper/work), users resolved
   * from the image's /etc/passwd and /etc/group (read once per layer stack), config.json naming the
   * pod's namespace files and /etc files by their fixed paths (they need not exist yet).
   */
  private async prepare(podDir: string, spec: ContainerSpec): Promise<void> {
    const bundle = join(this.dirs.containers, spec.id);
    const rootfs = join(bundle, 'rootfs');
    await Promise.all([
      ...['rootfs', 'upper', 'work'].map((d) => mkdir(join(bundle, d), { recursive: true })),
      mkdir(dirname(join(podDir, spec.logPath)), { recursive: true }),
    ]);
    const lower = [...spec.layers].reverse().join(':');
    await runCommand('mount', [
      '-t',
      'overlay',
      'overlay',
      '-o',
      `lowerdir=${lower},upperdir=${join(bundle, 'upper')},workdir=${join(bundle, 'work')}`,
      rootfs,
    ]);
    let users = this.imageUsers.get(lower);
    if (!users) {
      users = Promise.all(
        ['passwd', 'group'].map((f) => readFile(join(rootfs, 'etc', f), 'utf8').catch(() => '')),
      ).then(([passwd, group]) => ({ passwd: passwd ?? '', group: group ?? '' }));
      this.imageUsers.set(lower, users);
    }
    const { passwd, group } = await users;
    const user = resolveUser(spec.user, passwd, group);
    const ns = podNamespacePaths(this.dirs.ns, spec.podUid);
    const sec = spec.security;
    const [devices, localhostSeccomp] = await Promise.all([
      sec?.privileged ? hostDevices() : undefined,
      sec?.seccomp?.type === 'Localhost' && !sec.privileged
        ? this.localhostSeccomp(sec.seccomp.localhostProfile ?? '')
        : undefined,
    ]);
    const config = buildOciSpec({
      args: spec.args,
      env: spec.env,
      cwd: spec.workingDir,
      uid: user.uid,
      gid: user.gid,
      additionalGids: [...new Set([...imageGroups(user.uid, passwd, group), ...(sec?.supplementalGroups ?? [])])],
      security: sec,
      hostCapabilities: this.hostCapabilities,
      hostDevices: devices,
      localhostSeccomp,
      rootfs,
      netnsPath: ns.net,
      ipcPath: ns.ipc,
      utsPath: ns.uts,
      cgroupsPath: containerCgroupPath(spec.podUid, spec.id),
      resources: spec.resources,
      etcFiles: ['hosts', 'hostname', 'resolv.conf'].map((f) => ({
        destination: `/etc/${f}`,
        source: join(podDir, f),
      })),
      volumes: (spec.mounts ?? []).map((m) => ({
        destination: m.containerPath,
        source: m.hostPath,
        readOnly: m.readOnly,
      })),
      annotations: {
        'io.flotilla.pod.uid': spec.podUid,
        'io.flotilla.container.name': spec.name,
        'io.flotilla.container.attempt': String(spec.attempt),
        'io.flotilla.container.log-path': join(podDir, spec.logPath),
      },
      terminal: spec.tty,
    });
    await Promise.all([
      spec.workingDir ? mkdir(join(rootfs, spec.workingDir), { recursive: true }) : undefined,
      writeFile(join(bundle, 'config.json'), JSON.stringify(config)),
    ]);
  }

  /**
   * A Localhost seccomp profile: the file at `localhostProfile` under the seccomp root
   * (`<data-dir>/seccomp`), which it may not leave. Throws (the container start fails) when it
   * cannot be read or parsed.
   */
  private async localhostSeccomp(localhostProfile: string): Promise<OciSeccomp> {
    const file = resolve(this.dirs.seccomp, localhostProfile);
    const rel = relative(this.dirs.seccomp, file);
    if (!localhostProfile || rel.startsWith('..') || rel === '')
      throw new Error(`invalid localhost seccomp profile ${JSON.stringify(localhostProfile)}`);
    const text = await readFile(file, 'utf8').catch((err: unknown) => {
      throw new Error(`cannot load seccomp profile ${JSON.stringify(file)}: ${(err as Error).message}`);
    });
    return parseSeccompProfile(text, file);
  }

  podDir(spec: SandboxSpec): string {
    return join(this.dirs.pods, `${spec.namespace}_${spec.name}_${spec.uid}`);
  }

  async exec(id: string, args: string[], timeoutMs: number): Promise<number> {
    const r = await runCommand(this.runc.path, ['--root', this.dirs.runcRoot, 'exec', id, ...args], {
      allowFailure: true,
      timeoutMs,
    });
    return r.code;
  }

  /**
   * Starts a process in a running container with piped stdio (kubectl exec): `runc exec` keeps the
   * container's env, cwd and user; its exit code is the process's. Signals sent to it are forwarded.
   */
  execProcess(id: string, args: string[]): ChildProcess {
    const [file = this.runc.path, ...rest] = this.execArgv(id, args, false);
    return spawn(file, rest, { stdio: ['pipe', 'pipe', 'pipe'] });
  }

  /** The `runc exec` command line (with tty: `-t`, runc then relays a pty to its own stdio). Pure. */
  execArgv(id: string, args: string[], tty: boolean): string[] {
    return [this.runc.path, '--root', this.dirs.runcRoot, 'exec', ...(tty ? ['-t'] : []), id, ...args];
  }

  /** conmon's attach socket (SOCK_SEQPACKET; input written there reaches the container's stdin) and control fifo (`1 <rows> <cols>` resizes its terminal). Pure. */
  /** Rotates the logs of running containers that have reached the limit (see log-rotation.ts). */
  async rotateLogs(limits: LogRotationLimits): Promise<void> {
    for (const c of [...this.containers.values()]) {
      if (c.status !== 'running' || !c.logPath) continue;
      const rotated = await rotateIfFull(c.logPath, this.attachPaths(c.id).ctl, limits).catch((err: unknown) => {
        this.opts.log.warn({ id: c.id, err: String(err) }, 'container log rotation failed');
        return false;
      });
      if (rotated) this.opts.log.debug({ id: c.id, log: c.logPath }, 'container log rotated');
    }
  }

  attachPaths(id: string): { socket: string; ctl: string } {
    return { socket: join(this.dirs.sockets, shortId(id), 'attach'), ctl: join(this.dirs.containers, id, 'ctl') };
  }

  /** The pinned network namespace file of a pod (port-forward connects inside it). Pure. */
  podNetnsPath(uid: string): string {
    // A hostNetwork pod's network is the agent's own.
    if (this.sandboxes.get(uid)?.netnsPath === '') return '/proc/self/ns/net';
    return podNamespacePaths(this.dirs.ns, uid).net;
  }

  async stopContainer(id: string, graceMs: number): Promise<void> {
    const state = this.containers.get(id);
    if (!state || state.status === 'exited') return;
    await runCommand(this.runc.path, ['--root', this.dirs.runcRoot, 'kill', id, 'TERM'], { allowFailure: true });
    if (await this.waitExit(id, graceMs)) return;
    await runCommand(this.runc.path, ['--root', this.dirs.runcRoot, 'kill', id, 'KILL'], { allowFailure: true });
    if (!(await this.waitExit(id, 10_000))) this.opts.log.warn({ id }, 'container did not exit after SIGKILL');
  }

  async removeContainer(id: string): Promise<void> {
    await runCommand(this.runc.path, ['--root', this.dirs.runcRoot, 'delete', '--force', id], { allowFailure: true });
    const bundle = join(this.dirs.containers, id);
    await unmount(join(bundle, 'rootfs'));
    await rm(bundle, { recursive: true, force: true });
    await rm(join(this.dirs.exits, id), { force: true });
    this.containers.delete(id);
    this.prepared.delete(id);
  }

  /**
   * Forcibly removes everything this runtime created: every runc container in its root, every
   * sandbox, every mount under the data dir. For tests and `flotilla agent` cleanup; idempotent.
   */
  async destroyAll(): Promise<void> {
    const listed = await runCommand(this.runc.path, ['--root', this.dirs.runcRoot, 'list', '-q'], {
      allowFailure: true,
    });
    const ids = new Set([
      ...listed.stdout
        .split('\n')
        .map((s) => s.trim())
        .filter(Boolean),
      ...this.containers.keys(),
    ]);
    for (const id of ids) await this.removeContainer(id);
    const nsFiles = await readdir(this.dirs.ns).catch(() => [] as string[]);
    const uids = new Set([...this.sandboxes.keys(), ...nsFiles.flatMap((f) => namespaceFileUid(f) ?? [])]);
    for (const uid of uids) await this.removeSandbox(uid);
    this.close();
    await unmountAllUnder(this.opts.dataDir);
  }

  /** Resolves true once the container has exited, false after timeoutMs. */
  private waitExit(id: string, timeoutMs: number): Promise<boolean> {
    if (this.containers.get(id)?.status !== 'running' && this.containers.get(id)?.status !== 'created')
      return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      const list = this.exitWaiters.get(id) ?? [];
      list.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
      this.exitWaiters.set(id, list);
    });
  }

  private async exitFileChanged(id: string): Promise<void> {
    const state = this.containers.get(id);
    if (!state || state.status === 'exited') return;
    let text = '';
    for (let i = 0; i < 20 && !text; i++) {
      text = (await readFile(join(this.dirs.exits, id), 'utf8').catch(() => '')).trim();
      if (!text) await new Promise((r) => setTimeout(r, 5));
    }
    if (!text || (state.status as string) === 'exited') return;
    const code = Number(text);
    state.status = 'exited';
    state.exitCode = Number.isFinite(code) ? code : 255;
    // The exit file's time: when the container exited, also if that was while no agent ran.
    state.finishedAt = (
      await stat(join(this.dirs.exits, id)).then(
        (st) => st.mtime,
        () => new Date(),
      )
    ).toISOString();
    const oom = await exists(join(this.dirs.containers, id, 'oom'));
    state.reason = oom ? 'OOMKilled' : state.exitCode === 0 ? 'Completed' : 'Error';
    for (const w of this.exitWaiters.get(id) ?? []) w();
    this.exitWaiters.delete(id);
    for (const l of this.listeners) l({ ...state });
  }
}

async function exists(p: string): Promise<boolean> {
  try {
    await access(p);
    return true;
  } catch {
    return false;
  }
}

/** conmon's short id (its attach socket directory; keeps the socket path under 108 bytes). Pure. */
function shortId(id: string): string {
  return createHash('sha256').update(id).digest('hex').slice(0, 12);
}
