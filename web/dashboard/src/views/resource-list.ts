/**
 * A list of any resource kind with the server's own columns (the Table format kubectl uses), kept
 * live by a Table watch, filtered by namespace and label selector (server side) and text (here),
 * sortable by any column.
 */
import { html } from 'htm/preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ApiFailure, getJson, k8s, readLines, TABLE_ACCEPT } from '../api';
import { type ResourceKind, resourcePath } from '../discovery';
import { href } from '../router';
import { type Table, TableModel, visibleRows, type WatchEvent } from '../table-model';
import { age } from './age';

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    });
  });

/** Lists, then watches from the list's resourceVersion; lists again when the watch expires (410). */
async function listAndWatch(
  path: string,
  query: URLSearchParams,
  model: TableModel,
  changed: () => void,
  status: (live: boolean, error: string) => void,
  signal: AbortSignal,
): Promise<void> {
  let needList = true;
  let failures = 0;
  while (!signal.aborted) {
    try {
      if (needList) {
        model.load(await getJson<Table>(`${path}?${query}`, TABLE_ACCEPT, signal));
        needList = false;
        changed();
      }
      const w = new URLSearchParams(query);
      w.set('watch', '1');
      w.set('allowWatchBookmarks', 'true');
      w.set('resourceVersion', model.resourceVersion);
      const stream = new AbortController();
      const stop = () => stream.abort();
      signal.addEventListener('abort', stop);
      try {
        const res = await k8s(`${path}?${w}`, { accept: TABLE_ACCEPT, signal: stream.signal });
        status(true, '');
        failures = 0;
        await readLines(
          res,
          (lines) => {
            let any = false;
            for (const line of lines) {
              if (line.trim() === '') continue;
              const result = model.apply(JSON.parse(line) as WatchEvent);
              if (result === 'expired') {
                needList = true;
                stream.abort();
                return;
              }
              any ||= result === 'changed';
            }
            if (any) changed();
          },
          stream.signal,
        );
      } finally {
        signal.removeEventListener('abort', stop);
      }
      status(false, '');
    } catch (err) {
      if (signal.aborted) return;
      if (err instanceof ApiFailure && err.code === 410) needList = true;
      status(false, err instanceof Error ? err.message : String(err));
      failures++;
      await sleep(Math.min(10_000, 250 * 2 ** failures), signal);
    }
  }
}

