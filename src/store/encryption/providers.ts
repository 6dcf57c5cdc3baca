/**
 * The value transformers of Kubernetes' encryption at rest, byte-compatible with kube-apiserver's
 * stored format: `k8s:enc:<provider>:v1:<key name>:` followed by the provider's payload.
 *   aesgcm     nonce (12) | ciphertext | tag (16); the storage key is the additional authenticated data
 *   aescbc     IV (16) | ciphertext (PKCS#7 padding)
 *   secretbox  nonce (24) | XSalsa20-Poly1305 box
 *   identity   the plain value, no prefix
 */
import { type CipherGCMTypes, createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { xsalsa20poly1305 } from '@noble/ciphers/salsa.js';

export type ProviderKind = 'aesgcm' | 'aescbc' | 'secretbox' | 'identity';

/** One key of a provider, as it appears in the stored prefix. */
export interface ProviderKey {
  name: string;
  secret: Buffer;
}

/** Encrypts with one key; decrypts what carries its prefix. */
export interface ValueTransformer {
  kind: ProviderKind;
  /** The key's name; '' for identity. */
  keyName: string;
  /** The stored prefix this transformer owns; '' for identity (which reads anything unprefixed). */
  prefix: string;
  encrypt(plain: Uint8Array, storageKey: string): Uint8Array;
  /** `stored` without this transformer's prefix. Throws when the value does not authenticate. */
  decrypt(payload: Uint8Array, storageKey: string): Uint8Array;
}

/** Every value written by a non-identity provider starts with this. */
export const ENCRYPTED_PREFIX = 'k8s:enc:';

/** Key lengths each provider accepts (bytes), as kube-apiserver checks them. */
export const KEY_LENGTHS: Record<Exclude<ProviderKind, 'identity'>, readonly number[]> = {
  aesgcm: [16, 24, 32],
  aescbc: [32],
  secretbox: [32],
};

export const identityTransformer: ValueTransformer = {
  kind: 'identity',
  keyName: '',
  prefix: '',
  encrypt: (plain) => plain,
  decrypt: (payload) => payload,
};

export function transformerFor(kind: Exclude<ProviderKind, 'identity'>, key: ProviderKey): ValueTransformer {
  const prefix = `${ENCRYPTED_PREFIX}${kind}:v1:${key.name}:`;
  const base = { kind, keyName: key.name, prefix };
  switch (kind) {
    case 'aesgcm':
      return {
        ...base,
        encrypt: (p, k) => aesGcmEncrypt(key.secret, p, k),
        decrypt: (c, k) => aesGcmDecrypt(key.secret, c, k),
      };
    case 'aescbc':
      return { ...base, encrypt: (p) => aesCbcEncrypt(key.secret, p), decrypt: (c) => aesCbcDecrypt(key.secret, c) };
    case 'secretbox':
      return { ...base, encrypt: (p) => secretboxSeal(key.secret, p), decrypt: (c) => secretboxOpen(key.secret, c) };
  }
}

const gcmAlgorithm = (secret: Buffer) => `aes-${secret.length * 8}-gcm` as CipherGCMTypes;

function aesGcmEncrypt(secret: Buffer, plain: Uint8Array, storageKey: string): Uint8Array {
  const nonce = randomBytes(12);
  const cipher = createCipheriv(gcmAlgorithm(secret), secret, nonce);
  cipher.setAAD(Buffer.from(storageKey));
  return Buffer.concat([nonce, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
}

function aesGcmDecrypt(secret: Buffer, payload: Uint8Array, storageKey: string): Uint8Array {
  if (payload.length < 12 + 16) throw new Error('the stored data was shorter than the required size');
  const data = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  const decipher = createDecipheriv(gcmAlgorithm(secret), secret, data.subarray(0, 12));
  decipher.setAAD(Buffer.from(storageKey));
  decipher.setAuthTag(data.subarray(data.length - 16));
  return Buffer.concat([decipher.update(data.subarray(12, data.length - 16)), decipher.final()]);
}

function aesCbcEncrypt(secret: Buffer, plain: Uint8Array): Uint8Array {
  const iv = randomBytes(16);
  const cipher = createCipheriv('aes-256-cbc', secret, iv);
  return Buffer.concat([iv, cipher.update(plain), cipher.final()]);
}

function aesCbcDecrypt(secret: Buffer, payload: Uint8Array): Uint8Array {
  if (payload.length < 32 || payload.length % 16 !== 0)
    throw new Error('the stored data is not a multiple of the block size');
  const data = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  const decipher = createDecipheriv('aes-256-cbc', secret, data.subarray(0, 16));
  return Buffer.concat([decipher.update(data.subarray(16)), decipher.final()]);
}

function secretboxSeal(secret: Buffer, plain: Uint8Array): Uint8Array {
  const nonce = randomBytes(24);
  return Buffer.concat([nonce, xsalsa20poly1305(secret, nonce).encrypt(plain)]);
}

function secretboxOpen(secret: Buffer, payload: Uint8Array): Uint8Array {
  if (payload.length < 24 + 16) throw new Error('the stored data was shorter than the required size');
  return xsalsa20poly1305(secret, payload.subarray(0, 24)).decrypt(payload.subarray(24));
}
