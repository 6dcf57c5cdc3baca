/** A pod's log, followed as it grows; container choice, previous instance, and a line filter. */
import { html } from 'htm/preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { getJson, k8s, readLines } from '../api';
import { href } from '../router';

const MAX_LINES = 5000;

export function PodLogs({ params }: { params: URLSearchParams }) {
  const ns = params.get('ns') ?? 'default';
  const name = params.get('n') ?? '';
  const [containers, setContainers] = useState<string[]>([]);
  const container = params.get('c') ?? containers[0] ?? '';
  const [follow, setFollow] = useState(true);
  const [previous, setPrevious] = useState(false);
  const [filter, setFilter] = useState('');
  const [lines, setLines] = useState<string[]>([]);
  const [state, setState] = useState('');
  const pre = useRef<HTMLPreElement>(null);

  useEffect(() => {
    getJson<{ spec?: { containers?: { name: string }[]; initContainers?: { name: string }[] } }>(
      `/api/v1/namespaces/${encodeURIComponent(ns)}/pods/${encodeURIComponent(name)}`,
    ).then(
      (p) => setContainers([...(p.spec?.containers ?? []), ...(p.spec?.initContainers ?? [])].map((c) => c.name)),
      (e: Error) => setState(e.message),
    );
  }, [ns, name]);

  useEffect(() => {
    if (!container) return;
    const ac = new AbortController();
    setLines([]);
    setState(follow && !previous ? 'following' : 'loading');
    const q = new URLSearchParams({ container, tailLines: '1000' });
    if (follow && !previous) q.set('follow', 'true');
    if (previous) q.set('previous', 'true');
    (async () => {
      const res = await k8s(`/api/v1/namespaces/${encodeURIComponent(ns)}/pods/${encodeURIComponent(name)}/log?${q}`, {
        accept: 'text/plain, */*',
        signal: ac.signal,
      });
      await readLines(
        res,
        (batch) =>
          setLines((old) => {
            const all = old.concat(batch);
            return all.length > MAX_LINES ? all.slice(all.length - MAX_LINES) : all;
          }),
        ac.signal,
      );
      setState('ended');
    })().catch((e: Error) => {
      if (!ac.signal.aborted) setState(e.message);
    });
    return () => ac.abort();
  }, [ns, name, container, follow, previous]);

  useEffect(() => {
    const el = pre.current;
    if (el && follow) el.scrollTop = el.scrollHeight;
  }, [lines, follow]);

  const needle = filter.toLowerCase();
  const shown = needle ? lines.filter((l) => l.toLowerCase().includes(needle)) : lines;
  return html`
    <section class="pod-logs">
      <h1>Logs <span class="name">${ns}/${name}</span></h1>
      <p class="links"><a href=${href('object', { g: '', v: 'v1', r: 'pods', ns, n: name })}>← pod</a></p>
      <div class="filters">
        <label>Container
          <select value=${container} onChange=${(e: Event) => {
            location.hash = href('logs', { ns, n: name, c: (e.target as HTMLSelectElement).value });
          }}>${containers.map((c) => html`<option value=${c}>${c}</option>`)}</select></label>
        <label><input type="checkbox" checked=${follow} onChange=${(e: Event) => setFollow((e.target as HTMLInputElement).checked)} /> follow</label>
        <label><input type="checkbox" checked=${previous} onChange=${(e: Event) => setPrevious((e.target as HTMLInputElement).checked)} /> previous</label>
        <label>Search <input type="search" value=${filter} onInput=${(e: Event) => setFilter((e.target as HTMLInputElement).value)} /></label>
        <span class="state">${state}</span>
      </div>
      <pre class="log" ref=${pre} tabindex="0">${shown.join('\n')}</pre>
    </section>`;
}
