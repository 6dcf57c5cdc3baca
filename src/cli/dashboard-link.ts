import { join } from 'node:path';

/** `flotilla dashboard` flags, as commander parses them. */
export interface DashboardLinkFlags {
  dataDir: string;
  /** Kubeconfig whose current user the link logs in as (default `<data-dir>/kubeconfig.yaml`). */
  kubeconfig?: string;
}

/**
 * `flotilla dashboard`: asks the running server for a one-time login code for the kubeconfig's
 * own user (its token or client certificate; the credential itself stays out of the link) and
 * prints the link. Exits 1 with the server's message when it refuses.
 */
export async function runDashboardLink(flags: DashboardLinkFlags): Promise<void> {
  const [{ loadKubeconfig }, { request }] = await Promise.all([
    import('../machinery/client/index.js'),
    import('node:https'),
  ]);
  const conn = await loadKubeconfig(flags.kubeconfig ?? join(flags.dataDir, 'kubeconfig.yaml'));
  const pair = conn.clientCert && 'current' in conn.clientCert ? conn.clientCert.current() : conn.clientCert;
  const reply = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(
      `${conn.server}/dashboard/login-codes`,
      {
        method: 'POST',
        ca: conn.caPem,
        cert: pair?.certPem,
        key: pair?.keyPem,
        headers: conn.token ? { Authorization: `Bearer ${conn.token}` } : {},
        agent: false,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
  let parsed: { path?: string; message?: string; expiresInSeconds?: number; user?: { name?: string } } = {};
  try {
    parsed = JSON.parse(reply.body) as typeof parsed;
  } catch {
    // the message below shows the raw reply
  }
  if (reply.status !== 201 || !parsed.path) {
    process.stderr.write(`flotilla dashboard: ${parsed.message ?? `HTTP ${reply.status}: ${reply.body}`}\n`);
    process.exit(1);
  }
  process.stdout.write(
    `${conn.server}${parsed.path}\n(one-time login as ${parsed.user?.name ?? '?'}, valid for ${parsed.expiresInSeconds ?? '?'} s)\n`,
  );
}
