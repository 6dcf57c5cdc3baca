/**
 * What the agent's exec / attach / port-forward handlers need from the node: the running container
 * of a pod, a process in it, and the pod's network namespace. `nodeStreamingBackend` builds it from
 * the pod informer and the OCI runtime.
 */
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { ContainerState } from '../runtime/container-runtime.js';
import { spawnTty } from './exec-tty.js';

export interface ContainerTarget {
  id: string;
  podUid: string;
  /** The k8s-file log of the current attempt (attach follows it). */
  logPath: string;
  /** The container's main process (attach -i writes to its stdin pipe). */
  pid?: number;
  /** conmon's attach socket and control fifo (attach input, terminal resize). */
  attach?: { socket: string; ctl: string };
}

/** A lookup that failed: HTTP code and message (the API server turns it into a Status). */
export interface LookupError {
  code: number;
  message: string;
}

export interface StreamingBackend {
  /** The running container `container` of pod ns/name on this node. */
  findContainer(namespace: string, pod: string, container: string): ContainerTarget | LookupError;
  /** The network namespace file of pod ns/name, when its sandbox exists here. */
  podNetns(namespace: string, pod: string): string | LookupError;
  isRunning(id: string): boolean;
  /** With `tty`, the process gets a pseudo-terminal of that size (stdout carries stderr too) and `resize`. */
  execProcess(id: string, args: string[], opts?: { tty?: { rows: number; cols: number } }): ExecProcess;
  /** The host's busybox, whose `nc` port-forward runs in the pod's network namespace (default /bin/busybox). */
  readonly busybox?: string;
}

export interface ExecProcess {
  proc: ChildProcess;
  resize?(rows: number, cols: number): void;
}

export function isLookupError(x: unknown): x is LookupError {
  return typeof x === 'object' && x !== null && 'code' in x && 'message' in x;
}

interface RuntimeLike {
  listContainers(podUid?: string): ContainerState[];
  podDir(spec: { uid: string; namespace: string; name: string; hostname: string }): string;
  execProcess(id: string, args: string[]): ChildProcess;
  execArgv(id: string, args: string[], tty: boolean): string[];
  attachPaths?(id: string): { socket: string; ctl: string };
  podNetnsPath(uid: string): string;
  sandboxUids(): Promise<string[]>;
}

/** The backend over the agent's pod informer (`getPodUid`) and runtime (undefined until it is up). */
export function nodeStreamingBackend(
  getPodUid: (namespace: string, name: string) => string | undefined,
  runtime: () => RuntimeLike | undefined,
  busybox?: string,
): StreamingBackend {
  const current = (uid: string, container: string): ContainerState | undefined =>
    runtime()
      ?.listContainers(uid)
      .filter((c) => c.name === container)
      .sort((a, b) => b.attempt - a.attempt)[0];
  return {
    busybox,
    findContainer(namespace, pod, container) {
      const uid = getPodUid(namespace, pod);
      const rt = runtime();
      if (!uid || !rt) return { code: 404, message: `pod ${namespace}/${pod} not found on this node` };
      const c = current(uid, container);
      if (c?.status !== 'running') return { code: 400, message: `container not found ("${container}")` };
      const dir = rt.podDir({ uid, namespace, name: pod, hostname: pod });
      return {
        id: c.id,
        podUid: uid,
        logPath: join(dir, container, `${c.attempt}.log`),
        pid: c.pid,
        attach: rt.attachPaths?.(c.id),
      };
    },
    podNetns(namespace, pod) {
      const uid = getPodUid(namespace, pod);
      const rt = runtime();
      if (!uid || !rt) return { code: 404, message: `pod ${namespace}/${pod} not found on this node` };
      if (!rt.listContainers(uid).some((c) => c.status === 'running'))
        return { code: 400, message: `pod ${namespace}/${pod} has no running container` };
      return rt.podNetnsPath(uid);
    },
    isRunning(id) {
      return (
        runtime()
          ?.listContainers()
          .some((c) => c.id === id && c.status === 'running') ?? false
      );
    },
    execProcess(id, args, opts) {
      const rt = runtime();
      if (!rt) throw new Error('the container runtime is not running');
      if (opts?.tty) return spawnTty(rt.execArgv(id, args, true), opts.tty.rows, opts.tty.cols);
      return { proc: rt.execProcess(id, args) };
    },
  };
}
