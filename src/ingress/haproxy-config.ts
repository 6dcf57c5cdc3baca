import { join } from 'node:path';
import type { PathRoute, ProxyModel } from './ingress-model.js';
import { gatewayFrontendLines } from './gateway-config.js';
import type { GatewayFrontendModel } from './gateway-model.js';
import { parseEntry, slotName, type SlotTable } from './server-slots.js';

/**
 * Renders haproxy.cfg from the proxy model. Pure. The text has two uses: the file HAProxy loads,
 * and (rendered without server addresses) the structure key — when only addresses differ from the
 * running config, the runtime API applies the change and no reload happens.
 */

export interface ListenOptions {
  /** Address the frontends bind ('' or undefined: every address of the node's network namespace). */
  bindAddress?: string;
  httpPort: number;
  httpsPort: number;
  /** Port of the Prometheus exporter (`/metrics`); 0: none. */
  metricsPort: number;
  /** Runtime directory: sockets, certificates, the config file. */
  dir: string;
  /** HAProxy threads (default 1: the node's cores belong to its pods). */
  threads?: number;
}

/** The backend answering 404 (no rule matched and no default backend, or a resource backend). */
export const NOT_FOUND_BACKEND = 'flotilla-default-404';
/** Certificate served when no Ingress TLS entry matches the SNI name (self-signed, made at start). */
export const DEFAULT_CERT = 'default.pem';

export const statsSocket = (dir: string) => join(dir, 'haproxy.sock');
export const certDir = (dir: string) => join(dir, 'certs');
export const crtListFile = (dir: string) => join(dir, 'crt-list.txt');
/** The crt-list of a Gateway HTTPS listener port other than the Ingress HTTPS port. */
export const portCrtListFile = (dir: string, port: number) => join(dir, `crt-list-${port}.txt`);

/** Paths HAProxy gets: RFC 3986 path characters only (others are skipped, as ingress-nginx refuses them). */
export const SAFE_PATH = /^\/[A-Za-z0-9/._~%!$&()*+,;=:@-]*$/;

const bind = (o: ListenOptions, port: number) => `${o.bindAddress || '*'}:${port}`;
const hostAcl = (host: string): string | undefined => {
  if (host === '') return undefined;
  if (host.startsWith('*.')) return `{ var(txn.host) -m reg '^[^.]+${host.slice(1).replace(/\./g, '\\.')}$' }`;
  return `{ var(txn.host) -m str ${host} }`;
};
/** The ACL alternatives (or-ed) of one path rule; [] = always. */
function pathAcls(p: PathRoute): string[] {
  if (p.match === 'Exact') return [`{ path -m str '${p.path}' }`];
  if (p.path === '/') return [];
  return [`{ path -m str '${p.path}' }`, `{ path -m beg '${p.path}/' }`];
}
function condition(host: string | undefined, paths: string[]): string {
  const terms = paths.length ? paths.map((p) => (host ? `${host} ${p}` : p)) : host ? [host] : [];
  return terms.length ? ` if ${terms.join(' || ')}` : '';
}

/**
 * haproxy.cfg for `model`. `slots` gives each backend's slot table (the size is the number of
 * `server` lines; a backend missing from it gets none). With `addresses` false, every server line
 * carries a placeholder address: the structure key. Paths outside SAFE_PATH are left out.
 */
