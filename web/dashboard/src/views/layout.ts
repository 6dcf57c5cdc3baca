/** The frame of the app: header (user, log out), the resource kinds from discovery, and the current view. */
import { html } from 'htm/preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { discoverResources, type ResourceKind } from '../discovery';
import { href, useRoute } from '../router';
import { CreateFromYaml } from './create';
import { ObjectDetail } from './object-detail';
import { Overview } from './overview';
import { PodLogs } from './pod-logs';
import { ResourceList } from './resource-list';

export function Layout({ user, onLogout }: { user: { name: string; groups: string[] }; onLogout: () => void }) {
  const route = useRoute();
  const [kinds, setKinds] = useState<ResourceKind[]>([]);
  const [error, setError] = useState('');
  useEffect(() => {
    discoverResources().then(setKinds, (e: Error) => setError(e.message));
  }, []);
  const groups = useMemo(() => {
    const m = new Map<string, ResourceKind[]>();
    for (const k of kinds) {
      const list = m.get(k.group) ?? [];
      list.push(k);
      m.set(k.group, list);
    }
    return [...m.entries()];
  }, [kinds]);

  const p = route.params;
  const kind = kinds.find((k) => k.group === (p.get('g') ?? '') && k.resource === p.get('r'));
  let view: unknown;
  if (route.view === 'list' && kind) view = html`<${ResourceList} kind=${kind} params=${p} />`;
  else if (route.view === 'object' && kind) view = html`<${ObjectDetail} kind=${kind} params=${p} />`;
  else if (route.view === 'logs') view = html`<${PodLogs} params=${p} />`;
  else if (route.view === 'terminal') view = html`<${Lazy} load=${loadTerminal} params=${p} />`;
  else if (route.view === 'create') view = html`<${CreateFromYaml} kinds=${kinds} />`;
  else if ((route.view === 'list' || route.view === 'object') && kinds.length === 0) view = html`<p>Loading…</p>`;
  else if (route.view === 'list' || route.view === 'object')
    view = html`<p class="error">Unknown resource ${p.get('r') ?? ''}</p>`;
  else view = html`<${Overview} />`;

  return html`
    <header class="top">
      <a class="brand" href="#/">Flotilla</a>
 <a class="create-link" href="#/create">Create</a>
      <span class="user" title=${user.groups.join(', ')}>${user.name}</span>
      <button type="button" class="logout" onClick=${onLogout}>Log out</button>
    </header>
    <div class="body">
      <nav class="kinds" aria-label="Resources">
        <a href="#/" class=${route.view === '' ? 'active' : ''}>Overview</a>
        ${error ? html`<p class="error">${error}</p>` : null}
        ${groups.map(
          ([group, list]) => html`
            <h2>${group || 'core'}</h2>
            <ul>
              ${list.map(
                (k) => html`<li>
                  <a
                    href=${href('list', { g: k.group, v: k.version, r: k.resource })}
                    class=${kind === k ? 'active' : ''}
                    >${k.resource}</a
                  >
                </li>`,
              )}
            </ul>
          `,
        )}
      </nav>
      <main class="view">${view}</main>
    </div>`;
}

// The terminal (xterm.js) is a chunk of its own, loaded when a terminal opens.
const loadTerminal = () => import('./terminal').then((m) => m.PodTerminal);

/** Renders the component `load` resolves to (loaded once per mount). */
function Lazy({
  load,
  params,
}: {
  load: () => Promise<(p: { params: URLSearchParams }) => unknown>;
  params: URLSearchParams;
}) {
  const [C, setC] = useState<((p: { params: URLSearchParams }) => unknown) | undefined>(undefined);
  const [error, setError] = useState('');
  useEffect(() => {
    load().then(
      (c) => setC(() => c),
      (e: Error) => setError(e.message),
    );
  }, [load]);
  if (error) return html`<p class="error" role="alert">${error}</p>`;
  return C ? html`<${C} params=${params} />` : html`<p>Loading…</p>`;
}
