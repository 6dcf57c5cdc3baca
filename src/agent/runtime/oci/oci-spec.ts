import type { ContainerResources, ContainerSecurity } from '../container-runtime.js';
import { defaultSeccompProfile, type OciSeccomp } from './seccomp-default.js';

/** The default capability set of containerd and CRI-O, which Kubernetes pods get unless changed. */
export const DEFAULT_CAPABILITIES = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FSETID',
  'CAP_FOWNER',
  'CAP_MKNOD',
  'CAP_NET_RAW',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETFCAP',
  'CAP_SETPCAP',
  'CAP_NET_BIND_SERVICE',
  'CAP_SYS_CHROOT',
  'CAP_KILL',
  'CAP_AUDIT_WRITE',
];

/** Every capability by its number (capability(7)); a host knows those up to /proc/sys/kernel/cap_last_cap. */
export const ALL_CAPABILITIES = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_DAC_READ_SEARCH',
  'CAP_FOWNER',
  'CAP_FSETID',
  'CAP_KILL',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETPCAP',
  'CAP_LINUX_IMMUTABLE',
  'CAP_NET_BIND_SERVICE',
  'CAP_NET_BROADCAST',
  'CAP_NET_ADMIN',
  'CAP_NET_RAW',
  'CAP_IPC_LOCK',
  'CAP_IPC_OWNER',
  'CAP_SYS_MODULE',
  'CAP_SYS_RAWIO',
  'CAP_SYS_CHROOT',
  'CAP_SYS_PTRACE',
  'CAP_SYS_PACCT',
  'CAP_SYS_ADMIN',
  'CAP_SYS_BOOT',
  'CAP_SYS_NICE',
  'CAP_SYS_RESOURCE',
  'CAP_SYS_TIME',
  'CAP_SYS_TTY_CONFIG',
  'CAP_MKNOD',
  'CAP_LEASE',
  'CAP_AUDIT_WRITE',
  'CAP_AUDIT_CONTROL',
  'CAP_SETFCAP',
  'CAP_MAC_OVERRIDE',
  'CAP_MAC_ADMIN',
  'CAP_SYSLOG',
  'CAP_WAKE_ALARM',
  'CAP_BLOCK_SUSPEND',
  'CAP_AUDIT_READ',
  'CAP_PERFMON',
  'CAP_BPF',
  'CAP_CHECKPOINT_RESTORE',
];

/** Paths a container cannot read (containerd's and the kubelet's list for procMount Default). */
export const MASKED_PATHS = [
  '/proc/acpi',
  '/proc/asound',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/proc/sched_debug',
  '/proc/scsi',
  '/sys/firmware',
  '/sys/devices/virtual/powercap',
];

/** /proc paths mounted read-only (procMount Default). */
export const READONLY_PATHS = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

export interface OciMount {
  destination: string;
  type: string;
  source: string;
  options?: string[];
}

/** A device node runc creates in the container's /dev (privileged containers get the host's). */
export interface OciDevice {
  path: string;
  type: 'c' | 'b';
  major: number;
  minor: number;
  fileMode: number;
  uid: number;
  gid: number;
}

/** The subset of the OCI runtime spec (config.json) Flotilla writes. */
export interface OciSpec {
  ociVersion: string;
  process: {
    terminal: boolean;
    user: { uid: number; gid: number; additionalGids?: number[] };
    args: string[];
    env: string[];
    cwd: string;
    capabilities: { bounding: string[]; effective: string[]; permitted: string[] };
    rlimits: { type: string; hard: number; soft: number }[];
    noNewPrivileges: boolean;
  };
  root: { path: string; readonly: boolean };
  mounts: OciMount[];
  annotations: Record<string, string>;
  linux: {
    namespaces: { type: string; path?: string }[];
    cgroupsPath: string;
    resources: {
      devices: { allow: boolean; access: string; type?: string; major?: number; minor?: number }[];
      memory?: { limit: number };
      cpu?: { shares?: number; quota?: number; period?: number };
      pids?: { limit: number };
    };
    devices?: OciDevice[];
    maskedPaths: string[];
    readonlyPaths: string[];
    seccomp?: OciSeccomp;
    sysctl?: Record<string, string>;
  };
}

export interface OciSpecInput {
  args: string[];
  env: string[];
  cwd: string;
  uid: number;
  gid: number;
  additionalGids: number[];
  rootfs: string;
  /** Pinned pod namespaces to join. The UTS namespace is joined, so no `hostname` is set (runc refuses both). */
  netnsPath: string;
  ipcPath: string;
  utsPath: string;
  cgroupsPath: string;
  resources: ContainerResources;
  /** Files bind-mounted from the pod dir: /etc/hosts, /etc/hostname, /etc/resolv.conf. */
  etcFiles: { destination: string; source: string }[];
  /** Volume bind mounts (after the standard mounts, parents before children; the /etc files after them). */
  volumes?: { destination: string; source: string; readOnly: boolean }[];
  annotations: Record<string, string>;
  /** spec.tty: the process gets a terminal (conmon -t receives the console). */
  terminal?: boolean;
  /** securityContext and host namespaces; unset: default capabilities, no seccomp, private namespaces. */
  security?: ContainerSecurity;
  /** The capabilities this host knows (for privileged and `ALL`); default ALL_CAPABILITIES. */
  hostCapabilities?: readonly string[];
  /** The host's device nodes, given to privileged containers. */
  hostDevices?: OciDevice[];
  /** The Localhost seccomp profile, read from the profile root (security.seccomp.type Localhost). */
  localhostSeccomp?: OciSeccomp;
}

