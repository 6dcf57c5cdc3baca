/** One named check of /healthz, /livez or /readyz; returns undefined when healthy, else why not. */
export interface HealthCheck {
  name: string;
  check(): string | undefined;
}

export interface HealthResponse {
  code: 200 | 404 | 500;
  body: string;
}

/**
 * Kubernetes' health endpoint semantics for `endpoint` (healthz, livez or readyz):
 * `/readyz` answers 200 `ok` when every check passes; `?verbose` lists `[+]name ok` lines;
 * on failure 500 with the listing (reasons withheld, as Kubernetes does) and `<endpoint> check failed`;
 * `/readyz/<name>` runs one check; `exclude=<name>` skips checks. Pure.
 */
export function healthResponse(
  endpoint: string,
  subPath: string,
  query: URLSearchParams,
  checks: readonly HealthCheck[],
): HealthResponse {
  if (subPath !== '') {
    const one = checks.find((c) => c.name === subPath);
    if (!one) return { code: 404, body: `404 page not found\n` };
    const failure = one.check();
    return failure === undefined
      ? { code: 200, body: 'ok' }
      : { code: 500, body: `internal server error: ${failure}\n` };
  }
  const excluded = new Set(query.getAll('exclude'));
  const lines: string[] = [];
  let failed = false;
  for (const c of checks) {
    if (excluded.has(c.name)) {
      lines.push(`[+]${c.name} excluded: ok`);
      continue;
    }
    const failure = c.check();
    if (failure === undefined) lines.push(`[+]${c.name} ok`);
    else {
      failed = true;
      lines.push(`[-]${c.name} failed: reason withheld`);
    }
  }
  if (failed) return { code: 500, body: `${lines.join('\n')}\n${endpoint} check failed\n` };
  if (query.has('verbose')) return { code: 200, body: `${lines.join('\n')}\n${endpoint} check passed\n` };
  return { code: 200, body: 'ok' };
}
