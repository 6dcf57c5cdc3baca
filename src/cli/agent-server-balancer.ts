/**
 * The agent's way to every API server (`flotilla agent --server-balancer`): a local TCP balancer
 * (machinery/net/tcp-balancer.ts) whose list follows the `kubernetes` EndpointSlice, read every
 * 10 s through the balancer itself. Watches cut by a dying server are resumed by the informers
 * from their last resourceVersion, through the next server.
 */
import type { Logger } from 'pino';
import type { KubeClient } from '../machinery/client/kube-client.js';
import { ENDPOINT_SLICES } from '../machinery/resources/well-known.js';
import { startTcpBalancer } from '../machinery/net/tcp-balancer.js';

export interface ServerBalancer {
  /** `https://127.0.0.1:<port>`: what the agent's client connects to (every server's certificate names 127.0.0.1). */
  url: string;
  /** Starts following the endpoints with `client`; returns the function that ends it. */
  follow(client: KubeClient): () => void;
  stop(): Promise<void>;
}

/** Starts the balancer with `server` (the --server URL) as its only server until the endpoints are read. */
export async function startServerBalancer(server: string, log: Logger, intervalMs = 10_000): Promise<ServerBalancer> {
  const u = new URL(server);
  const first = `${u.hostname}:${u.port || '443'}`;
  const lb = await startTcpBalancer({
    servers: [first],
    fallback: first,
    onSwitch: (from, to, reason) => log.warn({ from, to, reason }, 'API server unreachable: switched to another'),
  });
  return {
    url: `https://127.0.0.1:${lb.port}`,
    follow(client) {
      let timer: NodeJS.Timeout | undefined;
      let stopped = false;
      const read = async (): Promise<void> => {
        try {
          const slices = await client.list(ENDPOINT_SLICES, 'default', {
            labelSelector: 'kubernetes.io/service-name=kubernetes',
          });
          const servers: string[] = [];
          for (const s of slices.items) {
            const port = s.ports?.find((p) => p.name === 'https')?.port ?? s.ports?.[0]?.port;
            if (!port) continue;
            for (const e of s.endpoints ?? [])
              if (e.conditions?.ready !== false)
                for (const a of e.addresses) servers.push(a.includes(':') ? `[${a}]:${port}` : `${a}:${port}`);
          }
          const before = lb.servers().join(',');
          lb.setServers(servers);
          if (lb.servers().join(',') !== before) log.info({ servers: lb.servers() }, 'API servers');
        } catch (err) {
          log.debug({ err }, 'reading the kubernetes endpoints failed');
        }
        if (!stopped) timer = setTimeout(() => void read(), intervalMs);
      };
      void read();
      return () => {
        stopped = true;
        clearTimeout(timer);
      };
    },
    stop: () => lb.stop(),
  };
}
