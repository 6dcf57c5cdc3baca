import type { Event as CoreEvent } from 'kubernetes-types/core/v1.js';
import { fieldErrors, type FieldError } from '../errors.js';
import { validateEnum } from '../validation/field.js';
import { NAME_DESCRIPTION, col } from './columns.js';
import { defineKind } from './define-kind.js';
import { translateTimestampSince } from './duration.js';
import { convertEvent } from './event-conversion.js';

/** SOURCE cell: component (or reportingController), `, host` (or reportingInstance) when known. */
function eventSource(e: CoreEvent): string {
  const component = e.source?.component || e.reportingComponent || '';
  const instance = e.source?.host || e.reportingInstance || '';
  return instance ? `${component}, ${instance}` : component;
}

/** The printer's cells of a core Event (printEvent). */
export function eventRow(e: CoreEvent, now: Date): unknown[] {
  let first = translateTimestampSince(e.firstTimestamp, now);
  if (!e.firstTimestamp) first = translateTimestampSince(e.eventTime, now);
  let last = e.lastTimestamp ? translateTimestampSince(e.lastTimestamp, now) : first;
  let count = e.count ?? 0;
  if (e.series) {
    last = translateTimestampSince(e.series.lastObservedTime, now);
    count = e.series.count ?? 0;
  } else if (count === 0) count = 1;
  const io = e.involvedObject ?? {};
  const target = io.name ? `${(io.kind ?? '').toLowerCase()}/${io.name}` : (io.kind ?? '').toLowerCase();
  return [
    last,
    e.type ?? '',
    e.reason ?? '',
    target,
    io.fieldPath ?? '',
    eventSource(e),
    (e.message ?? '').trim(),
    first,
    count,
    e.metadata?.name ?? '',
  ];
}

const EVENT_COLUMNS = [
  col('Last Seen', 'string', 'The time at which the most recent occurrence of this event was recorded.'),
  col('Type', 'string', 'Type of this event (Normal, Warning), new types could be added in the future'),
  col(
    'Reason',
    'string',
    "This should be a short, machine understandable string that gives the reason for the transition into the object's current status.",
  ),
  col('Object', 'string', 'The object that this event is about.'),
  col(
    'Subobject',
    'string',
    'If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement.',
    true,
  ),
  col('Source', 'string', 'The component reporting this event. Should be a short machine understandable string.', true),
  col('Message', 'string', 'A human-readable description of the status of this operation.'),
  col(
    'First Seen',
    'string',
    'The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)',
    true,
  ),
  col('Count', 'string', 'The number of times this event has occurred.', true),
  { name: 'Name', type: 'string' as const, format: 'name', description: NAME_DESCRIPTION, priority: 1 },
];

function validateCoreEvent(e: CoreEvent): FieldError[] {
  const errs: FieldError[] = [];
  if (e.type) errs.push(...validateEnum('type', e.type, ['Normal', 'Warning']));
  const io = e.involvedObject;
  if (
    io?.namespace &&
    e.metadata?.namespace &&
    io.namespace !== e.metadata.namespace &&
    e.metadata.namespace !== 'default'
  ) {
    errs.push(fieldErrors.invalid('involvedObject.namespace', io.namespace, 'does not match event.namespace'));
  }
  if (e.eventTime) {
    if (!e.reportingComponent) errs.push(fieldErrors.required('reportingController', ''));
    if (!e.reportingInstance) errs.push(fieldErrors.required('reportingInstance', ''));
    if (!e.action) errs.push(fieldErrors.required('action', ''));
    if (!e.reason) errs.push(fieldErrors.required('reason', ''));
  }
  if ((e.message ?? '').length > 4096 && e.eventTime) errs.push(fieldErrors.tooLong('note', 4096));
  return errs;
}

/** Field selectors of Events: involvedObject.*, reason, reportingComponent, source, type. */
export function eventSelectableFields(e: CoreEvent): Record<string, string> {
  const io = e.involvedObject ?? {};
  return {
    'involvedObject.kind': io.kind ?? '',
    'involvedObject.namespace': io.namespace ?? '',
    'involvedObject.name': io.name ?? '',
    'involvedObject.uid': io.uid ?? '',
    'involvedObject.apiVersion': io.apiVersion ?? '',
    'involvedObject.resourceVersion': io.resourceVersion ?? '',
    'involvedObject.fieldPath': io.fieldPath ?? '',
    reason: e.reason ?? '',
    reportingComponent: e.reportingComponent ?? '',
    source: e.source?.component || e.reportingComponent || '',
    type: e.type ?? '',
  };
}

/** core/v1 Event. Objects of events.k8s.io/v1 are converted to this shape for printing and selection. */
export const eventStrategy = defineKind<CoreEvent>({
  namespaced: true,
  validate: validateCoreEvent,
  columns: EVENT_COLUMNS,
  row: eventRow,
  selectableFields: eventSelectableFields,
  convert: convertEvent,
});

const asCore = (e: unknown): CoreEvent =>
  convertEvent(e as Parameters<typeof convertEvent>[0], 'v1') as unknown as CoreEvent;

/** events.k8s.io/v1 Event: same storage, printer and selectors as core Events (via conversion). */
export const eventsV1Strategy = defineKind<Record<string, unknown>>({
  namespaced: true,
  validate(e) {
    const errs: FieldError[] = [];
    for (const k of ['reportingController', 'reportingInstance', 'action', 'reason', 'eventTime'])
      if (!e[k]) errs.push(fieldErrors.required(k));
    if (typeof e.note === 'string' && e.note.length > 1024) errs.push(fieldErrors.tooLong('note', 1024));
    if (e.type !== undefined) errs.push(...validateEnum('type', String(e.type), ['Normal', 'Warning']));
    return errs;
  },
  columns: EVENT_COLUMNS,
  row: (e, now) => eventRow(asCore(e), now),
  selectableFields: (e) => eventSelectableFields(asCore(e)),
  convert: convertEvent,
});
