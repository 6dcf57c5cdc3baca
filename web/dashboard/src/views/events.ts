/** A list of core/v1 Events, newest first. */
import { html } from 'htm/preact';
import { age } from './age';

export interface KubeEvent {
  metadata: { name: string; namespace?: string; uid?: string };
  type?: string;
  reason?: string;
  message?: string;
  count?: number;
  lastTimestamp?: string;
  eventTime?: string;
  involvedObject?: { kind?: string; name?: string; namespace?: string };
  metadataCreation?: string;
}

function when(e: KubeEvent): string {
  return e.lastTimestamp ?? e.eventTime ?? '';
}

export function EventList({ events, showObject }: { events: KubeEvent[]; showObject?: boolean }) {
  if (events.length === 0) return html`<p class="empty">No events.</p>`;
  const sorted = [...events].sort((a, b) => when(b).localeCompare(when(a)));
  return html`<table class="events">
    <thead><tr><th>Age</th><th>Type</th><th>Reason</th>${showObject ? html`<th>Object</th>` : null}<th>Message</th></tr></thead>
    <tbody>${sorted.map(
      (e) => html`<tr key=${e.metadata.uid ?? e.metadata.name} class=${e.type === 'Warning' ? 'warning' : ''}>
        <td>${age(when(e))}</td><td>${e.type ?? ''}</td><td>${e.reason ?? ''}</td>
        ${showObject ? html`<td>${e.involvedObject?.kind ?? ''}/${e.involvedObject?.namespace ? `${e.involvedObject.namespace}/` : ''}${e.involvedObject?.name ?? ''}</td>` : null}
        <td>${e.message ?? ''}${e.count && e.count > 1 ? ` (×${e.count})` : ''}</td>
      </tr>`,
    )}</tbody>
  </table>`;
}
