/**
 * One object, kept live by a watch on its name: its actions, conditions, events and YAML (an
 * editor that applies with server-side apply after showing the diff); for a pod, links to its
 * logs and terminal.
 */
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { stringify } from 'yaml';
import { getJson, k8s, readLines } from '../api';
import { type ResourceKind, resourcePath } from '../discovery';
import { href } from '../router';
import { EventList, type KubeEvent } from './events';
import { ObjectActions } from './object-actions';

import type { UsageGraphs as UsageGraphsView } from './usage-graphs';
import type { YamlEditor as YamlEditorView } from './yaml-editor';

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; namespace?: string; uid?: string; resourceVersion?: string; managedFields?: unknown };
  spec?: { containers?: { name: string }[]; replicas?: number; paused?: boolean; unschedulable?: boolean };
  status?: { conditions?: { type: string; status: string; reason?: string; message?: string }[] };
}

/** The object, then its changes through a watch on its name; `gone` when it is deleted. Retries on errors. */
function useLiveObject(kind: ResourceKind, ns: string | undefined, name: string) {
  const [obj, setObj] = useState<KubeObject | undefined>(undefined);
  const [error, setError] = useState('');
  const [gone, setGone] = useState(false);
  useEffect(() => {
    const ac = new AbortController();
    setObj(undefined);
    setError('');
    setGone(false);
    (async () => {
      let failures = 0;
      while (!ac.signal.aborted) {
        try {
          const o = await getJson<KubeObject>(resourcePath(kind, ns, name), undefined, ac.signal);
          setObj(o);
          setError('');
          const q = new URLSearchParams({
            watch: '1',
            fieldSelector: `metadata.name=${name}`,
            resourceVersion: o.metadata.resourceVersion ?? '0',
            allowWatchBookmarks: 'true',
          });
          const res = await k8s(`${resourcePath(kind, ns)}?${q}`, { signal: ac.signal });
          failures = 0;
          await readLines(
            res,
            (lines) => {
              for (const line of lines) {
                if (!line.trim()) continue;
                const ev = JSON.parse(line) as { type: string; object: KubeObject };
                if (ev.type === 'ADDED' || ev.type === 'MODIFIED') {
                  setObj(ev.object);
                  setGone(false);
                } else if (ev.type === 'DELETED') setGone(true);
              }
            },
            ac.signal,
          );
        } catch (e) {
          if (ac.signal.aborted) return;
          setError((e as Error).message);
          failures++;
          await new Promise((r) => setTimeout(r, Math.min(10_000, 500 * 2 ** failures)));
        }
      }
    })();
    return () => ac.abort();
  }, [kind, ns, name]);
  return { obj, error, gone };
}

export function ObjectDetail({ kind, params }: { kind: ResourceKind; params: URLSearchParams }) {
  const ns = params.get('ns') ?? undefined;
  const name = params.get('n') ?? '';
  const { obj, error, gone } = useLiveObject(kind, ns, name);
  const [events, setEvents] = useState<KubeEvent[]>([]);
  const [showManaged, setShowManaged] = useState(false);
  // The editor (CodeMirror) is a chunk of its own, loaded when asked for: most visits never edit.
  const [Editor, setEditor] = useState<typeof YamlEditorView | undefined>(undefined);
  const [editorError, setEditorError] = useState('');
  const edit = () =>
    import('./yaml-editor').then(
      (m) => setEditor(() => m.YamlEditor),
      (e: Error) => setEditorError(e.message),
    );
  const uid = obj?.metadata.uid;
  // Graphs (uPlot) for pods and nodes: a chunk of its own, loaded with the page of one.
  const graphed = kind.group === '' && (kind.resource === 'pods' || kind.resource === 'nodes');
  const [Graphs, setGraphs] = useState<typeof UsageGraphsView | undefined>(undefined);
  useEffect(() => {
    if (graphed)
      import('./usage-graphs').then(
        (m) => setGraphs(() => m.UsageGraphs),
        () => undefined,
      );
  }, [graphed]);

  useEffect(() => {
    if (!uid) return;
    const ac = new AbortController();
    const sel = new URLSearchParams({ fieldSelector: `involvedObject.uid=${uid}` });
    const evPath = ns ? `/api/v1/namespaces/${encodeURIComponent(ns)}/events` : '/api/v1/events';
    getJson<{ items?: KubeEvent[] }>(`${evPath}?${sel}`, undefined, ac.signal).then(
      (l) => setEvents(l.items ?? []),
      () => setEvents([]),
    );
    return () => ac.abort();
  }, [uid, ns]);

  if (!obj) return error ? html`<p class="error" role="alert">${error}</p>` : html`<p>Loading…</p>`;
  const shown = showManaged ? obj : { ...obj, metadata: { ...obj.metadata, managedFields: undefined } };
  const isPod = kind.group === '' && kind.resource === 'pods';
  const container = obj.spec?.containers?.[0]?.name;
  return html`
    <section class="object-detail">
      <h1>${kind.kind} <span class="name">${ns ? `${ns}/` : ''}${name}</span></h1>
      <p class="links">
        <a href=${href('list', { g: kind.group, v: kind.version, r: kind.resource, ns })}>← ${kind.resource}</a>
        ${
          isPod
            ? html` · <a class="logs-link" href=${href('logs', { ns, n: name, c: container })}>Logs</a>${' · '}<a class="terminal-link" href=${href('terminal', { ns, n: name, c: container })}>Terminal</a>`
            : null
        }
      </p>
      ${gone ? html`<p class="error gone" role="status">This object was deleted.</p>` : null}
      ${error ? html`<p class="error" role="alert">${error}</p>` : null}
      <${ObjectActions} target=${{ kind, namespace: ns, name }} obj=${obj} gone=${gone} />
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
      ${graphed ? html`<h2>Usage</h2>${Graphs ? html`<${Graphs} name=${name} namespace=${ns} />` : html`<p class="hint">Loading…</p>`}` : null}
      <h2>Events</h2>
      <${EventList} events=${events} />
      <h2>YAML</h2>
      ${
        Editor
          ? html`<${Editor} kind=${kind} obj=${obj} onClose=${() => setEditor(undefined)} />`
          : html`<p class="yaml-tools">
              <label class="toggle"><input type="checkbox" checked=${showManaged}
                onChange=${(e: Event) => setShowManaged((e.target as HTMLInputElement).checked)} /> managed fields</label>
              ${kind.verbs.includes('patch') ? html`<button type="button" class="edit-yaml" onClick=${edit}>Edit</button>` : null}
              ${editorError ? html`<span class="error">${editorError}</span>` : null}
            </p>
            <pre class="yaml">${stringify(shown)}</pre>`
      }
    </section>`;
}
