/** Cluster overview: nodes (the server's node table), pods by phase, recent warnings. Refreshed every few seconds. */
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { getJson, TABLE_ACCEPT } from '../api';
import { href } from '../router';
import type { Table } from '../table-model';
import { EventList, type KubeEvent } from './events';

const REFRESH_MS = 5000;

export function Overview() {
  const [nodes, setNodes] = useState<Table | undefined>(undefined);
  const [phases, setPhases] = useState<Record<string, number>>({});
  const [warnings, setWarnings] = useState<KubeEvent[]>([]);
  const [errors, setErrors] = useState<string[]>([]);

  useEffect(() => {
    let stopped = false;
    const load = async () => {
      const problems: string[] = [];
      await Promise.all([
        getJson<Table>('/api/v1/nodes', TABLE_ACCEPT).then(setNodes, (e: Error) =>
          problems.push(`nodes: ${e.message}`),
        ),
        getJson<{ items?: { status?: { phase?: string } }[] }>('/api/v1/pods').then(
          (l) => {
            const counts: Record<string, number> = {};
            for (const p of l.items ?? []) {
              const phase = p.status?.phase ?? 'Unknown';
              counts[phase] = (counts[phase] ?? 0) + 1;
            }
            setPhases(counts);
          },
          (e: Error) => problems.push(`pods: ${e.message}`),
        ),
        getJson<{ items?: KubeEvent[] }>('/api/v1/events?fieldSelector=type%3DWarning').then(
          (l) => setWarnings((l.items ?? []).slice(-50)),
          (e: Error) => problems.push(`events: ${e.message}`),
        ),
      ]);
      if (!stopped) setErrors(problems);
    };
    void load();
    const timer = setInterval(load, REFRESH_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, []);

  const cols = (nodes?.columnDefinitions ?? []).map((c, i) => ({ c, i })).filter(({ c }) => (c.priority ?? 0) === 0);
  return html`
    <section class="overview">
      <h1>Cluster</h1>
      ${errors.map((e) => html`<p class="error">${e}</p>`)}
      <h2>Nodes</h2>
      <table class="nodes">
        <thead><tr>${cols.map(({ c }) => html`<th scope="col">${c.name}</th>`)}</tr></thead>
        <tbody>${(nodes?.rows ?? []).map(
          (r) =>
            html`<tr>${cols.map(({ c, i }) =>
              c.format === 'name'
                ? html`<td><a href=${href('object', { g: '', v: 'v1', r: 'nodes', n: String(r.cells[i]) })}>${String(r.cells[i])}</a></td>`
                : html`<td>${String(r.cells[i] ?? '')}</td>`,
            )}</tr>`,
        )}</tbody>
      </table>
      <h2>Pods by phase</h2>
      <ul class="phases">
        ${['Running', 'Pending', 'Succeeded', 'Failed', 'Unknown'].map(
          (p) => html`<li class=${`phase ${p.toLowerCase()}`}><span class="n">${phases[p] ?? 0}</span> ${p}</li>`,
        )}
      </ul>
      <h2>Recent warnings</h2>
      <${EventList} events=${warnings} showObject=${true} />
    </section>`;
}
