/**
 * Every environment variable Flotilla reads, in one place (docs/dev/switches.md lists them). This is
 * the only module below src/cli and src/server that touches `process.env`.
 *
 * Two kinds:
 * - settings (log level, controller timings for tests and small clusters, the metrics cache TTL):
 *   parsed once by the CLI (readSettings) and passed down as options; components never look here.
 * - A/B switches: off switches of performance tricks, for measurements and as escape hatches. They
 *   are read once (abSwitches) and consulted where the trick lives, so that benchmarks running a
 *   component in-process can flip them too.
 *
 * Unset, empty or unparsable values mean "default" (the component's own).
 */

/** Settings read from the environment; every field optional (undefined = the component's default). */
export interface EnvSettings {
  /** FLOTILLA_LOG_LEVEL: default of --log-level (fatal, error, warn, info, debug, trace). */
  logLevel?: string;
  /** FLOTILLA_METRICS_TTL_MS: how long the API server caches a node's stats summary (default 10 s). */
  metricsTtlMs?: number;
  /** FLOTILLA_BUSYBOX: the host's busybox, whose `nc` serves port-forward inside pods (default /bin/busybox). */
  busybox?: string;
  /** The built-in controllers' settings. */
  controllers: ControllerEnvSettings;
}

/** Settings of the built-in controllers from the environment (shapes match the controllers' own option types). */
export interface ControllerEnvSettings {
  /** FLOTILLA_CRONJOB_CLOCK_SPEED: the CronJob controller's clock runs this many times faster (tests). */
  cronJobClockSpeed?: number;
  hpa: {
    /** FLOTILLA_HPA_SYNC_PERIOD_MS (> 0). */
    syncPeriodMs?: number;
    /** FLOTILLA_HPA_DOWNSCALE_STABILIZATION_MS. */
    downscaleWindowMs?: number;
    /** FLOTILLA_HPA_CPU_INITIALIZATION_PERIOD_MS. */
    cpuInitializationPeriodMs?: number;
    /** FLOTILLA_HPA_TOLERANCE. */
    tolerance?: number;
  };
  nodes: {
    /** FLOTILLA_NODE_MONITOR_GRACE_PERIOD_MS: silence after which a node is Unknown. */
    gracePeriodMs?: number;
    /** FLOTILLA_CLUSTER_CIDR: the pod range node IPAM hands /N blocks from. */
    clusterCidr?: string;
    /** FLOTILLA_NODE_CIDR_MASK_SIZE: prefix length of each node's block. */
    nodeMaskSize?: number;
  };
  podGc: {
    /** FLOTILLA_POD_GC_QUARANTINE_MS: how long a pod's node must be missing before its pods go. */
    quarantineMs?: number;
    /** FLOTILLA_POD_GC_INTERVAL_MS: period of the pod GC sweep. */
    intervalMs?: number;
  };
}

/** Off switches of performance tricks (all false by default: the trick is on). */
export interface AbSwitches {
  /** FLOTILLA_DIRECT_SPAWN=1: helper commands are spawned by Node itself, not by the helper spawner. */
  directSpawn: boolean;
  /** FLOTILLA_UNSEALED_RUNC=1: runc runs from its file (it then copies itself per container). */
  unsealedRunc: boolean;
  /** FLOTILLA_SQLITE_CHECKPOINT_WORKER=0: SQLite WAL checkpoints inside commits, not on a worker thread. */
  noSqliteCheckpointWorker: boolean;
}

type Env = Record<string, string | undefined>;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'];

/** A number >= min from the environment, else undefined. */
function num(env: Env, name: string, min: number, exclusive = false): number | undefined {
  const v = env[name];
  if (v === undefined || v.trim() === '') return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < min || (exclusive && n === min)) return undefined;
  return n;
}

/** The settings in `env`. Pure. */
export function parseSettings(env: Env): EnvSettings {
  const level = env.FLOTILLA_LOG_LEVEL;
  return {
    logLevel: level && LOG_LEVELS.includes(level) ? level : undefined,
    metricsTtlMs: num(env, 'FLOTILLA_METRICS_TTL_MS', 0),
    busybox: env.FLOTILLA_BUSYBOX || undefined,
    controllers: {
      cronJobClockSpeed: num(env, 'FLOTILLA_CRONJOB_CLOCK_SPEED', 0, true),
      hpa: {
        syncPeriodMs: num(env, 'FLOTILLA_HPA_SYNC_PERIOD_MS', 0, true),
        downscaleWindowMs: num(env, 'FLOTILLA_HPA_DOWNSCALE_STABILIZATION_MS', 0),
        cpuInitializationPeriodMs: num(env, 'FLOTILLA_HPA_CPU_INITIALIZATION_PERIOD_MS', 0),
        tolerance: num(env, 'FLOTILLA_HPA_TOLERANCE', 0),
      },
      nodes: {
        gracePeriodMs: num(env, 'FLOTILLA_NODE_MONITOR_GRACE_PERIOD_MS', 0, true),
        clusterCidr: env.FLOTILLA_CLUSTER_CIDR || undefined,
        nodeMaskSize: num(env, 'FLOTILLA_NODE_CIDR_MASK_SIZE', 0, true),
      },
      podGc: {
        quarantineMs: num(env, 'FLOTILLA_POD_GC_QUARANTINE_MS', 0, true),
        intervalMs: num(env, 'FLOTILLA_POD_GC_INTERVAL_MS', 0, true),
      },
    },
  };
}

/** The A/B switches in `env`. Pure. */
export function parseAbSwitches(env: Env): AbSwitches {
  return {
    directSpawn: env.FLOTILLA_DIRECT_SPAWN === '1',
    unsealedRunc: env.FLOTILLA_UNSEALED_RUNC === '1',
    noSqliteCheckpointWorker: env.FLOTILLA_SQLITE_CHECKPOINT_WORKER === '0',
  };
}

/** The process's settings. Called once by the CLI, which passes them down. */
export function readSettings(): EnvSettings {
  return parseSettings(process.env);
}

let switches: AbSwitches | undefined;

/** The process's A/B switches, read on first use and fixed from then on. */
export function abSwitches(): AbSwitches {
  switches ??= parseAbSwitches(process.env);
  return switches;
}

/**
 * The environment helper processes inherit (runc, conmon, CNI plugins, mount, ip...): this
 * process's own, as a fresh copy. Not configuration: what a child sees, such as PATH.
 */
export function inheritedEnv(extra: Env = {}): NodeJS.ProcessEnv {
  return { ...process.env, ...extra };
}
