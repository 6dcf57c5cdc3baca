import type { Logger } from 'pino';
import type { KubeObject } from '../../api/object.js';
import { isNotFound } from './client-error.js';
import type { KubeClient } from './kube-client.js';
import type { ResourceRef } from './resource-path.js';

interface Entry<T> {
  value: T | undefined;
  lastUsed: number;
  fetching: boolean;
}

export interface PolledObjectsOptions {
  client: KubeClient;
  resource: ResourceRef;
  log: Logger;
  /** Called when an object first arrives, changes or goes away. */
  onChange(namespace: string, name: string): void;
  /** How often the objects in use are read again (default 15 s). */
  refreshMs?: number;
  /**
   * How soon an object in use that does not exist is read again (default 2 s): a pod waiting for a
   * ConfigMap or Secret starts soon after it is created, as it would through a watch.
   */
  missingRetryMs?: number;
  /** Objects not asked for this long are forgotten (default 5 min). */
  idleMs?: number;
  now?: () => number;
}

/**
 * Single objects read by name and kept for a while: the kubelet's TTL-cache strategy for Secrets
 * and ConfigMaps, for agents that may not list them cluster-wide (the Node authorizer allows a node
 * to read only the objects its pods use, by name). A first `get` of a name answers undefined and
 * reads it; its arrival calls onChange, which re-syncs the pods that use it. Objects in use are
 * read again every `refreshMs`, so changes reach volumes within that time, and missing ones every
 * `missingRetryMs`; no watch per object (which would hold one HTTP/1.1 connection each).
 */
export class PolledObjects<T extends KubeObject> {
  private readonly entries = new Map<string, Entry<T>>();
  /** First reads in flight (a miss answered undefined until they finish). */
  private readonly firstReads = new Set<Promise<void>>();
  private readonly timer: NodeJS.Timeout;
  private readonly now: () => number;

  constructor(private readonly o: PolledObjectsOptions) {
    this.now = o.now ?? Date.now;
    this.timer = setInterval(() => this.refresh(), o.refreshMs ?? 15_000);
    this.timer.unref();
  }

  /** The object as last read, or undefined (not read yet, absent, or not readable); starts reading it on a miss. */
  get(namespace: string, name: string): T | undefined {
    const key = `${namespace}/${name}`;
    let entry = this.entries.get(key);
    if (!entry) {
      entry = { value: undefined, lastUsed: this.now(), fetching: false };
      this.entries.set(key, entry);
      const read = this.fetch(namespace, name, entry).finally(() => this.firstReads.delete(read));
      this.firstReads.add(read);
    }
    entry.lastUsed = this.now();
    return entry.value;
  }

  /** Resolves true once the first reads started so far have finished; false when none was in flight. */
  async settled(): Promise<boolean> {
    if (this.firstReads.size === 0) return false;
    await Promise.all([...this.firstReads]);
    return true;
  }

  stop(): void {
    clearInterval(this.timer);
    this.entries.clear();
  }

  private refresh(): void {
    const idle = this.o.idleMs ?? 300_000;
    for (const [key, entry] of this.entries) {
      if (this.now() - entry.lastUsed > idle) {
        this.entries.delete(key);
        continue;
      }
      const slash = key.indexOf('/');
      void this.fetch(key.slice(0, slash), key.slice(slash + 1), entry);
    }
  }

  private async fetch(namespace: string, name: string, entry: Entry<T>): Promise<void> {
    if (entry.fetching) return;
    entry.fetching = true;
    let next: T | undefined;
    try {
      next = await this.o.client.get<T>(this.o.resource, namespace, name);
    } catch (err) {
      if (!isNotFound(err)) {
        this.o.log.debug({ err: String(err), namespace, name, resource: this.o.resource.plural }, 'read failed');
        entry.fetching = false;
        // Keep what we had; a first read that failed (e.g. the pod binding not yet known) is retried soon.
        if (entry.value === undefined && this.entries.get(`${namespace}/${name}`) === entry)
          setTimeout(() => void this.fetch(namespace, name, entry), 1000).unref();
        return;
      }
    } finally {
      entry.fetching = false;
    }
    const before = entry.value?.metadata.resourceVersion;
    entry.value = next;
    if (next?.metadata.resourceVersion !== before) this.o.onChange(namespace, name);
    const key = `${namespace}/${name}`;
    if (next === undefined && this.entries.get(key) === entry)
      setTimeout(() => {
        // Still wanted (not forgotten as idle, not stopped): read it again.
        if (this.entries.get(key) === entry && this.now() - entry.lastUsed <= (this.o.idleMs ?? 300_000))
          void this.fetch(namespace, name, entry);
      }, this.o.missingRetryMs ?? 2000).unref();
  }
}