export function renderConfig(
  model: ProxyModel,
  slots: ReadonlyMap<string, SlotTable>,
  o: ListenOptions,
  addresses = true,
): string {
  const def = model.defaultBackend || NOT_FOUND_BACKEND;
  const lines: string[] = [
    'global',
    '  master-worker',
    `  stats socket ${statsSocket(o.dir)} mode 600 level admin expose-fd listeners`,
    '  stats timeout 30s',
    // Old workers of a reload finish their requests; a stuck connection keeps one at most this long.
    '  hard-stop-after 60s',
    // Reloads pass the listeners over the stats socket; without SO_REUSEPORT a second proxy on the
    // same port (another cluster on this host) fails to start instead of sharing its connections.
    '  noreuseport',
    `  nbthread ${o.threads ?? 1}`,
    // No maxconn: HAProxy derives it from the file descriptor limit it is given.
    '  tune.ssl.default-dh-param 2048',
    '  ssl-default-bind-options ssl-min-ver TLSv1.2',
    '',
    'defaults',
    '  mode http',
    '  option forwardfor',
    '  timeout connect 2s',
    '  timeout client 60s',
    '  timeout server 60s',
    '  timeout http-request 10s',
    '  timeout http-keep-alive 10s',
    '  timeout queue 5s',
    // A pod that went away between the EndpointSlice update and the runtime change: try another one.
    '  retries 3',
    '  option redispatch 1',
    '  retry-on conn-failure empty-response',
    // On a reload the old worker answers the next request of an idle keep-alive connection with
    // `Connection: close` instead of closing it under a client that may be sending that request.
    '  option idle-close-on-response',
    '',
  ];
  if (o.metricsPort) {
    lines.push(
      'frontend flotilla-metrics',
      `  bind ${bind(o, o.metricsPort)}`,
      '  http-request use-service prometheus-exporter if { path /metrics }',
      '  http-request return status 404',
      '',
    );
  }
  const preamble = [
    '  http-request set-var(txn.host) req.hdr(host),field(1,:),lower',
    // Only safe methods are sent again after an empty response; a POST may have had effects.
    '  http-request disable-l7-retry unless METH_GET || METH_HEAD || METH_OPTIONS',
    '  http-request set-header X-Forwarded-Proto https if { ssl_fc }',
    '  http-request set-header X-Forwarded-Proto http unless { ssl_fc }',
  ];
  // Gateway listeners on the Ingress ports share those frontends (their routes are tried first);
  // a listener whose protocol differs from the Ingress port's is not served there.
  const gwOn = (port: number, tls: boolean) =>
    (model.gateway?.frontends ?? []).find((f) => f.port === port && f.tls === tls);
  const shared = [gwOn(o.httpPort, false), gwOn(o.httpsPort, true)].filter((f): f is GatewayFrontendModel => !!f);
  const gw = shared.map((f) => gatewayFrontendLines(f, true));
  lines.push(
    'frontend flotilla-ingress',
    `  bind ${bind(o, o.httpPort)}`,
    `  bind ${bind(o, o.httpsPort)} ssl crt-list ${crtListFile(o.dir)} alpn h2,http/1.1`,
    ...preamble,
  );
  for (const g of gw) lines.push(...g.requests);
  for (const g of gw) lines.push(...g.backends);
  for (const g of model.hosts) {
    const h = hostAcl(g.host);
    for (const p of g.paths) {
      if (!SAFE_PATH.test(p.path)) continue;
      lines.push(`  use_backend ${p.backend || NOT_FOUND_BACKEND}${condition(h, pathAcls(p))}`);
    }
    // A host's requests that match none of its paths get the default backend, not another host's rules.
    if (h) lines.push(`  use_backend ${def}${condition(h, [])}`);
  }
  lines.push(`  default_backend ${def}`, '');
  for (const f of model.gateway?.frontends ?? []) {
    if (f.port === o.httpPort || f.port === o.httpsPort || f.port === o.metricsPort) continue;
    const g = gatewayFrontendLines(f);
    lines.push(
      `frontend gateway-${f.port}`,
      f.tls
        ? `  bind ${bind(o, f.port)} ssl crt-list ${portCrtListFile(o.dir, f.port)} alpn h2,http/1.1`
        : `  bind ${bind(o, f.port)}`,
      ...preamble,
      ...g.requests,
      ...g.backends,
      `  default_backend ${NOT_FOUND_BACKEND}`,
      '',
    );
  }
  lines.push(
    `backend ${NOT_FOUND_BACKEND}`,
    '  http-request return status 404 content-type text/plain string "default backend - 404"',
    '',
  );
  for (const b of [...model.backends.values()].sort((x, y) => x.name.localeCompare(y.name))) {
    lines.push(`backend ${b.name}`, '  balance roundrobin');
    if (b.timeoutMs) lines.push(`  timeout server ${b.timeoutMs}ms`);
    const proto = b.proto ? ` proto ${b.proto}` : '';
    (slots.get(b.name) ?? []).forEach((ep, i) => {
      if (!addresses) lines.push(`  server ${slotName(i)} ADDRESS${proto}`);
      else if (ep === undefined) lines.push(`  server ${slotName(i)} 127.0.0.1:1 disabled${proto}`);
      else {
        const { address, weight } = parseEntry(ep);
        lines.push(`  server ${slotName(i)} ${address}${weight === undefined ? '' : ` weight ${weight}`}${proto}`);
      }
    });
    lines.push('');
  }
  return lines.join('\n');
}

/**
 * crt-list: the default certificate first (served without a matching SNI name), then one line per
 * Ingress certificate and per certificate of the Gateway HTTPS listeners on the Ingress HTTPS port.
 * With `port` (another Gateway HTTPS port): the default certificate and that port's certificates.
 */
export function renderCrtList(model: ProxyModel, dir: string, httpsPort?: number, port?: number): string {
  const lines = [join(certDir(dir), DEFAULT_CERT)];
  const gw = (model.gateway?.frontends ?? []).find((f) => f.tls && f.port === (port ?? httpsPort))?.certs ?? [];
  for (const c of [...(port === undefined ? model.certs : []), ...gw]) {
    const file = join(certDir(dir), `${c.name}.pem`);
    lines.push(c.hosts.length ? `${file} ${c.hosts.join(' ')}` : file);
  }
  return `${lines.join('\n')}\n`;
}
