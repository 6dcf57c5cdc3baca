import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { request } from 'node:https';
import type { ClientOptions } from '../machinery/client/index.js';

/** `flotilla hollow-nodes` flags as commander parses them. */
export interface HollowNodesFlags {
  server?: string;
  token?: string;
  caFile?: string;
  kubeconfig?: string;
  count: number;
  namePrefix: string;
  firstIndex: number;
  cpu: string;
  memory: string;
  pods: string;
  leaseIntervalMs: number;
  podStartDelayMs: number;
  /** One stats server for all nodes (src/agent/hollow/hollow-stats.ts); publishes its CA on each node. */
  fakeMetrics?: boolean;
  logLevel: string;
}

/**
 * Runs N hollow nodes in the foreground until SIGINT/SIGTERM (then stops their heartbeats; the
 * Nodes stay, as after a crash). Connects with --kubeconfig, or --server + --token (the cluster
 * join token) with the CA from --ca-file, else from `<server>/cacerts` checked against the
 * token's `K10<sha256>` prefix. With --kubeconfig each node writes as itself (`system:node:<name>`
 * through impersonation, so the kubeconfig's user needs the impersonate verb, as admin has): the
 * Node authorizer and NodeRestriction (`--authorization-mode Node,RBAC`, the default) then apply
 * as to real agents. The join token alone acts as a node only with `--authorization-mode RBAC`.
 * Prints `registered N nodes in T ms` once all are registered.
 */
export async function runHollowNodes(flags: HollowNodesFlags): Promise<void> {
  const out = (line: string): void => {
    process.stdout.write(`flotilla: ${line}\n`);
  };
  const [{ createLogger }, { createClient, impersonatingClient, loadKubeconfig }, { HollowNodes, startHollowStats }] =
    await Promise.all([
      import('../server/create-logger.js'),
      import('../machinery/client/index.js'),
      import('../agent/hollow/index.js'),
    ]);
  const log = createLogger(flags.logLevel);
  let conn: ClientOptions;
  try {
    conn = flags.kubeconfig ? await loadKubeconfig(flags.kubeconfig) : await tokenConnection(flags);
  } catch (err) {
    out(`cannot connect: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
  const client = createClient({ ...conn, userAgent: 'flotilla-hollow-nodes' });
  const stats = flags.fakeMetrics ? await startHollowStats(log, conn.caPem) : undefined;
  const hollow = new HollowNodes({
    client,
    ...(flags.kubeconfig
      ? { clientFor: (name: string) => impersonatingClient(client, `system:node:${name}`, ['system:nodes']) }
      : {}),
    log,
    count: flags.count,
    namePrefix: flags.namePrefix,
    firstIndex: flags.firstIndex,
    capacity: { cpu: flags.cpu, memory: flags.memory, pods: flags.pods },
    leaseRenewIntervalMs: flags.leaseIntervalMs,
    podStartDelayMs: flags.podStartDelayMs,
    ...(stats ? { kubeletPort: stats.server.port, labels: stats.labels } : {}),
  });
  stats?.attach(hollow);
  const t0 = performance.now();
  out(`starting ${flags.count} hollow nodes (${flags.namePrefix}${flags.firstIndex}..) against ${conn.server}`);
  await hollow.registerAll();
  hollow.start();
  await stats?.publish(client, hollow.names);
  out(
    `registered ${flags.count} nodes in ${Math.round(performance.now() - t0)} ms; rss ${Math.round(process.memoryUsage().rss / 1048576)} MB`,
  );
  let stopping = false;
  const stop = (): void => {
    if (stopping) process.exit(130);
    stopping = true;
    void hollow
      .stop()
      .then(() => stats?.close())
      .then(() => client.close())
      .then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

async function tokenConnection(flags: HollowNodesFlags): Promise<{ server: string; token: string; caPem: string }> {
  if (!flags.server || !flags.token) throw new Error('pass --kubeconfig, or --server and --token');
  const caPem = flags.caFile ? await readFile(flags.caFile, 'utf8') : await fetchPinnedCa(flags.server, flags.token);
  return { server: flags.server, token: flags.token, caPem };
}

/** GET <server>/cacerts without verification, accepted only when its sha256 is the token's K10 prefix (k3s's scheme). */
function fetchPinnedCa(server: string, token: string): Promise<string> {
  const pinned = /^K10([0-9a-f]{64})::/.exec(token)?.[1];
  if (!pinned) return Promise.reject(new Error('the token has no K10<CA hash> prefix: pass --ca-file'));
  return new Promise((resolve, reject) => {
    const req = request(
      `${server.replace(/\/+$/, '')}/cacerts`,
      { rejectUnauthorized: false, timeout: 5000 },
      (res) => {
        let body = '';
        res
          .setEncoding('utf8')
          .on('data', (c: string) => (body += c))
          .on('end', () => {
            if (res.statusCode !== 200)
              return reject(new Error(`${server}/cacerts answered ${res.statusCode}: pass --ca-file`));
            if (createHash('sha256').update(body).digest('hex') !== pinned)
              return reject(new Error(`${server}/cacerts does not match the token's CA hash`));
            resolve(body);
          });
      },
    );
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout fetching /cacerts')));
    req.end();
  });
}
