/**
 * Node CPU and memory from /proc, the way the kubelet's root-cgroup figures come out:
 * CPU time = user + nice + system + irq + softirq + steal of /proc/stat's `cpu` line (USER_HZ = 100
 * on Linux, so one tick is 10 ms); memory usage = MemTotal - MemFree, working set = usage -
 * Inactive(file), available = MemTotal - working set (/proc/meminfo, kB).
 */
import { readFile } from 'node:fs/promises';

const NS_PER_TICK = 10_000_000;

export interface NodeSample {
  cpuNs: number;
  memoryUsageBytes: number;
  workingSetBytes: number;
  availableBytes: number;
}

/** CPU nanoseconds from /proc/stat's text. Pure. */
export function parseProcStatCpu(text: string): number {
  const line = text.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) return 0;
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = f;
  return (user + nice + system + irq + softirq + steal) * NS_PER_TICK;
}

/** Memory figures (bytes) from /proc/meminfo's text. Pure. */
export function parseMeminfo(text: string): Omit<NodeSample, 'cpuNs'> {
  const kb = (k: string): number =>
    Number(new RegExp(`^${k.replace(/[()]/g, '\\$&')}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? 0) * 1024;
  const total = kb('MemTotal');
  const usage = Math.max(0, total - kb('MemFree'));
  const workingSet = Math.max(0, usage - kb('Inactive(file)'));
  return { memoryUsageBytes: usage, workingSetBytes: workingSet, availableBytes: Math.max(0, total - workingSet) };
}

export async function readNodeSample(procRoot = '/proc'): Promise<NodeSample> {
  const [stat, meminfo] = await Promise.all([
    readFile(`${procRoot}/stat`, 'utf8'),
    readFile(`${procRoot}/meminfo`, 'utf8'),
  ]);
  return { cpuNs: parseProcStatCpu(stat), ...parseMeminfo(meminfo) };
}
