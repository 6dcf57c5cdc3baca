import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { readOptionalFile, writePrivateFile } from '../tls/private-file.js';

/** The two secrets a server keeps in its data dir. */
export interface ClusterTokens {
  /** Bearer token of the `admin` user (group system:masters), in `<data-dir>/admin-token`. */
  adminToken: string;
  /**
   * Join token for agents in `<data-dir>/token`, k3s node-token format:
   * `K10<sha256 hex of the CA certificate PEM>::server:<secret hex>`. The prefix lets an agent pin
   * the CA before it trusts the server; the secret is what authenticates it.
   */
  joinToken: string;
}

export const ADMIN_TOKEN_FILE = 'admin-token';
export const JOIN_TOKEN_FILE = 'token';

const JOIN_TOKEN = /^K10([0-9a-f]{64})::server:([0-9a-f]{32,})$/;

/** The secret part of a join token (`K10...::server:<secret>`), or undefined when malformed. */
export function joinTokenSecret(token: string): string | undefined {
  return JOIN_TOKEN.exec(token)?.[2];
}

/** sha256 hex of the CA PEM, the `K10` prefix of join tokens. */
export function caHash(caCertPem: string): string {
  return createHash('sha256').update(caCertPem).digest('hex');
}

/**
 * Reads `<data-dir>/admin-token` and `<data-dir>/token`, creating them (0600) with fresh random
 * secrets when missing. Idempotent; the secrets never change once written. When the CA changed,
 * the join token keeps its secret and gets the new CA hash.
 */
export async function ensureClusterTokens(dataDir: string, caCertPem: string): Promise<ClusterTokens> {
  const adminPath = join(dataDir, ADMIN_TOKEN_FILE);
  const joinPath = join(dataDir, JOIN_TOKEN_FILE);
  const [adminFile, joinFile] = await Promise.all([readOptionalFile(adminPath), readOptionalFile(joinPath)]);

  let adminToken = adminFile?.trim();
  if (!adminToken) {
    adminToken = randomBytes(32).toString('hex');
    await writePrivateFile(adminPath, `${adminToken}\n`);
  }

  const secret = joinFile ? joinTokenSecret(joinFile.trim()) : undefined;
  const joinToken = `K10${caHash(caCertPem)}::server:${secret ?? randomBytes(16).toString('hex')}`;
  if (joinToken !== joinFile?.trim()) await writePrivateFile(joinPath, `${joinToken}\n`);
  return { adminToken, joinToken };
}
