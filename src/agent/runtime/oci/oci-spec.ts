import type { ContainerResources } from '../container-runtime.js';

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

export const READONLY_PATHS = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

export interface OciMount {
  destination: string;
  type: string;
  source: string;
  options?: string[];
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
      devices: { allow: boolean; access: string }[];
      memory?: { limit: number };
      cpu?: { shares?: number; quota?: number; period?: number };
      pids?: { limit: number };
    };
    maskedPaths: string[];
    readonlyPaths: string[];
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
}

/**
 * Builds a container's config.json: its own PID and mount namespaces, the pod's network, IPC and UTS
 * namespaces by path, the default capabilities, masked and read-only /proc and /sys paths, the usual
 * /proc /dev /sys mounts, the pod's /etc files, and cgroup limits. Pure.
 */
export function buildOciSpec(i: OciSpecInput): OciSpec {
  const caps = [...DEFAULT_CAPABILITIES];
  const resources: OciSpec['linux']['resources'] = { devices: [{ allow: false, access: 'rwm' }] };
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
      noNewPrivileges: false,
    },
    root: { path: i.rootfs, readonly: false },
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
      {
        destination: '/dev/shm',
        type: 'tmpfs',
        source: 'shm',
        options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'],
      },
      { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
      { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
      {
        destination: '/sys/fs/cgroup',
        type: 'cgroup',
        source: 'cgroup',
        options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'],
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
      namespaces: [
        { type: 'pid' },
        { type: 'mount' },
        { type: 'network', path: i.netnsPath },
        { type: 'ipc', path: i.ipcPath },
        { type: 'uts', path: i.utsPath },
      ],
      cgroupsPath: i.cgroupsPath,
      resources,
      maskedPaths: MASKED_PATHS,
      readonlyPaths: READONLY_PATHS,
    },
  };
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
