/**
 * usageNanoCores from cumulative CPU time: the rate between the last kept sample of a key (a
 * cgroup) and the new one, as cAdvisor derives it for the kubelet. A sample taken less than
 * `minIntervalMs` after the kept one does not replace it (the previous rate is returned), so that
 * frequent scrapes still measure over a useful window.
 */
export class CpuRates {
  private readonly last = new Map<string, { ns: number; atMs: number; rate?: number }>();

  constructor(private readonly minIntervalMs = 1000) {}

  /** Records a cumulative sample; returns nano-cores, or undefined when this is the key's first sample. */
  update(key: string, cumulativeNs: number, atMs: number): number | undefined {
    const prev = this.last.get(key);
    if (!prev || cumulativeNs < prev.ns) {
      this.last.set(key, { ns: cumulativeNs, atMs });
      return undefined;
    }
    // The first rate may come from a short interval (a scrape that samples twice); later ones not.
    if (atMs - prev.atMs < (prev.rate === undefined ? 100 : this.minIntervalMs)) return prev.rate;
    const rate = Math.round(((cumulativeNs - prev.ns) / (atMs - prev.atMs)) * 1000);
    this.last.set(key, { ns: cumulativeNs, atMs, rate });
    return rate;
  }

  /** Whether the key has a sample (a rate can be computed at the next update). */
  has(key: string): boolean {
    return this.last.has(key);
  }

  /** Forgets keys not in `live` (containers and pods that are gone). */
  retain(live: Set<string>): void {
    for (const k of this.last.keys()) if (!live.has(k)) this.last.delete(k);
  }
}
