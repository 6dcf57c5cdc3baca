import { access, mkdir, readdir, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const CGROUP_ROOT = '/sys/fs/cgroup';

/** runc's cgroupsPath for a container: `/flotilla/pod<uid>/<id>` (cgroupfs driver; v1 controllers or v2). Pure. */
export function containerCgroupPath(podUid: string, id: string): string {
  return `/flotilla/pod${podUid}/${id}`;
}

/**
 * Removes a pod's cgroup directories (empty once runc deleted its containers) from every mounted
 * hierarchy: each cgroup v1 controller and the unified v2 one. Idempotent; busy ones are left.
 */
export async function removePodCgroups(podUid: string): Promise<void> {
  const roots = [
    CGROUP_ROOT,
    ...(await readdir(CGROUP_ROOT).catch(() => [] as string[])).map((c) => join(CGROUP_ROOT, c)),
  ];
  await Promise.all(roots.map((r) => rmdir(join(r, 'flotilla', `pod${podUid}`)).catch(() => {})));
}

/**
 * Caps the number of processes (and threads) in a pod, as the kubelet's --pod-max-pids: `pids.max`
 * on the pod's cgroup, made before runc makes the containers' cgroups under it. Cgroup v1: the pids
 * hierarchy; v2: the unified one, with the pids controller enabled down to the pod.
 */
export async function limitPodPids(podUid: string, max: number): Promise<void> {
  const v2 = await access(join(CGROUP_ROOT, 'cgroup.controllers')).then(
    () => true,
    () => false,
  );
  const parent = v2 ? join(CGROUP_ROOT, 'flotilla') : join(CGROUP_ROOT, 'pids', 'flotilla');
  const dir = join(parent, `pod${podUid}`);
  await mkdir(dir, { recursive: true });
  if (v2) {
    await writeFile(join(CGROUP_ROOT, 'cgroup.subtree_control'), '+pids');
    await writeFile(join(parent, 'cgroup.subtree_control'), '+pids');
  }
  await writeFile(join(dir, 'pids.max'), String(max));
}
