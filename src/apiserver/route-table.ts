/**
 * A small path router for the API server's non-resource paths (/api, /apis/<group>, /openapi/v3/...).
 * Resource paths are parsed by request-info.ts as Kubernetes does; this table holds the rest. A
 * dozen fixed routes do not need a router library: matching is a segment walk, in table order.
 *
 * Patterns: literal segments, `:name` (one non-empty segment), and a last `*name` (one or more
 * segments, joined by '/'). Trailing slashes on the request path are ignored (`/apis/` is `/apis`).
 */
export interface Route<T> {
  pattern: string;
  serve: T;
}

export interface RouteMatch<T> {
  serve: T;
  params: Record<string, string>;
}

interface Compiled<T> {
  segments: string[];
  rest?: string;
  serve: T;
}

export class RouteTable<T> {
  private readonly routes: Compiled<T>[];

  /** Compiles the patterns once; throws on a malformed pattern (a `*` segment that is not last). */
  constructor(routes: readonly Route<T>[]) {
    this.routes = routes.map(({ pattern, serve }) => {
      const segments = split(pattern);
      const last = segments.at(-1);
      if (segments.slice(0, -1).some((s) => s.startsWith('*'))) throw new Error(`'*' must come last in ${pattern}`);
      return last?.startsWith('*')
        ? { segments: segments.slice(0, -1), rest: last.slice(1), serve }
        : { segments, serve };
    });
  }

  /** The first route matching `path` (no query), with its parameters; undefined when none does. */
  match(path: string): RouteMatch<T> | undefined {
    const parts = split(path);
    for (const r of this.routes) {
      const params = matchSegments(r, parts);
      if (params) return { serve: r.serve, params };
    }
    return undefined;
  }
}

function split(path: string): string[] {
  const trimmed = path.replace(/\/+$/, '');
  return trimmed === '' ? [] : trimmed.slice(trimmed.startsWith('/') ? 1 : 0).split('/');
}

function matchSegments<T>(r: Compiled<T>, parts: string[]): Record<string, string> | undefined {
  if (r.rest === undefined ? parts.length !== r.segments.length : parts.length <= r.segments.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < r.segments.length; i++) {
    const s = r.segments[i];
    if (s.startsWith(':')) {
      if (parts[i] === '') return undefined;
      params[s.slice(1)] = parts[i];
    } else if (s !== parts[i]) return undefined;
  }
  if (r.rest !== undefined) params[r.rest] = parts.slice(r.segments.length).join('/');
  return params;
}
