/**
 * Calls to the Kubernetes API through the dashboard's session path (/dashboard/k8s/...): the
 * server maps the session cookie to the user's own credential, so RBAC applies as for kubectl.
 * Every call carries the session's CSRF token; a 401 means the session ended (logout elsewhere,
 * expiry, revoked token) and sends the page back to the login view.
 */

export const BASE = '/dashboard';
export const TABLE_ACCEPT = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json';

let csrfToken = '';
let onSessionEnd: () => void = () => {};

/** Sets the CSRF token of the current session ('' when logged out) and what to do when it ends. */
export function setSession(token: string, ended?: () => void): void {
  csrfToken = token;
  if (ended) onSessionEnd = ended;
}

/** The current session's CSRF token, for a WebSocket (which carries it as a subprotocol). */
export function currentCsrfToken(): string {
  return csrfToken;
}

/** A Kubernetes Status (or another failure) as an Error with the server's message. */
export class ApiFailure extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly reason = '',
  ) {
    super(message);
  }
}

async function failureOf(res: Response): Promise<ApiFailure> {
  const text = await res.text().catch(() => '');
  try {
    const s = JSON.parse(text) as { message?: string; reason?: string };
    return new ApiFailure(res.status, s.message ?? `${res.status} ${res.statusText}`, s.reason ?? '');
  } catch {
    return new ApiFailure(res.status, text.trim() || `${res.status} ${res.statusText}`);
  }
}

/** One request to the API (path starting with /api or /apis); throws ApiFailure on a non-2xx answer. */
export async function k8s(path: string, init: RequestInit & { accept?: string } = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set('X-CSRF-Token', csrfToken);
  headers.set('Accept', init.accept ?? 'application/json');
  const res = await fetch(`${BASE}/k8s${path}`, { ...init, headers, credentials: 'same-origin' });
  if (res.status === 401) {
    onSessionEnd();
    throw await failureOf(res);
  }
  if (!res.ok) throw await failureOf(res);
  return res;
}

/** GET a JSON document from the API. */
export async function getJson<T>(path: string, accept?: string, signal?: AbortSignal): Promise<T> {
  return (await (await k8s(path, { accept, signal })).json()) as T;
}

/** A dashboard endpoint outside the API (login, session, logout). */
export async function dashboardCall<T>(path: string, method: 'GET' | 'POST', body?: unknown): Promise<T> {
  const res = await fetch(`${BASE}${path}`, {
    method,
    credentials: 'same-origin',
    headers: {
      Accept: 'application/json',
      'X-CSRF-Token': csrfToken,
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw await failureOf(res);
  return (res.status === 204 ? undefined : await res.json()) as T;
}

/**
 * Reads a streamed response line by line (a watch: one JSON event per line; logs: one log line
 * per line) until it ends or `signal` aborts. `onLines` gets each batch of complete lines.
 */
export async function readLines(res: Response, onLines: (lines: string[]) => void, signal: AbortSignal): Promise<void> {
  const body = res.body;
  if (!body) return;
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let rest = '';
  const abort = () => reader.cancel().catch(() => {});
  signal.addEventListener('abort', abort);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      rest += decoder.decode(value, { stream: true });
      const cut = rest.lastIndexOf('\n');
      if (cut < 0) continue;
      const lines = rest.slice(0, cut).split('\n');
      rest = rest.slice(cut + 1);
      onLines(lines);
    }
    rest += decoder.decode();
    if (rest !== '') onLines([rest]);
  } finally {
    signal.removeEventListener('abort', abort);
  }
}
