import { createHash, createPrivateKey, createPublicKey, generateKeyPair, type KeyObject } from 'node:crypto';

/** A public key ServiceAccount tokens are checked with (the signing key's, or one another server signs with). */
export interface VerificationKey {
  publicKey: KeyObject;
  /** JWT `kid`: base64url of the SHA-256 of the public key's DER (SubjectPublicKeyInfo), as Kubernetes derives it. */
  keyId: string;
  /** The public key as a JSON Web Key (`use: sig`, `alg: RS256`, `kid`), the entry of the JWKS document. */
  jwk: PublicJwk;
}

/** The key ServiceAccount tokens are signed with, as the API server and the tokens controller hold it. */
export interface SigningKey extends VerificationKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** JWT `kid`: base64url of the SHA-256 of the public key's DER (SubjectPublicKeyInfo), as Kubernetes derives it. */
  keyId: string;
  /** The public key as a JSON Web Key (`use: sig`, `alg: RS256`, `kid`), the entry of the JWKS document. */
  jwk: PublicJwk;
}

export interface PublicJwk {
  kty: string;
  n?: string;
  e?: string;
  use: 'sig';
  alg: 'RS256';
  kid: string;
}

/** A fresh 2048-bit RSA private key as PKCS#1 PEM (`RSA PRIVATE KEY`, the form of Kubernetes' sa.key). */
export function generateSigningKeyPem(): Promise<string> {
  return new Promise((resolve, reject) =>
    generateKeyPair(
      'rsa',
      {
        modulusLength: 2048,
        publicKeyEncoding: { type: 'spki', format: 'pem' },
        privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
      },
      (err, _publicKey, privateKey) => (err ? reject(err) : resolve(privateKey)),
    ),
  );
}

/**
 * The signing key of a PEM private key (PKCS#1 or PKCS#8). Only RSA keys are accepted: tokens are
 * RS256, what every Kubernetes client and OIDC consumer expects. Throws on anything else.
 */
export function signingKeyFromPem(pem: string): SigningKey {
  const privateKey = createPrivateKey(pem);
  if (privateKey.asymmetricKeyType !== 'rsa')
    throw new Error(`ServiceAccount signing key must be RSA, not ${privateKey.asymmetricKeyType}`);
  return { privateKey, ...verificationKeyOf(createPublicKey(privateKey)) };
}

/**
 * The verification key of a PEM public key (SPKI or PKCS#1) or private key (its public half), as
 * `--service-account-key-file` accepts either. RSA only; throws on anything else.
 */
export function verificationKeyFromPem(pem: string): VerificationKey {
  const publicKey = createPublicKey(pem);
  if (publicKey.asymmetricKeyType !== 'rsa')
    throw new Error(`ServiceAccount verification key must be RSA, not ${publicKey.asymmetricKeyType}`);
  return verificationKeyOf(publicKey);
}

function verificationKeyOf(publicKey: KeyObject): VerificationKey {
  const der = publicKey.export({ type: 'spki', format: 'der' });
  const keyId = createHash('sha256').update(der).digest('base64url');
  const { kty, n, e } = publicKey.export({ format: 'jwk' });
  return { publicKey, keyId, jwk: { use: 'sig', kty: kty ?? 'RSA', kid: keyId, alg: 'RS256', n, e } };
}
