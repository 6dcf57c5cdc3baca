import { DEFAULT_CLUSTER_DOMAIN } from '../../machinery/net/cluster-network.js';
/**
 * A pod's /etc/resolv.conf as the kubelet writes it (pkg/kubelet/network/dns), pure:
 *
 *   dnsPolicy ClusterFirst (default)  -> nameserver <cluster DNS>, search <ns>.svc.<d> svc.<d> <d> + host's search, options ndots:5
 *             ClusterFirst+hostNetwork -> host's (as Default)
 *             ClusterFirstWithHostNet  -> cluster (also with hostNetwork)
 *             Default                  -> host's nameservers, search, options
 *             None                     -> only spec.dnsConfig
 *   then spec.dnsConfig merged: nameservers and searches appended (deduplicated; at most 3
 *   nameservers, 32 search domains), options merged by name (the pod's value wins).
 */
export interface PodDnsInput {
  namespace: string;
  dnsPolicy?: string;
  hostNetwork?: boolean;
  dnsConfig?: { nameservers?: string[]; searches?: string[]; options?: { name?: string; value?: string }[] };
}

export interface ClusterDnsConfig {
  /** Cluster DNS Service address (e.g. 10.43.0.10). */
  nameserver: string;
  /** Cluster domain (default cluster.local). */
  domain?: string;
}

export interface ResolvConf {
  nameservers: string[];
  searches: string[];
  /** `name` or `name:value`. */
  options: string[];
}

const MAX_NAMESERVERS = 3;
const MAX_SEARCHES = 32;

/** nameserver / search|domain / options lines of a resolv.conf text. */
export function parseResolvConfFile(text: string): ResolvConf {
  const out: ResolvConf = { nameservers: [], searches: [], options: [] };
  for (const raw of text.split('\n')) {
    const line = raw.replace(/[#;].*$/, '').trim();
    const [key, ...rest] = line.split(/\s+/);
    if (key === 'nameserver' && rest[0]) out.nameservers.push(rest[0]);
    else if (key === 'search' || key === 'domain')
      out.searches = rest.filter((d) => d && d !== '.'); // the last one wins, as in glibc
    else if (key === 'options') out.options.push(...rest.filter(Boolean));
  }
  return out;
}

export function formatResolvConf(c: ResolvConf): string {
  const lines: string[] = [];
  if (c.searches.length) lines.push(`search ${c.searches.join(' ')}`);
  for (const ns of c.nameservers) lines.push(`nameserver ${ns}`);
  if (c.options.length) lines.push(`options ${c.options.join(' ')}`);
  return lines.length ? `${lines.join('\n')}\n` : '';
}

/** Which base a pod gets: 'cluster', 'host' or 'none'. */
export function podDnsMode(pod: PodDnsInput): 'cluster' | 'host' | 'none' {
  switch (pod.dnsPolicy ?? 'ClusterFirst') {
    case 'None':
      return 'none';
    case 'Default':
      return 'host';
    case 'ClusterFirstWithHostNet':
      return 'cluster';
    default:
      return pod.hostNetwork ? 'host' : 'cluster'; // ClusterFirst
  }
}

const uniq = (xs: string[]): string[] => [...new Set(xs)];

function mergeOptions(base: string[], extra: { name?: string; value?: string }[]): string[] {
  const byName = new Map<string, string>();
  for (const o of base) byName.set(o.split(':')[0] ?? o, o);
  for (const o of extra)
    if (o.name) byName.set(o.name, o.value !== undefined && o.value !== '' ? `${o.name}:${o.value}` : o.name);
  return [...byName.values()];
}

/** The pod's resolv.conf text, from the host's resolv.conf text and the cluster DNS settings. */
export function podResolvConf(pod: PodDnsInput, hostResolvConf: string, cluster: ClusterDnsConfig): string {
  const host = parseResolvConfFile(hostResolvConf);
  const mode = podDnsMode(pod);
  let base: ResolvConf;
  if (mode === 'host') base = host;
  else if (mode === 'none') base = { nameservers: [], searches: [], options: [] };
  else {
    const d = cluster.domain ?? DEFAULT_CLUSTER_DOMAIN;
    base = {
      nameservers: [cluster.nameserver],
      searches: uniq([`${pod.namespace}.svc.${d}`, `svc.${d}`, d, ...host.searches]),
      options: ['ndots:5'],
    };
  }
  const cfg = pod.dnsConfig ?? {};
  return formatResolvConf({
    nameservers: uniq([...base.nameservers, ...(cfg.nameservers ?? [])]).slice(0, MAX_NAMESERVERS),
    searches: uniq([...base.searches, ...(cfg.searches ?? [])]).slice(0, MAX_SEARCHES),
    options: mergeOptions(base.options, cfg.options ?? []),
  });
}
