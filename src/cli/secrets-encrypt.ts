import { request } from 'node:http';
import { join } from 'node:path';
import type { SecretsEncryptionStatus } from '../server/secrets-encryption.js';
import { SECRETS_ENCRYPTION_PATH } from '../server/secrets-encryption.js';

const ACTIONS: Record<string, { method: 'GET' | 'POST'; path: string }> = {
  status: { method: 'GET', path: SECRETS_ENCRYPTION_PATH },
  rotate: { method: 'POST', path: `${SECRETS_ENCRYPTION_PATH}/rotate` },
  'rotate-keys': { method: 'POST', path: `${SECRETS_ENCRYPTION_PATH}/rotate` },
  reencrypt: { method: 'POST', path: `${SECRETS_ENCRYPTION_PATH}/reencrypt` },
};

/**
 * `flotilla secrets-encrypt status|rotate|reencrypt`: asks the server running on this data dir
 * (through its loopback socket, as system:masters) and prints what is stored with which key.
 */
export async function runSecretsEncrypt(action: string, flags: { dataDir: string }): Promise<void> {
  const call = ACTIONS[action];
  if (!call) {
    process.stderr.write(
      `flotilla secrets-encrypt: unknown action ${JSON.stringify(action)}; use status, rotate or reencrypt\n`,
    );
    process.exit(2);
  }
  try {
    const status = await callServer(join(flags.dataDir, 'apiserver.sock'), call.method, call.path);
    process.stdout.write(formatStatus(status));
  } catch (err) {
    process.stderr.write(`flotilla secrets-encrypt ${action}: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
}

/** The status as k3s words its own: enabled or not, the key new writes use, and the values per key. */
export function formatStatus(s: SecretsEncryptionStatus & { rewritten?: number }): string {
  const lines = [`Encryption Status: ${s.writeKey === 'identity' ? 'Disabled' : 'Enabled'}`];
  if (s.configPath) lines.push(`Configuration: ${s.configPath}`);
  lines.push(`Write key: ${s.writeKey}`);
  if (s.rewritten !== undefined) lines.push(`Rewritten: ${s.rewritten}`);
  lines.push('Stored Secrets by key:');
  const entries = Object.entries(s.valuesByKey);
  if (entries.length === 0) lines.push('  (none)');
  for (const [key, count] of entries) lines.push(`  ${key}\t${count}`);
  return `${lines.join('\n')}\n`;
}

function callServer(socketPath: string, method: string, path: string): Promise<SecretsEncryptionStatus> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, method, path }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString();
        if (res.statusCode !== 200) reject(new Error(`server answered ${res.statusCode}: ${body}`));
        else resolve(JSON.parse(body) as SecretsEncryptionStatus);
      });
    });
    req.on('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'ENOENT' || err.code === 'ECONNREFUSED' ? new Error(`no server running on ${socketPath}`) : err,
      ),
    );
    req.end();
  });
}
