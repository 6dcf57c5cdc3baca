/** One object: its YAML, conditions and events (and, for a pod, a link to its logs). */
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { stringify } from 'yaml';
import { getJson } from '../api';
import { type ResourceKind, resourcePath } from '../discovery';
import { href } from '../router';
import { EventList, type KubeEvent } from './events';

interface KubeObject {
  metadata: { name: string; namespace?: string; uid?: string; managedFields?: unknown };
  spec?: { containers?: { name: string }[] };
  status?: { conditions?: { type: string; status: string; reason?: string; message?: string }[] };
}

export function ObjectDetail({ kind, params }: { kind: ResourceKind; params: URLSearchParams }) {
  const ns = params.get('ns') ?? undefined;
  const name = params.get('n') ?? '';
  const [obj, setObj] = useState<KubeObject | undefined>(undefined);
  const [events, setEvents] = useState<KubeEvent[]>([]);
  const [error, setError] = useState('');
  const [showManaged, setShowManaged] = useState(false);

  useEffect(() => {
    const ac = new AbortController();
    setObj(undefined);
    setError('');
    (async () => {
      const o = await getJson<KubeObject>(resourcePath(kind, ns, name), undefined, ac.signal);
      setObj(o);
      const uid = o.metadata.uid;
      if (!uid) return;
      const sel = new URLSearchParams({ fieldSelector: `involvedObject.uid=${uid}` });
      const evPath = ns ? `/api/v1/namespaces/${encodeURIComponent(ns)}/events` : '/api/v1/events';
      const list = await getJson<{ items?: KubeEvent[] }>(`${evPath}?${sel}`, undefined, ac.signal).catch(() => ({
        items: [],
      }));
      setEvents(list.items ?? []);
    })().catch((e: Error) => {
      if (!ac.signal.aborted) setError(e.message);
    });
    return () => ac.abort();
  }, [kind, ns, name]);

  if (error) return html`<p class="error" role="alert">${error}</p>`;
  if (!obj) return html`<p>Loading…</p>`;
  const shown = showManaged ? obj : { ...obj, metadata: { ...obj.metadata, managedFields: undefined } };
  const isPod = kind.group === '' && kind.resource === 'pods';
  return html`
    <section class="object-detail">
      <h1>${kind.kind} <span class="name">${ns ? `${ns}/` : ''}${name}</span></h1>
      <p class="links">
        <a href=${href('list', { g: kind.group, v: kind.version, r: kind.resource, ns })}>← ${kind.resource}</a>
        ${
          isPod
            ? html` · <a class="logs-link" href=${href('logs', { ns, n: name, c: obj.spec?.containers?.[0]?.name })}>Logs</a>`
            : null
        }
      </p>
      ${
        obj.status?.conditions?.length
          ? html`<h2>Conditions</h2>
            <table class="conditions">
              <thead><tr><th>Type</th><th>Status</th><th>Reason</th><th>Message</th></tr></thead>
              <tbody>${obj.status.conditions.map(
                (c) =>
                  html`<tr><td>${c.type}</td><td>${c.status}</td><td>${c.reason ?? ''}</td><td>${c.message ?? ''}</td></tr>`,
              )}</tbody>
            </table>`
          : null
      }
      <h2>Events</h2>
      <${EventList} events=${events} />
      <h2>YAML</h2>
      <label class="toggle"><input type="checkbox" checked=${showManaged}
        onChange=${(e: Event) => setShowManaged((e.target as HTMLInputElement).checked)} /> managed fields</label>
      <pre class="yaml">${stringify(shown)}</pre>
    </section>`;
}
