/**
 * The contract between the pod workers and a container runtime (CRI's shape, smaller):
 *
 *   pod worker --runSandbox--> namespaces + pod IP --startContainer--> running container
 *              <--onExit------ exit code, reason       --stopContainer / removeContainer / removeSandbox
 *
 * Implementations: oci/ (conmon + runc, real containers) and fake/ (hollow nodes).
 */

/** What a pod sandbox is made from. */
export interface SandboxSpec {
  uid: string;
  namespace: string;
  name: string;
  /** The pod's host name (pod name, or spec.hostname). */
  hostname: string;
  /** The containers' hostPorts, forwarded by the CNI portmap plugin. */
  portMappings?: PortMapping[];
  /** Namespaces the pod shares with the host (spec.hostNetwork, hostPID, hostIPC); unset: all private. */
  hostNamespaces?: HostNamespaces;
  /** The node's IP: a hostNetwork pod's IP. */
  hostIP?: string;
}

/**
 * The host namespaces a pod joins. `network` also shares the host's UTS namespace (host name), as
 * containerd does; the pod then gets no CNI network and its IP is the node's.
 */
export interface HostNamespaces {
  network?: boolean;
  pid?: boolean;
  ipc?: boolean;
}

/** A container's securityContext, resolved from the pod's and the container's (the container's fields win). */
export interface ContainerSecurity {
  /** All capabilities, every host device, no seccomp, no masked or read-only paths, /sys writable. */
  privileged?: boolean;
  /**
   * Capabilities added to and dropped from the default set, upper case without `CAP_`; `ALL` adds or
   * drops every one (add ALL first, then drop ALL, then single adds, then single drops: containerd's order).
   */
  capabilities?: { add: string[]; drop: string[] };
  /** no_new_privs: set when allowPrivilegeEscalation is false (and the container is not privileged). */
  noNewPrivileges?: boolean;
  /** seccompProfile (container's, else the pod's); unset = Unconfined, as the kubelet without --seccomp-default. */
  seccomp?: { type: 'RuntimeDefault' | 'Unconfined' | 'Localhost'; localhostProfile?: string };
  readOnlyRootFilesystem?: boolean;
  /** Unmasked: no masked or read-only /proc paths. */
  procMount?: 'Default' | 'Unmasked';
  /** The pod's sysctls, set in the container's (the pod's) namespaces. */
  sysctls?: Record<string, string>;
  /** supplementalGroups, then fsGroup (kubelet order); the image's groups of the user come first. */
  supplementalGroups?: number[];
  hostNamespaces?: HostNamespaces;
}

/** One hostPort in CNI's runtimeConfig form (protocol lower case). */
export interface PortMapping {
  hostPort: number;
  containerPort: number;
  protocol: 'tcp' | 'udp' | 'sctp';
  hostIP?: string;
}

/** A running pod sandbox: its shared namespaces and network. */
export interface Sandbox {
  uid: string;
  /** Bind-mounted namespace files the containers join. */
  netnsPath: string;
  ipcPath: string;
  utsPath: string;
  /** The pod's IPv4 address from CNI; '' until `attached` has resolved. */
  ip: string;
  /**
   * CNI ADD runs in the background while containers are prepared and created in the namespaces:
   * resolves with the pod IP once attached (and /etc/hosts names it); rejects when CNI fails (the
   * caller then removes the sandbox).
   */
  attached: Promise<string>;
  /** Per-pod directory (logs, /etc/hosts, /etc/hostname, /etc/resolv.conf). */
  dir: string;
}

export interface ContainerResources {
  /** cpu.shares (from the CPU request; 2 when none). */
  cpuShares?: number;
  /** CFS quota and period in microseconds (from the CPU limit). */
  cpuQuotaUs?: number;
  cpuPeriodUs?: number;
  memoryLimitBytes?: number;
  pidsLimit?: number;
}

/** A host path bind-mounted into a container (a pod volume, or a subPath of one). */
export interface ContainerMount {
  containerPath: string;
  hostPath: string;
  readOnly: boolean;
}

