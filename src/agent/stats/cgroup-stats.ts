/**
 * CPU and memory of one cgroup, read from cgroupfs. Both layouts are handled:
 * - cgroup v1 (this project's hosts: v1 controllers plus an empty unified hierarchy): cpuacct.usage
 *   (ns) in the cpuacct hierarchy, memory.usage_in_bytes and `total_inactive_file` of memory.stat;
 * - cgroup v2 (unified, `cgroup.controllers` at the root): cpu.stat usage_usec, memory.current and
 *   `inactive_file` of memory.stat.
 * The working set is usage minus inactive file pages (kubelet/cAdvisor), floored at 0.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface CgroupSample {
  cpuNs: number;
  memoryUsageBytes: number;
  workingSetBytes: number;
}

export type CgroupLayout = { version: 1; cpuRoot: string; memoryRoot: string } | { version: 2; root: string };

/** The cgroup layout under `root` (default /sys/fs/cgroup). Reads the file system once. */
export function detectCgroupLayout(root = '/sys/fs/cgroup'): CgroupLayout {
  if (existsSync(join(root, 'cgroup.controllers'))) return { version: 2, root };
  const cpuRoot =
    ['cpuacct', 'cpu,cpuacct', 'cpuacct,cpu']
      .map((d) => join(root, d))
      .find((d) => existsSync(join(d, 'cpuacct.usage'))) ?? join(root, 'cpuacct');
  return { version: 1, cpuRoot, memoryRoot: join(root, 'memory') };
}

/** A value of a flat-keyed stat file (`key value` lines). Pure. */
export function statValue(text: string, key: string): number | undefined {
  for (const line of text.split('\n')) {
    const sp = line.indexOf(' ');
    if (sp > 0 && line.slice(0, sp) === key) return Number(line.slice(sp + 1));
  }
  return undefined;
}

/** Reads a cgroup (path like `/flotilla/pod<uid>/<id>`); undefined when it does not exist (any more). */
export async function readCgroup(layout: CgroupLayout, path: string): Promise<CgroupSample | undefined> {
  try {
    if (layout.version === 2) {
      const dir = join(layout.root, path);
      const [cpuStat, current, memStat] = await Promise.all([
        readFile(join(dir, 'cpu.stat'), 'utf8'),
        readFile(join(dir, 'memory.current'), 'utf8'),
        readFile(join(dir, 'memory.stat'), 'utf8'),
      ]);
      const usage = Number(current.trim());
      return {
        cpuNs: (statValue(cpuStat, 'usage_usec') ?? 0) * 1000,
        memoryUsageBytes: usage,
        workingSetBytes: Math.max(0, usage - (statValue(memStat, 'inactive_file') ?? 0)),
      };
    }
    const [cpu, usageText, memStat] = await Promise.all([
      readFile(join(layout.cpuRoot, path, 'cpuacct.usage'), 'utf8'),
      readFile(join(layout.memoryRoot, path, 'memory.usage_in_bytes'), 'utf8'),
      readFile(join(layout.memoryRoot, path, 'memory.stat'), 'utf8'),
    ]);
    const usage = Number(usageText.trim());
    return {
      cpuNs: Number(cpu.trim()),
      memoryUsageBytes: usage,
      workingSetBytes: Math.max(0, usage - (statValue(memStat, 'total_inactive_file') ?? 0)),
    };
  } catch {
    return undefined;
  }
}
