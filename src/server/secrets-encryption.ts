/**
 * Encryption at rest for one server: the EncryptionConfiguration file, the store wrapped by it, and
 * the admin endpoints `flotilla secrets-encrypt` calls (k3s' secrets-encrypt, on the API port):
 *   GET  /flotilla/v1/secrets-encryption           status: write key, stored values per key
 *   POST /flotilla/v1/secrets-encryption/reencrypt reload the file, rewrite what another key wrote
 *   POST /flotilla/v1/secrets-encryption/rotate    new write key, rewrite everything, retire the old keys
 * They are non-resource URLs, so with RBAC only cluster-admin (nonResourceURLs `*`) may call them.
 */
import type { ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { readOptionalFile, writePrivateFile } from '../apiserver/tls/private-file.js';
import {
  defaultEncryptionConfigDoc,
  EncryptionConfig,
  type EncryptionConfigDoc,
  withNewWriteKey,
  withoutRetiredKeys,
} from '../store/encryption/encryption-config.js';
import { EncryptedStore, type EncryptionStatus } from '../store/encryption/encrypted-store.js';
import type { Store } from '../store/store.js';
import type { ExtraRoute } from './api-handler-contract.js';

export const SECRETS_ENCRYPTION_PATH = '/flotilla/v1/secrets-encryption';

/** Stored at rest when no configuration file exists: plain, but ready to be rotated into encryption. */
const PLAIN_SECRETS: EncryptionConfigDoc = {
  apiVersion: 'apiserver.config.k8s.io/v1',
  kind: 'EncryptionConfiguration',
  resources: [{ resources: ['secrets'], providers: [{ identity: {} }] }],
};

export interface SecretsEncryptionStatus extends EncryptionStatus {
  /** The configuration file, or undefined when the server runs without one (values stored plain). */
  configPath?: string;
}

export interface SecretsEncryption {
  store: EncryptedStore;
  routes: ExtraRoute[];
}

/**
 * Wraps `store` with the configuration at `configPath`. A missing file is written with a fresh
 * secretbox key when the store holds no Secret yet (a new cluster: encrypted from the first write);
 * a cluster that already has Secrets keeps them plain until `flotilla secrets-encrypt rotate`.
 */
export async function openSecretsEncryption(
  store: Store,
  configPath: string,
  log: Pick<Logger, 'info'>,
): Promise<SecretsEncryption> {
  let text = await readOptionalFile(configPath);
  if (text === undefined && (await store.count('/registry/core/secrets/')) === 0) {
    text = EncryptionConfig.parse(JSON.stringify(defaultEncryptionConfigDoc())).toYaml();
    await writePrivateFile(configPath, text);
    log.info({ configPath }, 'new cluster: Secrets are encrypted at rest (secretbox)');
  } else if (text === undefined) {
    log.info({ configPath }, 'no encryption configuration: Secrets stay plain until `flotilla secrets-encrypt rotate`');
  }
  let fromFile = text !== undefined;
  let config = EncryptionConfig.parse(text ?? JSON.stringify(PLAIN_SECRETS));
  const encrypted = new EncryptedStore(store, config);
  // One change at a time: a rotation's two rewrites must not interleave with another's.
  let busy: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(work: () => Promise<T>): Promise<T> => {
    const next = busy.then(work, work);
    busy = next.catch(() => {});
    return next;
  };

  const apply = async (next: EncryptionConfig) => {
    await writePrivateFile(configPath, next.toYaml());
    encrypted.reload(next);
    config = next;
    fromFile = true;
  };
  const status = async (): Promise<SecretsEncryptionStatus> => ({
    ...(await encrypted.status()),
    configPath: fromFile ? configPath : undefined,
  });
  const reencrypt = () =>
    exclusive(async () => {
      const onDisk = await readOptionalFile(configPath);
      if (onDisk !== undefined) {
        config = EncryptionConfig.parse(onDisk);
        encrypted.reload(config);
        fromFile = true;
      }
      const rewritten = await encrypted.reencrypt();
      return { rewritten, ...(await status()) };
    });
  const rotate = () =>
    exclusive(async () => {
      const rotated = EncryptionConfig.parse(JSON.stringify(withNewWriteKey(config.doc)));
      await apply(rotated);
      const rewritten = await encrypted.reencrypt();
      await apply(EncryptionConfig.parse(JSON.stringify(withoutRetiredKeys(rotated.doc))));
      log.info({ configPath, rewritten }, 'secrets encryption key rotated');
      return { rewritten, ...(await status()) };
    });

  return {
    store: encrypted,
    routes: [
      { method: 'GET', path: SECRETS_ENCRYPTION_PATH, serve: (_req, res) => reply(res, status()) },
      { method: 'POST', path: `${SECRETS_ENCRYPTION_PATH}/reencrypt`, serve: (_req, res) => reply(res, reencrypt()) },
      { method: 'POST', path: `${SECRETS_ENCRYPTION_PATH}/rotate`, serve: (_req, res) => reply(res, rotate()) },
    ],
  };
}

async function reply(res: ServerResponse, body: Promise<object>): Promise<void> {
  const json = JSON.stringify(await body);
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) });
  res.end(json);
}
