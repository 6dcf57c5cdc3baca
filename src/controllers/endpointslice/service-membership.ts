import { keyOf } from '../../machinery/client/object-key.js';

/**
 * Which pods each Service listed at its last sync, so a pod whose labels stop matching (or that is
 * deleted) still brings back the Services that listed it. Keyed by namespace; in memory only.
 */
export class ServiceMembership {
  private readonly podsOfService = new Map<string, Set<string>>();
  private readonly servicesOfPod = new Map<string, Set<string>>();

  /** Records the pods a Service now lists (replacing what it listed before). */
  set(namespace: string, service: string, pods: string[]): void {
    this.forget(namespace, service);
    const set = new Set(pods);
    this.podsOfService.set(keyOf(namespace, service), set);
    for (const p of set) {
      const k = keyOf(namespace, p);
      let s = this.servicesOfPod.get(k);
      if (!s) this.servicesOfPod.set(k, (s = new Set()));
      s.add(service);
    }
  }

  /** Drops a Service (deleted, or no longer listing pods). Idempotent. */
  forget(namespace: string, service: string): void {
    const key = keyOf(namespace, service);
    for (const p of this.podsOfService.get(key) ?? []) {
      const k = keyOf(namespace, p);
      const s = this.servicesOfPod.get(k);
      s?.delete(service);
      if (s?.size === 0) this.servicesOfPod.delete(k);
    }
    this.podsOfService.delete(key);
  }

  /** Names of the Services that listed the pod at their last sync. */
  servicesOf(namespace: string, pod: string): string[] {
    return [...(this.servicesOfPod.get(keyOf(namespace, pod)) ?? [])];
  }
}
