import { join } from 'node:path';
import { renderKubeconfig } from '../server/kubeconfig.js';

/** `flotilla kubeconfig` flags, as commander parses them. */
export interface KubeconfigUserFlags {
  user: string;
  group: string[];
  out?: string;
  dataDir: string;
  /** Admin kubeconfig (default `<data-dir>/kubeconfig.yaml`). */
  kubeconfig?: string;
  expirationSeconds?: number;
}

/**
 * `flotilla kubeconfig --user NAME [--group G]...`: makes a key and a CertificateSigningRequest
 * (CN=NAME, O=each group, signer kubernetes.io/kube-apiserver-client), approves it with the admin
 * kubeconfig, waits for the cluster's signer to issue the certificate, and writes a kubeconfig for
 * the user to --out (0600) or stdout. The key never leaves this process.
 */
export async function runKubeconfigUser(flags: KubeconfigUserFlags): Promise<void> {
  const [{ createClient, loadKubeconfig }, { requestCertificate }, { CSRS }, { writeFile }] = await Promise.all([
    import('../machinery/client/index.js'),
    import('../agent/certificates/index.js'),
    import('../machinery/resources/well-known.js'),
    import('node:fs/promises'),
  ]);
  const adminPath = flags.kubeconfig ?? join(flags.dataDir, 'kubeconfig.yaml');
  const conn = await loadKubeconfig(adminPath);
  const client = createClient({ ...conn, userAgent: 'flotilla-kubeconfig' });
  try {
    const pair = await requestCertificate(
      client,
      {
        signerName: 'kubernetes.io/kube-apiserver-client',
        usages: ['digital signature', 'client auth'],
        commonName: flags.user,
        organizations: flags.group,
        expirationSeconds: flags.expirationSeconds,
        generateName: `user-${flags.user
          .toLowerCase()
          .replace(/[^a-z0-9.-]+/g, '-')
          .slice(0, 40)}-`,
      },
      {
        timeoutMs: 60_000,
        async afterCreate(csr) {
          const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
          const condition = {
            type: 'Approved',
            status: 'True',
            reason: 'FlotillaKubeconfig',
            message: 'This CSR was approved by flotilla kubeconfig.',
            lastUpdateTime: now,
          };
          const conditions = [...(csr.status?.conditions ?? []), condition];
          await client.update(CSRS, '', { ...csr, status: { ...csr.status, conditions } }, { subresource: 'approval' });
        },
      },
    );
    const text = renderKubeconfig({
      server: conn.server,
      caCertPem: conn.caPem,
      user: flags.user,
      context: `${flags.user}@flotilla`,
      credential: pair,
    });
    if (flags.out) {
      await writeFile(flags.out, text, { mode: 0o600 });
      process.stderr.write(`flotilla: wrote a kubeconfig for user ${flags.user} to ${flags.out}\n`);
    } else process.stdout.write(text);
  } catch (err) {
    process.stderr.write(`flotilla kubeconfig: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  } finally {
    await client.close();
  }
}
