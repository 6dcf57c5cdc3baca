/** Hash routes: #/ (overview), #/list?..., #/object?..., #/logs?... — parameters as a query string. */
import { useEffect, useState } from 'preact/hooks';

export interface Route {
  view: string;
  params: URLSearchParams;
}

export function parseHash(hash: string): Route {
  const h = hash.replace(/^#\/?/, '');
  const q = h.indexOf('?');
  return { view: q < 0 ? h : h.slice(0, q), params: new URLSearchParams(q < 0 ? '' : h.slice(q + 1)) };
}

/** The link of a view with its parameters (empty ones left out). */
export function href(view: string, params: Record<string, string | undefined> = {}): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) p.set(k, v);
  const s = p.toString();
  return `#/${view}${s ? `?${s}` : ''}`;
}

export function useRoute(): Route {
  const [state, setState] = useState(() => ({ hash: location.hash, route: parseHash(location.hash) }));
  useEffect(() => {
    const on = () =>
      setState((s) => (s.hash === location.hash ? s : { hash: location.hash, route: parseHash(location.hash) }));
    addEventListener('hashchange', on);
    // Effects run after the first paint: a hash that changed in between fired no event heard here.
    on();
    return () => removeEventListener('hashchange', on);
  }, []);
  return state.route;
}
