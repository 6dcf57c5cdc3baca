import type { Event as CoreEvent } from 'kubernetes-types/core/v1.js';
import type { Logger } from 'pino';
import type { KubeObject } from '../../api/object.js';
import type { ResourceType } from '../../api/resource-type.js';
import { findResourceType } from '../../api/resource-types.js';
import type { KubeClient } from '../client/kube-client.js';

export const EVENTS = findResourceType('', 'v1', 'events') as ResourceType;

export type EventType = 'Normal' | 'Warning';

/**
 * What a controller tells `kubectl describe` users (client-go's record.EventRecorder, reduced to
 * one call). event() never throws and never waits: recording is best effort, as in Kubernetes.
 */
export interface EventRecorder {
  event(obj: KubeObject, type: EventType, reason: string, message: string): void;
}

export interface ClientEventRecorderOptions {
  client: KubeClient;
  /** source.component and reportingComponent, e.g. `deployment-controller`. */
  component: string;
  log: Logger;
  now?: () => Date;
}

/**
 * Builds the core/v1 Event kube-controller-manager writes: named `<object>.<hex time>`, in the
 * object's namespace, count 1, first/lastTimestamp now. Pure.
 */
export function buildEvent(
  obj: KubeObject,
  type: EventType,
  reason: string,
  message: string,
  component: string,
  now: Date,
): CoreEvent {
  const ts = now.toISOString().replace(/\.\d+Z$/, 'Z');
  const nanos = BigInt(now.getTime()) * 1_000_000n + BigInt(Math.floor(Math.random() * 1_000_000));
  const namespace = obj.metadata.namespace || 'default';
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: `${obj.metadata.name ?? ''}.${nanos.toString(16)}`, namespace },
    involvedObject: {
      apiVersion: obj.apiVersion,
      kind: obj.kind,
      name: obj.metadata.name,
      namespace: obj.metadata.namespace,
      uid: obj.metadata.uid,
      resourceVersion: obj.metadata.resourceVersion,
    },
    reason,
    message,
    type,
    count: 1,
    firstTimestamp: ts,
    lastTimestamp: ts,
    source: { component },
    reportingComponent: component,
    reportingInstance: '',
  };
}

/** An EventRecorder that creates Events through the client; failures are logged at debug level. */
export function clientEventRecorder(opts: ClientEventRecorderOptions): EventRecorder {
  const now = opts.now ?? (() => new Date());
  return {
    event(obj, type, reason, message) {
      const ev = buildEvent(obj, type, reason, message, opts.component, now());
      opts.client
        .create(EVENTS, ev.metadata.namespace ?? 'default', ev as unknown as KubeObject)
        .catch((err: unknown) => {
          opts.log.debug(
            { reason, object: obj.metadata.name, err: err instanceof Error ? err.message : String(err) },
            'event not recorded',
          );
        });
    },
  };
}

/** An EventRecorder for tests: keeps `Type Reason Message` strings (as client-go's FakeRecorder). */
export class RecordingEventRecorder implements EventRecorder {
  readonly events: string[] = [];
  event(_obj: KubeObject, type: EventType, reason: string, message: string): void {
    this.events.push(`${type} ${reason} ${message}`);
  }
}
