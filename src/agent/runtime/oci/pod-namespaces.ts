import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCommand } from '../../../machinery/exec/run-command.js';
import type { HostNamespaces } from '../container-runtime.js';
import { unmount } from './mounts.js';

export interface PodNamespaces {
  net: string;
  ipc: string;
  uts: string;
}

/** The namespace files of a pod in the (private-mounted) namespace dir. Pure. */
export function podNamespacePaths(nsDir: string, uid: string): PodNamespaces {
  return { net: join(nsDir, `${uid}-net`), ipc: join(nsDir, `${uid}-ipc`), uts: join(nsDir, `${uid}-uts`) };
}

/**
 * The namespace files a pod pins: all three, less those it shares with the host (hostNetwork shares
 * the network and UTS namespaces, hostIPC the IPC one). Pure.
 */
export function pinnedNamespaceFiles(nsDir: string, uid: string, host: HostNamespaces = {}): string[] {
  const p = podNamespacePaths(nsDir, uid);
  return [...(host.network ? [] : [p.net]), ...(host.ipc ? [] : [p.ipc]), ...(host.network ? [] : [p.uts])];
}

/**
 * Inside the new namespaces: the host name (written to the UTS namespace's /proc entry, a shell
 * builtin: no `hostname` process) and `lo` up (what the CNI loopback plugin would do, without
 * another process from the agent).
 */
const NAMESPACE_SETUP = 'printf %s "$1" > /proc/sys/kernel/hostname && exec ip link set lo up';

/**
 * Creates and pins a pod's network, IPC and UTS namespaces without a pause process: one `unshare
 * --net=F --ipc=F --uts=F sh -c ...` bind-mounts the new namespaces onto files, sets the host name
 * and brings `lo` up before exiting (unshare execs sh, sh execs ip: one process). Namespaces shared
 * with the host are not made (hostNetwork: no network or UTS namespace; hostIPC: no IPC namespace);
 * with none left nothing runs. `nsDir` must be a private mount.
 */
export async function pinPodNamespaces(
  nsDir: string,
  uid: string,
  hostname: string,
  host: HostNamespaces = {},
): Promise<PodNamespaces> {
  const p = podNamespacePaths(nsDir, uid);
  const files = pinnedNamespaceFiles(nsDir, uid, host);
  if (files.length === 0) return p;
  await Promise.all(files.map((f) => writeFile(f, '')));
  const setup = host.network ? ['/bin/true'] : ['/bin/sh', '-c', NAMESPACE_SETUP, 'sh', hostname.slice(0, 63)];
  await runCommand('unshare', [
    ...(host.network ? [] : [`--net=${p.net}`, `--uts=${p.uts}`]),
    ...(host.ipc ? [] : [`--ipc=${p.ipc}`]),
    ...setup,
  ]);
  return p;
}

/** Unmounts and removes a pod's namespace files (the namespaces die with their last user). Idempotent. */
export async function releasePodNamespaces(nsDir: string, uid: string): Promise<void> {
  const p = podNamespacePaths(nsDir, uid);
  await unmount(p.net, p.ipc, p.uts);
  await Promise.all([p.net, p.ipc, p.uts].map((f) => rm(f, { force: true })));
}

/** The pod uid of a namespace file name (`<uid>-net`, `-ipc`, `-uts`), else undefined. Pure. */
export function namespaceFileUid(file: string): string | undefined {
  const m = /^(.+)-(net|ipc|uts)$/.exec(file);
  return m?.[1];
}
