/**
 * The `kubernetes` Service's endpoints with several API servers: kube-apiserver's lease-based
 * endpoint reconciler (--endpoint-reconciler-type=lease). Each server holds a Lease
 * kube-system/apiserver-<hash of its identity> naming its advertised address and port, renewed
 * every renewIntervalMs; every server then writes the Endpoints and EndpointSlice `kubernetes`
 * with the address of every server whose Lease is alive. A stopped server deletes its Lease; a
 * killed one drops out once its Lease expired.
 *
 *   every interval:  renew own Lease -> list Leases (label) -> live ones -> addresses -> write if changed
 */
import { createHash } from 'node:crypto';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { Logger } from 'pino';
import type { KubeClient } from '../machinery/client/kube-client.js';
import { ClientError } from '../machinery/client/client-error.js';
import { ENDPOINTS, ENDPOINT_SLICES, LEASES } from '../machinery/resources/well-known.js';
import { microTime } from '../machinery/leader-election/leader-elector.js';
import type { KubeObject } from '../api/object.js';

/** Label of the API servers' identity Leases (Kubernetes' APIServerIdentity uses the same). */
export const APISERVER_IDENTITY_LABEL = 'apiserver.kubernetes.io/identity';
/** Annotation of an API server Lease: the `ip:port` pods reach that server at. */
export const ADVERTISE_ANNOTATION = 'flotilla.dev/advertise-address';

export interface ApiServerEndpoint {
  ip: string;
  port: number;
}

type ApiLease = KubeObject & Lease;

/** The Lease name of a server identity: `apiserver-<10 hex>` (a valid name whatever the identity). */
export function apiServerLeaseName(identity: string): string {
  return `apiserver-${createHash('sha256').update(identity).digest('hex').slice(0, 10)}`;
}

/**
 * The endpoints of the servers whose Lease lives at `now` (renewTime + leaseDurationSeconds in the
 * future), sorted by address then port, without duplicates. Leases without a readable address are
 * skipped. Pure.
 */
export function liveApiServers(leases: readonly ApiLease[], now: number): ApiServerEndpoint[] {
  const seen = new Map<string, ApiServerEndpoint>();
  for (const l of leases) {
    const renew = Date.parse(l.spec?.renewTime ?? '');
    const duration = l.spec?.leaseDurationSeconds ?? 0;
    if (!Number.isFinite(renew) || renew + duration * 1000 <= now) continue;
    const m = /^(.+):(\d+)$/.exec(l.metadata.annotations?.[ADVERTISE_ANNOTATION] ?? '');
    if (!m?.[1] || !m[2]) continue;
    const ep = { ip: m[1], port: Number(m[2]) };
    seen.set(`${ep.ip}:${ep.port}`, ep);
  }
  return [...seen.values()].sort((a, b) => compareIp(a.ip, b.ip) || a.port - b.port);
}

