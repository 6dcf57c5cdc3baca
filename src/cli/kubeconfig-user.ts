import { join } from 'node:path';

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

/** The text of a kubeconfig for one user with a client certificate. Values are JSON-quoted (valid YAML). Pure. */
export function renderUserKubeconfig(o: {
  server: string;
  caPem: string | undefined;
  user: string;
  certPem: string;
  keyPem: string;
}): string {
  const q = JSON.stringify;
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const context = `${o.user}@flotilla`;
  return `apiVersion: v1
kind: Config
clusters:
- name: flotilla
  cluster:
    server: ${q(o.server)}
${o.caPem ? `    certificate-authority-data: ${b64(o.caPem)}\n` : ''}users:
- name: ${q(o.user)}
  user:
    client-certificate-data: ${b64(o.certPem)}
    client-key-data: ${b64(o.keyPem)}
contexts:
- name: ${q(context)}
  context:
    cluster: flotilla
    user: ${q(o.user)}
current-context: ${q(context)}
preferences: {}
`;
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
    const text = renderUserKubeconfig({ server: conn.server, caPem: conn.caPem, user: flags.user, ...pair });
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