/** One container to create in a sandbox; everything already resolved from the pod spec and image. */
export interface ContainerSpec {
  /** Unique per (pod uid, container name, attempt); also the runc id. */
  id: string;
  podUid: string;
  name: string;
  attempt: number;
  args: string[];
  /** `KEY=value`. */
  env: string[];
  /** '' = '/'. */
  workingDir: string;
  /** Image or securityContext user: `name`, `uid`, `uid:gid`, `name:group`; '' = root. Names are looked up in the rootfs. */
  user: string;
  /** Image layer directories, bottom first (overlay lowerdirs). */
  layers: string[];
  /** Kubernetes-format log file (conmon k8s-file), relative to the pod's directory (Sandbox.dir), e.g. `main/0.log`. */
  logPath: string;
  /** spec.stdin: conmon keeps a pipe open as the process's stdin (kubectl attach -i writes to it). */
  stdin?: boolean;
  /** spec.stdinOnce: stdin is closed when the first attached client leaves. */
  stdinOnce?: boolean;
  /** spec.tty: the process runs on a terminal. */
  tty?: boolean;
  resources: ContainerResources;
  /** Volume bind mounts, in the pod spec's order (none when undefined). */
  mounts?: ContainerMount[];
  /** securityContext and host namespaces; unset: the runtime's defaults (default capabilities, private namespaces). */
  security?: ContainerSecurity;
}

export type ContainerStatus = 'created' | 'running' | 'exited';

/** What the runtime knows about one container. */
export interface ContainerState {
  id: string;
  podUid: string;
  name: string;
  attempt: number;
  status: ContainerStatus;
  pid?: number;
  /** RFC 3339. */
  startedAt?: string;
  finishedAt?: string;
  exitCode?: number;
  /** Completed (0), Error (non-zero) or OOMKilled, once exited. */
  reason?: string;
  /** The container's log file on the host (k8s-file format), where the runtime knows it. */
  logPath?: string;
}

export interface ContainerRuntime {
  /**
   * Creates the pod's namespaces and starts attaching its network, or returns the existing sandbox.
   * Resolves once containers can be created in it (before the IP is known: see Sandbox.attached). Idempotent.
   */
  runSandbox(spec: SandboxSpec): Promise<Sandbox>;
  /**
   * Prepares a container's bundle (rootfs, config) before its sandbox exists, so that work overlaps
   * the sandbox's set-up; startContainer with the same id uses it. Optional: startContainer prepares
   * what was not. Idempotent per id; a failure is reported again by startContainer.
   */
  prepareContainer(sandbox: SandboxSpec, spec: ContainerSpec): Promise<void>;
  /** Pod uids whose namespaces are pinned (sandboxes, also those a previous agent left). */
  sandboxUids(): Promise<string[]>;
  /** The per-pod directory (logs, /etc files) of a pod, whether or not its sandbox exists. Pure. */
  podDir(spec: SandboxSpec): string;
  /** Releases the network and namespaces of a pod whose containers are removed. Idempotent. */
  removeSandbox(uid: string): Promise<void>;
  /**
   * Creates and starts a container (in a sandbox whose network may still be attaching); resolves as
   * soon as `runc start` returns (status running, or exited if it already did). Throws when creation fails.
   */
  startContainer(sandbox: Sandbox, spec: ContainerSpec): Promise<ContainerState>;
  /** SIGTERM, then SIGKILL after graceMs; resolves once the container has exited. Idempotent. */
  stopContainer(id: string, graceMs: number): Promise<void>;
  /** Deletes an exited container (runc state, rootfs, bundle); logs stay. Idempotent. */
  removeContainer(id: string): Promise<void>;
  /** Runs a command in a running container (probes, hooks); resolves with its exit code, 124 after timeoutMs. */
  exec(id: string, args: string[], timeoutMs: number): Promise<number>;
  /** A process in a running container with piped stdio (kubectl exec); optional (real runtimes only). */
  execProcess?(id: string, args: string[]): import('node:child_process').ChildProcess;
  /** The `runc exec` argv for a process in a container (with tty: `-t`). */
  execArgv?(id: string, args: string[], tty: boolean): string[];
  /** Known containers, optionally one pod's (after a restart: also those a previous agent left, re-adopted). */
  listContainers(podUid?: string): ContainerState[];
  /** Called after a container exits (its state already updated). */
  onExit(listener: (state: ContainerState) => void): void;
  /** Rotates running containers' logs that have reached the limits; optional (real runtimes only). */
  rotateLogs?(limits: { maxBytes: number; maxFiles: number }): Promise<void>;
}
