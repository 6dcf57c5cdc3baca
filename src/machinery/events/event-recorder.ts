import type { Event as CoreEvent, ObjectReference, Pod } from 'kubernetes-types/core/v1.js';
import type { Logger } from 'pino';
import type { KubeObject } from '../../api/object.js';
import type { KubeClient } from '../client/kube-client.js';
import { type CorrelatorOptions, EventCorrelator, eventName, eventTimestamp } from './event-correlator.js';
import { EventWriter, type EventWriterStats } from './event-writer.js';

export { EVENTS } from './event-writer.js';

export type EventType = 'Normal' | 'Warning';

/**
 * What an event is about: an object as read from the API, or a reference to one (a kubelet's
 * reference to a container of a pod carries its `fieldPath`).
 */
export type EventSubject = KubeObject | ObjectReference;

/**
 * What controllers, the scheduler and the agent tell `kubectl describe` users (client-go's
 * record.EventRecorder, reduced to one call). event() never throws and never waits: recording is
 * best effort, as in Kubernetes.
 */
export interface EventRecorder {
  event(about: EventSubject, type: EventType, reason: string, message: string): void;
}

/** Who writes the events: the Event's `source` and `reporting*` fields. */
export interface EventSource {
  /** source.component and reportingComponent, e.g. `deployment-controller`, `kubelet`, `default-scheduler`. */
  component: string;
  /** source.host: the node a kubelet runs on; unset for control-plane components. */
  host?: string;
  /** reportingInstance; defaults to `host` (or '' without one), as client-go's recorder fills it. */
  instance?: string;
}

export interface ClientEventRecorderOptions extends EventSource, Pick<CorrelatorOptions, 'burst' | 'maxSimilar'> {
  client: KubeClient;
  log: Logger;
  /** The clock for timestamps and correlation (tests pass a fake one). */
  now?: () => Date;
  /** Writes waiting beyond this many are dropped and counted (1000). */
  maxQueued?: number;
  /** Event writes in flight at once (4). */
  concurrency?: number;
}

/** The involvedObject for an event about `about`. Pure. */
export function objectReference(about: EventSubject): ObjectReference {
  if (!('metadata' in about)) return { ...about };
  const m = about.metadata;
  return {
    apiVersion: about.apiVersion,
    kind: about.kind,
    name: m.name,
    namespace: m.namespace,
    uid: m.uid,
    resourceVersion: m.resourceVersion,
  };
}

/**
 * The involvedObject for an event about a pod, also one read without apiVersion and kind (the
 * scheduler's slimmed copies); `fieldPath` names a part of it, e.g. `spec.containers{web}`. Pure.
 */
export function podReference(pod: Pod, fieldPath?: string): ObjectReference {
  const m = pod.metadata;
  const ref: ObjectReference = {
    apiVersion: 'v1',
    kind: 'Pod',
    name: m?.name,
    namespace: m?.namespace,
    uid: m?.uid,
    resourceVersion: m?.resourceVersion,
  };
  return fieldPath ? { ...ref, fieldPath } : ref;
}

/**
 * Builds the core/v1 Event Kubernetes' record package writes before correlation: named
 * `<object>.<hex time>`, in the object's namespace ('default' for cluster-scoped objects), count
 * 1, first/lastTimestamp now. Pure but for the name's random sub-millisecond digits.
 */
export function buildEvent(
  about: EventSubject,
  type: EventType,
  reason: string,
  message: string,
  source: EventSource,
  now: Date,
): CoreEvent {
  const involvedObject = objectReference(about);
  const ts = eventTimestamp(now);
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: eventName(involvedObject.name ?? '', now), namespace: involvedObject.namespace || 'default' },
    involvedObject,
    reason,
    message,
    type,
    count: 1,
    firstTimestamp: ts,
    lastTimestamp: ts,
    source: source.host ? { component: source.component, host: source.host } : { component: source.component },
    reportingComponent: source.component,
    reportingInstance: source.instance ?? source.host ?? '',
  };
}

/**
 * The one event recorder of controllers, scheduler and agent: builds the Event, correlates it
 * (aggregation, de-duplication, spam filter: event-correlator.ts) and hands the result to a
 * bounded background writer (event-writer.ts). Failures are logged at debug, never thrown.
 */
export class ClientEventRecorder implements EventRecorder {
  private readonly now: () => Date;
  private readonly correlator: EventCorrelator;
  private readonly writer: EventWriter;
  /** Events the spam filter dropped. */
  filtered = 0;

  constructor(private readonly o: ClientEventRecorderOptions) {
    this.now = o.now ?? (() => new Date());
    this.correlator = new EventCorrelator({ now: this.now, burst: o.burst, maxSimilar: o.maxSimilar });
    this.writer = new EventWriter({
      client: o.client,
      log: o.log,
      maxQueued: o.maxQueued,
      concurrency: o.concurrency,
    });
  }

  event(about: EventSubject, type: EventType, reason: string, message: string): void {
    try {
      const result = this.correlator.correlate(buildEvent(about, type, reason, message, this.o, this.now()));
      if (result.action === 'skip') {
        this.filtered++;
        return;
      }
      this.writer.add(
        result.action === 'patch' ? { event: result.event, patch: result.patch } : { event: result.event },
      );
    } catch (err) {
      // A bug here must not take the caller down: events are best effort.
      this.o.log.warn({ reason, err: err instanceof Error ? err.message : String(err) }, 'event not recorded');
    }
  }

  /** Queue and failure counters of the writer. */
  get stats(): Readonly<EventWriterStats> {
    return this.writer.stats;
  }

  /** Resolves when every queued event has been written (or failed). */
  idle(): Promise<void> {
    return this.writer.idle();
  }
}

/** An EventRecorder that creates and patches Events through the client (see ClientEventRecorder). */
export function clientEventRecorder(opts: ClientEventRecorderOptions): ClientEventRecorder {
  return new ClientEventRecorder(opts);
}

/** An EventRecorder for tests: keeps `Type Reason Message` strings (as client-go's FakeRecorder). */
export class RecordingEventRecorder implements EventRecorder {
  readonly events: string[] = [];
  /** The subjects, in the same order as `events`. */
  readonly subjects: ObjectReference[] = [];
  event(about: EventSubject, type: EventType, reason: string, message: string): void {
    this.events.push(`${type} ${reason} ${message}`);
    this.subjects.push(objectReference(about));
  }
}
