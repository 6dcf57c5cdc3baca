import { statfs } from 'node:fs/promises';

/** Size and free space of a file system, in bytes. */
export interface DiskUsage {
  capacityBytes: number;
  /** Bytes an unprivileged writer can still use (statfs f_bavail), as the kubelet counts it. */
  availableBytes: number;
}

/** Reads the usage of the file system holding one directory; image GC injects a fake in tests. */
export type DiskUsageReader = () => Promise<DiskUsage>;

/** A DiskUsageReader for the file system holding `path` (`statfs`, Node 20). */
export function statfsUsage(path: string): DiskUsageReader {
  return async () => {
    const s = await statfs(path);
    return { capacityBytes: s.blocks * s.bsize, availableBytes: s.bavail * s.bsize };
  };
}

/** Percent of the capacity not available, rounded down, as the kubelet computes it (100 - available*100/capacity). Pure. */
export function usagePercent(u: DiskUsage): number {
  if (u.capacityBytes <= 0) return 0;
  return 100 - Math.floor((u.availableBytes * 100) / u.capacityBytes);
}
