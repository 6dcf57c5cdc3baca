import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import type { Logger } from 'pino';
import type { KubeObject } from '../../api/object.js';
import type { KubeClient } from '../../machinery/client/kube-client.js';
import { buildEvent, EVENTS, type EventType } from '../../machinery/events/event-recorder.js';

/** How kubelet names a pod in messages: `name_namespace(uid)`. Pure. */
export function podDescription(pod: Pod): string {
  return `${pod.metadata?.name ?? ''}_${pod.metadata?.namespace ?? ''}(${pod.metadata?.uid ?? ''})`;
}

/** The fieldPath kubelet puts in an event about one container. Pure. */
export function containerFieldPath(pod: Pod, name: string): string {
  const init = (pod.spec?.initContainers ?? []).some((c: Container) => c.name === name);
  return `spec.${init ? 'initContainers' : 'containers'}{${name}}`;
}

export interface PodEventsOptions {
  client: KubeClient;
  /** source.host and reportingInstance. */
  nodeName: string;
  log: Logger;
  now?: () => Date;
}

/** A recorded event kept for aggregation: same object, reason and message within 10 minutes -> count + 1. */
interface Seen {
  name: string;
  namespace: string;
  count: number;
  at: number;
  created: Promise<boolean>;
}

const AGGREGATE_MS = 10 * 60_000;

/**
 * The agent's events about pods and their containers, as kubelet writes them (source component
 * `kubelet`, host = the node, involvedObject.fieldPath `spec.containers{name}`), through the same
 * Event builder the controllers use. A repeat of the same event (e.g. BackOff) patches count and
 * lastTimestamp of the first instead of creating another, like client-go's correlator. Best effort:
 * never throws, never waits.
 */
export class PodEvents {
  private readonly seen = new Map<string, Seen>();
  private readonly now: () => Date;

  constructor(private readonly o: PodEventsOptions) {
    this.now = o.now ?? (() => new Date());
  }

  /** An event about the pod (container = undefined) or one of its containers. */
  emit(pod: KubeObject & Pod, type: EventType, reason: string, message: string, container?: string): void {
    const uid = pod.metadata.uid ?? '';
    const fieldPath = container ? containerFieldPath(pod, container) : undefined;
    const key = `${uid}\u0000${fieldPath ?? ''}\u0000${reason}\u0000${message}`;
    const now = this.now();
    const prev = this.seen.get(key);
    if (prev && now.getTime() - prev.at < AGGREGATE_MS) {
      prev.count++;
      prev.at = now.getTime();
      const body = { count: prev.count, lastTimestamp: now.toISOString().replace(/\.\d+Z$/, 'Z') };
      void prev.created.then(async (ok) => {
        if (ok)
          await this.o.client
            .patch(EVENTS, prev.namespace, prev.name, 'merge', body)
            .catch((err: unknown) => this.failed(reason, err));
      });
      return;
    }
    const ev = buildEvent(
      { ...pod, apiVersion: 'v1', kind: 'Pod' } as KubeObject,
      type,
      reason,
      message,
      'kubelet',
      now,
    );
    if (fieldPath) ev.involvedObject.fieldPath = fieldPath;
    ev.source = { component: 'kubelet', host: this.o.nodeName };
    ev.reportingInstance = this.o.nodeName;
    const namespace = ev.metadata?.namespace ?? 'default';
    const created = this.o.client.create(EVENTS, namespace, ev as unknown as KubeObject).then(
      () => true,
      (err: unknown) => {
        this.failed(reason, err);
        return false;
      },
    );
    this.seen.set(key, { name: ev.metadata?.name ?? '', namespace, count: 1, at: now.getTime(), created });
  }

  /** Drops the aggregation memory of a pod (it is gone). */
  forget(uid: string): void {
    for (const k of this.seen.keys()) if (k.startsWith(`${uid}\u0000`)) this.seen.delete(k);
  }

  private failed(reason: string, err: unknown): void {
    this.o.log.debug({ reason, err: err instanceof Error ? err.message : String(err) }, 'event not recorded');
  }
}