/**
 * The capabilities in a /proc/<pid>/status text's CapEff mask (containerd gives privileged containers
 * those of its own process: a capability missing from the runtime's bounding set cannot be granted).
 * ALL_CAPABILITIES when there is no CapEff line. Pure.
 */
export function effectiveCapabilities(status: string): string[] {
  const hex = /^CapEff:\s*([0-9a-f]+)$/m.exec(status)?.[1];
  if (!hex) return [...ALL_CAPABILITIES];
  const mask = BigInt(`0x${hex}`);
  return ALL_CAPABILITIES.filter((_c, i) => (mask >> BigInt(i)) & 1n);
}

/**
 * The capability set of a container: the default set with securityContext's add and drop applied in
 * containerd's order (add ALL, drop ALL, single adds, single drops), or every host capability when
 * privileged. Names may carry `CAP_` or not, in any case. Pure.
 */
export function containerCapabilities(sec: ContainerSecurity | undefined, host: readonly string[]): string[] {
  if (sec?.privileged) return [...host];
  const norm = (c: string): string => {
    const up = c.toUpperCase();
    return up.startsWith('CAP_') ? up : `CAP_${up}`;
  };
  const add = sec?.capabilities?.add ?? [];
  const drop = sec?.capabilities?.drop ?? [];
  const isAll = (c: string): boolean => c.toUpperCase() === 'ALL';
  let caps = new Set<string>(DEFAULT_CAPABILITIES);
  if (add.some(isAll)) caps = new Set(host);
  if (drop.some(isAll)) caps = new Set();
  for (const c of add) if (!isAll(c)) caps.add(norm(c));
  for (const c of drop) if (!isAll(c)) caps.delete(norm(c));
  return [...caps];
}

/**
 * Builds a container's config.json: its own PID and mount namespaces, the pod's network, IPC and UTS
 * namespaces by path, the default capabilities, masked and read-only /proc and /sys paths, the usual
 * /proc /dev /sys mounts, the pod's /etc files, and cgroup limits. Pure.
 */
export function buildOciSpec(i: OciSpecInput): OciSpec {
  const sec = i.security ?? {};
  const privileged = sec.privileged === true;
  const host = sec.hostNamespaces ?? {};
  const caps = containerCapabilities(sec, i.hostCapabilities ?? ALL_CAPABILITIES);
  const resources: OciSpec['linux']['resources'] = {
    devices: [{ allow: privileged, access: 'rwm' }],
  };
  const r = i.resources;
  if (r.memoryLimitBytes !== undefined) resources.memory = { limit: r.memoryLimitBytes };
  if (r.cpuShares !== undefined || r.cpuQuotaUs !== undefined) {
    resources.cpu = {
      shares: r.cpuShares,
      quota: r.cpuQuotaUs,
      period: r.cpuQuotaUs !== undefined ? (r.cpuPeriodUs ?? 100_000) : undefined,
    };
  }
  if (r.pidsLimit !== undefined) resources.pids = { limit: r.pidsLimit };
  return {
    ociVersion: '1.0.2',
    process: {
      terminal: i.terminal ?? false,
      user: { uid: i.uid, gid: i.gid, ...(i.additionalGids.length ? { additionalGids: i.additionalGids } : {}) },
      args: i.args,
      env: i.env,
      cwd: i.cwd || '/',
      capabilities: { bounding: caps, effective: caps, permitted: caps },
      rlimits: [], // inherited from conmon (this machine's nr_open is below the usual 1048576)
      noNewPrivileges: !privileged && sec.noNewPrivileges === true,
    },
    root: { path: i.rootfs, readonly: sec.readOnlyRootFilesystem === true },
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
      {
        destination: '/dev',
        type: 'tmpfs',
        source: 'tmpfs',
        options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'],
      },
      {
        destination: '/dev/pts',
        type: 'devpts',
        source: 'devpts',
        options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'],
      },
      // The host's IPC namespace comes with the host's /dev/shm (containerd's hostIPC).
      host.ipc
        ? { destination: '/dev/shm', type: 'bind', source: '/dev/shm', options: ['rbind', 'rprivate', 'rw'] }
        : {
            destination: '/dev/shm',
            type: 'tmpfs',
            source: 'shm',
            options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'],
          },
      // mqueue shows the queues of the IPC namespace it is mounted from: the host's with hostIPC.
      { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
      // Privileged containers get /sys and the cgroup file system writable (containerd's privileged mode).
      {
        destination: '/sys',
        type: 'sysfs',
        source: 'sysfs',
        options: ['nosuid', 'noexec', 'nodev', privileged ? 'rw' : 'ro'],
      },
      {
        destination: '/sys/fs/cgroup',
        type: 'cgroup',
        source: 'cgroup',
        options: ['nosuid', 'noexec', 'nodev', 'relatime', privileged ? 'rw' : 'ro'],
      },
      ...[...(i.volumes ?? [])]
        .sort((a, b) => depth(a.destination) - depth(b.destination))
        .map((v) => ({
          destination: v.destination,
          type: 'bind',
          source: v.source,
          options: ['rbind', 'rprivate', v.readOnly ? 'ro' : 'rw'],
        })),
      ...i.etcFiles.map((f) => ({
        destination: f.destination,
        type: 'bind',
        source: f.source,
        options: ['rbind', 'rprivate', 'rw'],
      })),
    ],
    annotations: i.annotations,
    linux: {
      // A namespace left out is the host's (runc's, i.e. the agent's); hostNetwork shares the host name too.
      namespaces: [
        ...(host.pid ? [] : [{ type: 'pid' }]),
        { type: 'mount' },
        ...(host.network ? [] : [{ type: 'network', path: i.netnsPath }]),
        ...(host.ipc ? [] : [{ type: 'ipc', path: i.ipcPath }]),
        ...(host.network ? [] : [{ type: 'uts', path: i.utsPath }]),
      ],
      cgroupsPath: i.cgroupsPath,
      resources,
      ...(privileged && i.hostDevices?.length ? { devices: i.hostDevices } : {}),
      maskedPaths: privileged || sec.procMount === 'Unmasked' ? [] : MASKED_PATHS,
      readonlyPaths: privileged || sec.procMount === 'Unmasked' ? [] : READONLY_PATHS,
      ...seccompOf(sec, privileged, caps, i.localhostSeccomp),
      ...(sec.sysctls && Object.keys(sec.sysctls).length ? { sysctl: sec.sysctls } : {}),
    },
  };
}

