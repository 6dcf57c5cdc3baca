import { readdir, rmdir } from 'node:fs/promises';
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
