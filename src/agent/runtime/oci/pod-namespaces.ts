import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCommand } from '../../../machinery/exec/run-command.js';
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
 * Inside the new namespaces: the host name (written to the UTS namespace's /proc entry, a shell
 * builtin: no `hostname` process) and `lo` up (what the CNI loopback plugin would do, without
 * another process from the agent).
 */
const NAMESPACE_SETUP = 'printf %s "$1" > /proc/sys/kernel/hostname && exec ip link set lo up';

/**
 * Creates and pins a pod's network, IPC and UTS namespaces without a pause process: one `unshare
 * --net=F --ipc=F --uts=F sh -c ...` bind-mounts the new namespaces onto files, sets the host name
 * and brings `lo` up before exiting (unshare execs sh, sh execs ip: one process). `nsDir` must be a
 * private mount.
 */
export async function pinPodNamespaces(nsDir: string, uid: string, hostname: string): Promise<PodNamespaces> {
  const p = podNamespacePaths(nsDir, uid);
  await Promise.all([p.net, p.ipc, p.uts].map((f) => writeFile(f, '')));
  await runCommand('unshare', [
    `--net=${p.net}`,
    `--ipc=${p.ipc}`,
    `--uts=${p.uts}`,
    '/bin/sh',
    '-c',
    NAMESPACE_SETUP,
    'sh',
    hostname.slice(0, 63),
  ]);
  return p;
}

/** Unmounts and removes a pod's namespace files (the namespaces die with their last user). Idempotent. */
export async function releasePodNamespaces(nsDir: string, uid: string): Promise<void> {
  const p = podNamespacePaths(nsDir, uid);
  await unmount(p.net, p.ipc, p.uts);
  await Promise.all([p.net, p.ipc, p.uts].map((f) => rm(f, { force: true })));
}
