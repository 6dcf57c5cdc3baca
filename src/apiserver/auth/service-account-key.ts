import { join } from 'node:path';
import { generateSigningKeyPem, signingKeyFromPem } from '../../machinery/serviceaccount-token/signing-key.js';
import { readOptionalFile, writePrivateFile } from '../tls/private-file.js';
import { tlsDir } from '../tls/tls-material.js';

/** The ServiceAccount token signing key inside `<data-dir>/tls/` (Kubernetes' sa.key). */
export const SERVICE_ACCOUNT_KEY_FILE = 'service-account.key';

/** `<data-dir>/tls/service-account.key`. */
export function serviceAccountKeyPath(dataDir: string): string {
  return join(tlsDir(dataDir), SERVICE_ACCOUNT_KEY_FILE);
}

/**
 * Reads the ServiceAccount signing key (RSA private key PEM), creating it (0600) on first start.
 * Idempotent: an existing key is never replaced, since every token issued so far depends on it.
 * Throws when the file exists but holds no usable RSA key (the operator must look, not lose tokens).
 * Servers sharing one store must share this file, as kube-apiservers share their sa.key.
 */
export async function ensureServiceAccountKey(dataDir: string): Promise<string> {
  const path = serviceAccountKeyPath(dataDir);
  const found = await readOptionalFile(path);
  if (found !== undefined) {
    try {
      signingKeyFromPem(found);
    } catch (err) {
      throw new Error(`${path} is not a usable ServiceAccount signing key: ${(err as Error).message}`);
    }
    return found;
  }
  const pem = await generateSigningKeyPem();
  await writePrivateFile(path, pem);
  return pem;
}