function compareIp(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  if (pa.length === 4 && pb.length === 4) {
    for (let i = 0; i < 4; i++) if (pa[i] !== pb[i]) return (pa[i] ?? 0) - (pb[i] ?? 0);
    return 0;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

export interface ApiEndpointsReconcilerOptions {
  client: KubeClient;
  /** This server's identity (serverIdentity(dataDir)). */
  identity: string;
  self: ApiServerEndpoint;
  log: Logger;
  /** Lease duration (default 15 s, kube-apiserver's master lease TTL). */
  leaseDurationSeconds?: number;
  /** Renew and reconcile period (default 10 s, kube-apiserver's endpoint reconciler interval). */
  renewIntervalMs?: number;
  now?: () => number;
}

export interface ApiEndpointsReconciler {
  /** One round: renew own Lease, write the endpoints. Exported for tests; the loop calls it. */
  reconcileOnce(): Promise<void>;
  /** Ends the loop, deletes this server's Lease and writes the endpoints without it. */
  stop(): Promise<void>;
}

/** Starts the loop (first round at once); failures are logged and retried next round. */
export function startApiEndpointsReconciler(o: ApiEndpointsReconcilerOptions): ApiEndpointsReconciler {
  const now = o.now ?? Date.now;
  const duration = o.leaseDurationSeconds ?? 15;
  const interval = o.renewIntervalMs ?? 10_000;
  const leaseName = apiServerLeaseName(o.identity);
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();

  const renew = async (): Promise<void> => {
    const t = microTime(now());
    const want = {
      labels: { [APISERVER_IDENTITY_LABEL]: 'kube-apiserver' },
      annotations: { [ADVERTISE_ANNOTATION]: `${o.self.ip}:${o.self.port}` },
    };
    let current: ApiLease | undefined;
    try {
      current = await o.client.get(LEASES, 'kube-system', leaseName);
    } catch (err) {
      if (!(err instanceof ClientError && err.code === 404)) throw err;
    }
    if (!current) {
      await o.client.create(LEASES, 'kube-system', {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: leaseName, namespace: 'kube-system', ...want },
        spec: { holderIdentity: o.identity, leaseDurationSeconds: duration, acquireTime: t, renewTime: t },
      });
      return;
    }
    await o.client.update(LEASES, 'kube-system', {
      ...current,
      metadata: {
        ...current.metadata,
        labels: { ...current.metadata.labels, ...want.labels },
        annotations: { ...current.metadata.annotations, ...want.annotations },
      },
      spec: { ...current.spec, holderIdentity: o.identity, leaseDurationSeconds: duration, renewTime: t },
    });
  };

  const writeEndpoints = async (): Promise<void> => {
    const leases = await o.client.list(LEASES, 'kube-system', {
      labelSelector: `${APISERVER_IDENTITY_LABEL}=kube-apiserver`,
    });
    const live = liveApiServers(leases.items, now());
    await publishApiServers(o.client, live);
  };

  const round = async (): Promise<void> => {
    try {
      await renew();
      await writeEndpoints();
    } catch (err) {
      if (!stopped) o.log.warn({ err }, 'reconciling the kubernetes Service endpoints failed; retrying');
    }
  };
  const loop = (): void => {
    if (stopped) return;
    running = round().finally(() => {
      if (!stopped) timer = setTimeout(loop, interval);
    });
  };
  loop();
  return {
    reconcileOnce: round,
    async stop() {
      if (stopped) return;
      stopped = true;
      clearTimeout(timer);
      await running;
      try {
        await o.client.delete(LEASES, 'kube-system', leaseName);
      } catch (err) {
        if (!(err instanceof ClientError && err.code === 404)) throw err;
      }
      await writeEndpoints();
    },
  };
}

/**
 * Writes the Endpoints and EndpointSlice `default/kubernetes` to list `servers` (one subset and
 * slice port per distinct port), unless they already do. With no live server nothing is written
 * (a server alone whose Lease write failed keeps what was there). Server-side apply as
 * kube-apiserver.
 */
export async function publishApiServers(client: KubeClient, servers: readonly ApiServerEndpoint[]): Promise<void> {
  if (servers.length === 0) return;
  const byPort = new Map<number, string[]>();
  for (const s of servers) byPort.set(s.port, [...(byPort.get(s.port) ?? []), s.ip]);
  const subsets = [...byPort].map(([port, ips]) => ({
    addresses: ips.map((ip) => ({ ip })),
    ports: [{ name: 'https', port, protocol: 'TCP' }],
  }));
  let current: { subsets?: unknown } = {};
  try {
    current = await client.get(ENDPOINTS, 'default', 'kubernetes');
  } catch (err) {
    if (!(err instanceof ClientError && err.code === 404)) throw err;
  }
  if (JSON.stringify(current.subsets ?? []) === JSON.stringify(subsets)) return;
  const opts = { fieldManager: 'kube-apiserver', force: true };
  const first = subsets[0]?.ports[0]?.port ?? 6443;
  await client.patch(
    ENDPOINT_SLICES,
    'default',
    'kubernetes',
    'apply',
    {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 'kubernetes', namespace: 'default', labels: { 'kubernetes.io/service-name': 'kubernetes' } },
      addressType: servers[0]?.ip.includes(':') ? 'IPv6' : 'IPv4',
      // A slice has one port list: the servers on the first port (all of them, as servers share one).
      endpoints: (byPort.get(first) ?? []).map((ip) => ({ addresses: [ip], conditions: { ready: true } })),
      ports: [{ name: 'https', port: first, protocol: 'TCP' }],
    },
    opts,
  );
  await client.patch(
    ENDPOINTS,
    'default',
    'kubernetes',
    'apply',
    {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: {
        name: 'kubernetes',
        namespace: 'default',
        labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' },
      },
      subsets,
    },
    opts,
  );
}
