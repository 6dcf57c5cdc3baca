import type { GatewayFrontendModel, MatchEntry, PathChange, RuleModel, StringMatchModel } from './gateway-model.js';

/**
 * HAProxy lines of the Gateway API listeners of one port (pure). The first entry whose
 * condition holds names its rule in `txn.gwr` (entries come in the Gateway API's precedence
 * order); the rule's filters, redirect and backend then key on that variable:
 *
 *   http-request set-var(txn.gwr) str(<rule>) if !{ var(txn.gwr) -m found } <host> <path> <method> <headers> <query>
 *   http-request set-header ... if { var(txn.gwr) -m str <rule> }          (filters, in route order)
 *   http-request redirect location ... code 302 if { var(txn.gwr) -m str <rule> }
 *   http-response set-header ... if { var(txn.gwr) -m str <rule> }
 *   use_backend <rule backend> if { var(txn.gwr) -m str <rule> }
 *
 * Returns the http-request/http-response lines and the use_backend lines separately, so a
 * frontend shared with Ingress rules keeps every http-request rule before its use_backend rules.
 */

/** A double-quoted config word: `\`, `"` and `$` escaped (HAProxy's weak quoting). */
export const quote = (v: string) => `"${v.replace(/[\\"$]/g, (c) => `\\${c}`)}"`;
/** A literal inside a log-format string (set-header values, redirect locations). */
const logLiteral = (v: string) => v.replace(/%/g, '%%');
/** Names HAProxy fetch arguments take unquoted. */
const SAFE_NAME = /^[A-Za-z0-9_.-]+$/;
/** A regex literal without backslashes: `.` as `[.]` (paths here are unreserved characters and '/'). */
const plainRegex = (p: string) => p.replace(/\./g, '[.]');

function stringTerm(fetch: string, m: StringMatchModel): string {
  return m.type === 'Exact'
    ? `{ ${fetch} -m str ${quote(m.value)} }`
    : `{ ${fetch} -m reg ${quote(`^(?:${m.value})$`)} }`;
}

/** The alternatives (or-ed) of one entry's condition, each a list of and-ed terms; undefined: not expressible. */
export function entryTerms(e: MatchEntry): string[][] | undefined {
  const common: string[] = [];
  if (e.host.startsWith('*.')) common.push(`{ var(txn.host) -m end ${quote(e.host.slice(1))} }`);
  else if (e.host) common.push(`{ var(txn.host) -m str ${quote(e.host)} }`);
  if (e.method) common.push(`{ method ${e.method} }`);
  for (const h of e.headers) {
    if (!SAFE_NAME.test(h.name)) return undefined;
    common.push(stringTerm(`req.fhdr(${h.name})`, h));
  }
  for (const q of e.query) {
    if (!SAFE_NAME.test(q.name)) return undefined;
    common.push(stringTerm(`url_param(${q.name})`, q));
  }
  const p = e.path;
  if (p.type === 'Exact') return [[`{ path -m str ${quote(p.value)} }`, ...common]];
  if (p.type === 'RegularExpression') return [[`{ path -m reg ${quote(`^(?:${p.value})$`)} }`, ...common]];
  if (p.value === '/') return [common];
  return [
    [`{ path -m str ${quote(p.value)} }`, ...common],
    [`{ path -m beg ${quote(`${p.value}/`)} }`, ...common],
  ];
}

const ruleCond = (r: RuleModel) => `{ var(txn.gwr) -m str ${r.id} }`;

/** Lines that leave the new path in `txn.gwp` (prefix replacement; '/' when it would be empty). */
function prefixPathLines(c: { prefix: string; replace: string }, cond: string): string[] {
  const match = c.prefix === '/' ? '^' : `^${plainRegex(c.prefix)}`;
  const replacement = c.replace.replace(/\/+$/, '');
  return [
    `  http-request set-var(txn.gwp) path,regsub(${match},${replacement}) if ${cond}`,
    `  http-request set-var(txn.gwp) str(/) if ${cond} !{ var(txn.gwp) -m found } || ${cond} { var(txn.gwp) -m len 0 }`,
  ];
}

function pathFormat(c: PathChange | undefined, cond: string, lines: string[]): string {
  if (!c) return '%[path]';
  if ('full' in c) return logLiteral(c.full);
  lines.push(...prefixPathLines(c, cond));
  return '%[var(txn.gwp)]';
}

function headerLines(dir: 'request' | 'response', mods: RuleModel['requestHeaders'], cond: string): string[] {
  const out: string[] = [];
  for (const m of mods) {
    for (const h of m.set ?? [])
      out.push(`  http-${dir} set-header ${h.name} ${quote(logLiteral(h.value))} if ${cond}`);
    for (const h of m.add ?? [])
      out.push(`  http-${dir} add-header ${h.name} ${quote(logLiteral(h.value))} if ${cond}`);
    for (const n of m.remove ?? []) out.push(`  http-${dir} del-header ${n} if ${cond}`);
  }
  return out;
}

/** The default port of a scheme, which a Location header leaves out. */
const DEFAULT_PORT: Record<string, number> = { http: 80, https: 443 };

/**
 * The lines of one port's listeners. `shared`: the frontend also binds the other Ingress port, so
 * each entry also says whether the connection is TLS (an HTTPS listener's routes are not served
 * on the plain port, nor the other way round).
 */
export function gatewayFrontendLines(
  f: GatewayFrontendModel,
  shared = false,
): { requests: string[]; backends: string[] } {
  const requests: string[] = [];
  const backends: string[] = [];
  for (const e of f.entries) {
    const terms = entryTerms(e);
    if (!terms) continue;
    const tls = shared ? [f.tls ? '{ ssl_fc }' : '!{ ssl_fc }'] : [];
    const cond = terms.map((t) => ['!{ var(txn.gwr) -m found }', ...tls, ...t].join(' ')).join(' || ');
    requests.push(`  http-request set-var(txn.gwr) str(${e.rule}) if ${cond}`);
  }
  for (const r of f.rules) {
    const cond = ruleCond(r);
    requests.push(...headerLines('request', r.requestHeaders, cond));
    if (r.rewrite?.hostname) requests.push(`  http-request set-header host ${quote(r.rewrite.hostname)} if ${cond}`);
    const rp = r.rewrite?.path;
    if (rp && 'full' in rp) requests.push(`  http-request set-path ${quote(logLiteral(rp.full))} if ${cond}`);
    else if (rp) {
      requests.push(...prefixPathLines(rp, cond));
      requests.push(`  http-request set-path %[var(txn.gwp)] if ${cond}`);
    }
    if (r.redirect) {
      const rd = r.redirect;
      const scheme = rd.scheme ?? (f.tls ? 'https' : 'http');
      const port = rd.port ?? (rd.scheme ? DEFAULT_PORT[rd.scheme] : f.port);
      const host = rd.hostname ? logLiteral(rd.hostname) : '%[var(txn.host)]';
      const portPart = port === DEFAULT_PORT[scheme] ? '' : `:${port}`;
      const path = pathFormat(rd.path, cond, requests);
      const location = `${scheme}://${host}${portPart}${path}%[url,regsub(^[^?]*,)]`;
      requests.push(`  http-request redirect location ${quote(location)} code ${rd.code} if ${cond}`);
    } else if (!r.backend) requests.push(`  http-request return status 500 if ${cond}`);
    requests.push(...headerLines('response', r.responseHeaders, cond));
    if (r.backend && !r.redirect) backends.push(`  use_backend ${r.backend} if ${cond}`);
  }
  return { requests, backends };
}
