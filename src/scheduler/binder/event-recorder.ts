import type { Logger } from 'pino';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { KubeClient } from '../../machinery/client/kube-client.js';
import { EVENTS } from './resources.js';

export interface EventRecorderOptions {
  client: KubeClient;
  log: Logger;
  now?: () => Date;
  /** Events waiting to be written beyond this are dropped, as client-go's broadcaster does (default 1000). */
  maxQueued?: number;
  /** Concurrent event writes (default 4): events must not crowd out bindings. */
  concurrency?: number;
  component?: string;
}

interface Pending {
  pod: Pod;
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

/**
 * Writes core/v1 Events about pods (`kubectl get events`, `kubectl describe pod`), in the
 * background. A repeat of the same (pod, reason, message) increments the count of the event
 * written before (client-go's correlator) instead of creating another. Never throws; failures
 * are logged at debug and dropped.
 */
export class EventRecorder {
  private readonly queue: Pending[] = [];
  private readonly written = new Map<string, { name: string; count: number; first: string }>();
  private running = 0;
  private seq = 0;
  private idleWaiters: (() => void)[] = [];
  dropped = 0;

  constructor(private readonly opts: EventRecorderOptions) {}

  record(pod: Pod, type: 'Normal' | 'Warning', reason: string, message: string): void {
    if (this.queue.length >= (this.opts.maxQueued ?? 1000)) {
      this.dropped++;
      return;
    }
    this.queue.push({ pod, type, reason, message });
    this.pump();
  }

  /** Resolves when every queued event has been written (or failed). */
  idle(): Promise<void> {
    if (this.running === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  private pump(): void {
    while (this.running < (this.opts.concurrency ?? 4) && this.queue.length > 0) {
      const e = this.queue.shift() as Pending;
      this.running++;
      this.write(e)
        .catch((err: unknown) =>
          this.opts.log.debug({ err: String(err), reason: e.reason }, 'scheduler: event not written'),
        )
        .finally(() => {
          this.running--;
          this.pump();
          if (this.running === 0 && this.queue.length === 0) for (const w of this.idleWaiters.splice(0)) w();
        });
    }
  }

  private async write(e: Pending): Promise<void> {
    const now = (this.opts.now ?? (() => new Date()))()
      .toISOString()
      .replace(/\.\d+Z$/, 'Z');
    const ns = e.pod.metadata?.namespace ?? 'default';
    const podName = e.pod.metadata?.name ?? '';
    const key = `${e.pod.metadata?.uid}\u0000${e.reason}\u0000${e.message}`;
    const prior = this.written.get(key);
    if (prior) {
      prior.count++;
      await this.opts.client.patch(EVENTS, ns, prior.name, 'merge', { count: prior.count, lastTimestamp: now });
      return;
    }
    const component = this.opts.component ?? 'default-scheduler';
    const name = `${podName}.${(Date.now() * 1000 + (this.seq++ % 1000)).toString(16)}`;
    if (this.written.size > 4096) this.written.delete(this.written.keys().next().value as string);
    this.written.set(key, { name, count: 1, first: now });
    await this.opts.client.create(EVENTS, ns, {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace: ns },
      involvedObject: {
        apiVersion: 'v1',
        kind: 'Pod',
        namespace: ns,
        name: podName,
        uid: e.pod.metadata?.uid,
        resourceVersion: e.pod.metadata?.resourceVersion,
      },
      reason: e.reason,
      message: e.message,
      type: e.type,
      source: { component },
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
      reportingComponent: component,
      reportingInstance: component,
    });
  }
}
