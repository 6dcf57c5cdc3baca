import type { KubeObject } from '../object.js';

type Rec = Record<string, unknown>;

/** Field pairs core/v1 Event <-> events.k8s.io/v1 Event (pkg/apis/events/v1/conversion.go). */
const PAIRS: Array<[core: string, events: string]> = [
  ['involvedObject', 'regarding'],
  ['message', 'note'],
  ['source', 'deprecatedSource'],
  ['firstTimestamp', 'deprecatedFirstTimestamp'],
  ['lastTimestamp', 'deprecatedLastTimestamp'],
  ['count', 'deprecatedCount'],
  ['reportingComponent', 'reportingController'],
];
const SAME = ['reason', 'type', 'action', 'related', 'reportingInstance', 'eventTime', 'series'];

/**
 * Converts an Event between `v1` (core) and `events.k8s.io/v1`; returns a new object. An Event
 * already in `toApiVersion` is returned as a copy. Unknown target versions throw.
 */
export function convertEvent(obj: KubeObject, toApiVersion: string): KubeObject {
  const src = structuredClone(obj) as Rec;
  if (obj.apiVersion === toApiVersion) return src as KubeObject;
  const toEvents = toApiVersion === 'events.k8s.io/v1';
  if (!toEvents && toApiVersion !== 'v1') throw new Error(`cannot convert Event to ${toApiVersion}`);
  const out: Rec = { apiVersion: toApiVersion, kind: 'Event', metadata: src.metadata };
  for (const [core, ev] of PAIRS) {
    const [from, to] = toEvents ? [core, ev] : [ev, core];
    if (src[from] !== undefined) out[to] = src[from];
  }
  for (const k of SAME) if (src[k] !== undefined) out[k] = src[k];
  return out as KubeObject;
}
