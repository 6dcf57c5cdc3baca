import { request } from 'node:https';
import { join } from 'node:path';
import { readOptionalFile, writePrivateFile } from '../apiserver/tls/index.js';

/**
 * What every server of one cluster shares, as paths in the data dir: the CA (its key signs the
 * members' certificates), the ServiceAccount signing key, the admin and join tokens, and the
 * Secrets encryption keys. A joining server takes them from a running one (k3s' server bootstrap).
 */
export const SHARED_SERVER_FILES = [
  'tls/ca.crt',
  'tls/ca.key',
  'tls/service-account.key',
  'admin-token',
  'token',
  'cred/encryption-config.yaml',
] as const;

/** Served at BOOTSTRAP_PATH to admins (system:masters) only: it holds the CA key. */
export interface ServerBootstrap {
  files: Record<string, string>;
  /** Client URLs of the etcd members, for a joining server to add its own member. */
  etcdClientUrls: string[];
}

export const BOOTSTRAP_PATH = '/v1-flotilla/server-bootstrap';

/** The shared files of `dataDir` that exist (a server that ran once has all of them). */
export async function readServerBootstrap(dataDir: string, etcdClientUrls: string[]): Promise<ServerBootstrap> {
  const files: Record<string, string> = {};
  for (const f of SHARED_SERVER_FILES) {
    const text = await readOptionalFile(join(dataDir, f));
    if (text !== undefined) files[f] = text;
  }
  return { files, etcdClientUrls };
}

/** Writes the shared files into `dataDir` (0600), replacing what is there. Only known names are written. */
export async function writeServerBootstrap(dataDir: string, b: ServerBootstrap): Promise<void> {
  for (const f of SHARED_SERVER_FILES) {
    const text = b.files[f];
    if (text !== undefined) await writePrivateFile(join(dataDir, f), text);
  }
}

/**
 * Fetches the bootstrap from a running server (`url` its API, `token` the admin token). `caPem`
 * pins its certificate; without it the CA is taken from /cacerts unchecked (trust on first use, as
 * k3s with a token that carries no CA hash) and the answer's own CA must be the same. Throws an
 * Error naming the server and the reason.
 */
export async function fetchServerBootstrap(url: string, token: string, caPem?: string): Promise<ServerBootstrap> {
  const ca = caPem ?? (await get(`${url}/cacerts`, undefined, undefined));
  const body = await get(`${url}${BOOTSTRAP_PATH}`, ca, token);
  const b = JSON.parse(body) as ServerBootstrap;
  if (!b.files || !Array.isArray(b.etcdClientUrls)) throw new Error(`--join ${url}: not a server bootstrap answer`);
  if (b.files['tls/ca.crt']?.trim() !== ca.trim())
    throw new Error(`--join ${url}: the server's CA is not the one it serves`);
  if (b.etcdClientUrls.length === 0) throw new Error(`--join ${url}: that server runs no etcd member to join`);
  return b;
}

function get(url: string, ca: string | undefined, token: string | undefined): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        ...(ca ? { ca } : { rejectUnauthorized: false }),
        servername: '',
        headers: token ? { authorization: `Bearer ${token}` } : {},
        timeout: 10_000,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (c: string) => (body += c));
        res.on('end', () =>
          res.statusCode === 200
            ? resolve(body)
            : reject(new Error(`--join: GET ${url}: HTTP ${res.statusCode} ${body.slice(0, 200)}`)),
        );
      },
    );
    req.on('timeout', () => req.destroy(new Error(`--join: GET ${url}: timed out`)));
    req.on('error', (err) => reject(new Error(`--join: GET ${url}: ${err.message}`)));
    req.end();
  });
}