/** linux.seccomp: none for privileged containers (as containerd) and Unconfined; containerd's default; or the Localhost file. Pure. */
function seccompOf(
  sec: ContainerSecurity,
  privileged: boolean,
  caps: string[],
  localhost: OciSeccomp | undefined,
): { seccomp?: OciSeccomp } {
  if (privileged || !sec.seccomp || sec.seccomp.type === 'Unconfined') return {};
  if (sec.seccomp.type === 'RuntimeDefault') return { seccomp: defaultSeccompProfile(caps) };
  if (!localhost) throw new Error(`localhost seccomp profile ${JSON.stringify(sec.seccomp.localhostProfile)} not read`);
  return { seccomp: localhost };
}

/** Path depth of a mount destination (`/a/b` -> 2), so parents are mounted before what is mounted in them. */
function depth(p: string): number {
  return p.split('/').filter(Boolean).length;
}

/**
 * Resolves a container user (`name`, `uid`, `uid:gid`, `name:group`, '' = root) against the
 * rootfs's /etc/passwd and /etc/group contents. A numeric uid without a group takes the passwd
 * entry's gid, else 0. Throws for an unknown name. Pure.
 */
export function resolveUser(user: string, passwd: string, group: string): { uid: number; gid: number } {
  if (!user) return { uid: 0, gid: 0 };
  const [u = '', g] = user.split(':');
  const users = passwd
    .split('\n')
    .map((l) => l.split(':'))
    .filter((f) => f.length >= 4);
  const entry = /^\d+$/.test(u) ? users.find((f) => f[2] === u) : users.find((f) => f[0] === u);
  if (!/^\d+$/.test(u) && !entry) throw new Error(`unable to find user ${u}: no matching entries in passwd file`);
  const uid = /^\d+$/.test(u) ? Number(u) : Number(entry?.[2]);
  let gid = entry ? Number(entry[3]) : 0;
  if (g !== undefined && g !== '') {
    if (/^\d+$/.test(g)) gid = Number(g);
    else {
      const ge = group
        .split('\n')
        .map((l) => l.split(':'))
        .find((f) => f[0] === g);
      if (!ge) throw new Error(`unable to find group ${g}: no matching entries in group file`);
      gid = Number(ge[2]);
    }
  }
  return { uid, gid };
}

/**
 * The image's supplementary groups of a user (containerd's WithAdditionalGIDs): the gids of the
 * /etc/group entries that list the user (by name, found from the uid in /etc/passwd) as a member,
 * other than the group named like the user. Pure.
 */
export function imageGroups(uid: number, passwd: string, group: string): number[] {
  const name = passwd
    .split('\n')
    .map((l) => l.split(':'))
    .find((f) => f.length >= 4 && f[2] === String(uid))?.[0];
  if (!name) return [];
  return group
    .split('\n')
    .map((l) => l.split(':'))
    .filter((f) => f.length >= 4 && f[0] !== name && (f[3] ?? '').split(',').includes(name))
    .map((f) => Number(f[2]))
    .filter((g) => Number.isInteger(g));
}