export function ResourceList({ kind, params }: { kind: ResourceKind; params: URLSearchParams }) {
  const ns = kind.namespaced ? (params.get('ns') ?? '') : '';
  const labels = params.get('l') ?? '';
  const [text, setText] = useState('');
  const [sort, setSort] = useState({ column: 0, descending: false });
  const [labelInput, setLabelInput] = useState(labels);
  const model = useRef(new TableModel());
  const [, setTick] = useState(0);
  const [live, setLive] = useState(false);
  const [error, setError] = useState('');
  const [namespaces, setNamespaces] = useState<string[] | undefined>(undefined);

  useEffect(() => {
    const ac = new AbortController();
    model.current = new TableModel();
    setTick((t) => t + 1);
    setError('');
    let frame = 0;
    // Many events in a burst (a rollout) render once per animation frame.
    const changed = () => {
      if (frame === 0)
        frame = requestAnimationFrame(() => {
          frame = 0;
          setTick((t) => t + 1);
        });
    };
    const query = new URLSearchParams();
    if (labels) query.set('labelSelector', labels);
    void listAndWatch(
      resourcePath(kind, ns),
      query,
      model.current,
      changed,
      (l, e) => {
        setLive(l);
        setError(e);
      },
      ac.signal,
    );
    return () => {
      ac.abort();
      cancelAnimationFrame(frame);
    };
  }, [kind, ns, labels]);

  useEffect(() => {
    if (!kind.namespaced) return;
    getJson<{ items?: { metadata: { name: string } }[] }>('/api/v1/namespaces').then(
      (l) => setNamespaces((l.items ?? []).map((n) => n.metadata.name)),
      () => setNamespaces(undefined),
    );
  }, [kind.namespaced]);

  useEffect(() => setLabelInput(labels), [labels]);

  // Ages are the server's text at the last event; between events they are counted here.
  useEffect(() => {
    const timer = setInterval(() => setTick((t) => t + 1), 5000);
    return () => clearInterval(timer);
  }, []);

  const m = model.current;
  const shown = visibleRows(m, { text, sortColumn: sort.column, descending: sort.descending });
  const columns = useMemo(
    () => m.columns.map((c, i) => ({ c, i })).filter(({ c }) => (c.priority ?? 0) === 0),
    [m.columns],
  );
  const go = (over: Record<string, string>) => {
    location.hash = href('list', { g: kind.group, v: kind.version, r: kind.resource, ns, l: labels, ...over });
  };
  const objectHref = (name: string, namespace?: string) =>
    href('object', { g: kind.group, v: kind.version, r: kind.resource, ns: namespace, n: name });
  const sortBy = (column: number) =>
    setSort((s) => ({ column, descending: s.column === column ? !s.descending : false }));
  const allNamespaces = kind.namespaced && ns === '';

  return html`
    <section class="resource-list" data-resource=${kind.resource}>
      <h1>${kind.resource} ${kind.group ? html`<small>${kind.group}</small>` : null}</h1>
      <form class="filters" onSubmit=${(e: Event) => {
        e.preventDefault();
        go({ l: labelInput });
      }}>
        ${
          kind.namespaced
            ? namespaces
              ? html`<label>Namespace
                  <select name="namespace" value=${ns} onChange=${(e: Event) => go({ ns: (e.target as HTMLSelectElement).value })}>
                    <option value="">All namespaces</option>
                    ${namespaces.map((n) => html`<option value=${n}>${n}</option>`)}
                  </select></label>`
              : html`<label>Namespace
                  <input name="namespace" value=${ns} onChange=${(e: Event) => go({ ns: (e.target as HTMLInputElement).value })} /></label>`
            : null
        }
        <label>Labels <input name="labels" placeholder="app=web,tier!=db" value=${labelInput}
          onInput=${(e: Event) => setLabelInput((e.target as HTMLInputElement).value)} /></label>
        <label>Filter <input name="text" type="search" value=${text}
          onInput=${(e: Event) => setText((e.target as HTMLInputElement).value)} /></label>
        <span class=${live ? 'live on' : 'live'} title=${live ? 'watching for changes' : 'not watching'}>${live ? 'live' : 'offline'}</span>
        <span class="count">${shown.length} of ${m.rows.size}</span>
      </form>
      ${error ? html`<p class="error" role="alert">${error}</p>` : null}
      <table class="resources">
        <thead>
          <tr>
            ${allNamespaces ? html`<th scope="col">Namespace</th>` : null}
            ${columns.map(
              ({ c, i }) => html`<th scope="col" title=${c.description ?? ''}
                aria-sort=${sort.column === i ? (sort.descending ? 'descending' : 'ascending') : 'none'}>
                <button type="button" onClick=${() => sortBy(i)}>${c.name}</button></th>`,
            )}
          </tr>
        </thead>
        <tbody>
          ${shown.map(
            (r) => html`<tr key=${r.key} data-key=${r.key}>
              ${allNamespaces ? html`<td>${r.meta.namespace ?? ''}</td>` : null}
              ${columns.map(({ c, i }) =>
                c.format === 'name'
                  ? html`<td><a href=${objectHref(r.meta.name, r.meta.namespace)}>${cellText(r.cells[i])}</a></td>`
                  : html`<td>${c.name === 'Age' && r.meta.creationTimestamp && kind.resource !== 'events' ? age(r.meta.creationTimestamp) : cellText(r.cells[i])}</td>`,
              )}
            </tr>`,
          )}
        </tbody>
      </table>
    </section>`;
}

function cellText(v: unknown): string {
  if (v === null || v === undefined) return '';
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}
