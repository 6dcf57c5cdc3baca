/**
 * A local TCP load balancer in front of the API servers, as k3s' agent load balancer: the agent's
 * client connects to 127.0.0.1:<port> and each connection is passed on, bytes untouched (TLS stays
 * end to end; every server's certificate names 127.0.0.1), to the current server. A server that
 * refuses or does not answer within dialTimeoutMs is skipped and the next one becomes current
 * (sticky: connections stay on a working server rather than spread). The list is replaced as the
 * `kubernetes` endpoints change; the server the agent was given is kept as the last resort.
 *
 *   client --> 127.0.0.1:port --> current server (on failure: next, ..., until one answers)
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface TcpBalancerOptions {
  /** `host:port` of the servers, first preferred. At least one. */
  servers: string[];
  /** Always kept in the list (last when the endpoints do not name it): the agent's --server. */
  fallback?: string;
  /** Listen address, default 127.0.0.1; port default 0 (a free one). */
  host?: string;
  port?: number;
  /** How long one dial may take before the next server is tried (default 2000 ms). */
  dialTimeoutMs?: number;
  /** Told when the current server changes (for a log line). */
  onSwitch?: (from: string, to: string, reason: string) => void;
}

export interface TcpBalancer {
  /** The port it listens on (127.0.0.1 unless told otherwise). */
  port: number;
  /** The server list, in order, and the current server. */
  servers(): readonly string[];
  current(): string;
  /** Replaces the server list (deduplicated; the fallback appended when missing). An empty list changes nothing. */
  setServers(servers: readonly string[]): void;
  /** Stops listening and closes every passed-on connection. Idempotent. */
  stop(): Promise<void>;
}

/** Starts the balancer; resolves once it listens. */
export async function startTcpBalancer(o: TcpBalancerOptions): Promise<TcpBalancer> {
  if (o.servers.length === 0) throw new TypeError('tcp balancer: at least one server is required');
  const dialTimeoutMs = o.dialTimeoutMs ?? 2000;
  let list = withFallback(o.servers, o.fallback);
  let current = list[0] as string;
  const open = new Set<Socket>();

  const switchFrom = (failed: string, reason: string): void => {
    if (failed !== current) return;
    const next = list[(list.indexOf(failed) + 1) % list.length] ?? failed;
    if (next === failed) return;
    current = next;
    o.onSwitch?.(failed, next, reason);
  };

  const dial = (target: string): Promise<Socket> =>
    new Promise((resolve, reject) => {
      const { host, port } = splitHostPort(target);
      const s = connect({ host, port });
      const timer = setTimeout(() => s.destroy(new Error(`no answer within ${dialTimeoutMs} ms`)), dialTimeoutMs);
      s.once('connect', () => {
        clearTimeout(timer);
        s.removeAllListeners('error');
        resolve(s);
      });
      s.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });

  const server: Server = createServer((client) => {
    open.add(client);
    client.once('close', () => open.delete(client));
    client.on('error', () => client.destroy());
    client.pause();
    void (async () => {
      // Each server at most once per connection, starting with the current one.
      const tried = new Set<string>();
      while (!client.destroyed) {
        const target = current;
        if (tried.has(target)) break;
        tried.add(target);
        try {
          const upstream = await dial(target);
          open.add(upstream);
          upstream.once('close', () => open.delete(upstream));
          upstream.on('error', () => client.destroy());
          client.on('error', () => upstream.destroy());
          upstream.once('close', () => client.destroy());
          client.once('close', () => upstream.destroy());
          client.pipe(upstream);
          upstream.pipe(client);
          client.resume();
          return;
        } catch (err) {
          switchFrom(target, err instanceof Error ? err.message : String(err));
        }
      }
      client.destroy();
    })();
  });
  const host = o.host ?? '127.0.0.1';
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, host, () => {
      const a = server.address();
      resolve(typeof a === 'object' && a ? a.port : 0);
    });
  });
  let stopped: Promise<void> | undefined;
  return {
    port,
    servers: () => list,
    current: () => current,
    setServers(servers) {
      if (servers.length === 0) return;
      list = withFallback(servers, o.fallback);
      if (!list.includes(current)) {
        const from = current;
        current = list[0] as string;
        o.onSwitch?.(from, current, 'no longer an endpoint');
      }
    },
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of open) s.destroy();
      });
      return stopped;
    },
  };
}

function withFallback(servers: readonly string[], fallback: string | undefined): string[] {
  const list = [...new Set(servers)];
  if (fallback && !list.includes(fallback)) list.push(fallback);
  return list;
}

/** `host:port` or `[v6]:port` into its parts. */
export function splitHostPort(hostPort: string): { host: string; port: number } {
  const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(hostPort);
  if (!m?.[1] || !m[2]) throw new TypeError(`not host:port: ${hostPort}`);
  return { host: m[1], port: Number(m[2]) };
}
