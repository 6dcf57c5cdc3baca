import { DEFAULT_SERVICE_ACCOUNT_ISSUER } from '../../api/serviceaccount/token-claims.js';
import {
  generateSigningKeyPem,
  signingKeyFromPem,
  verificationKeyFromPem,
  type SigningKey,
  type VerificationKey,
} from '../../machinery/serviceaccount-token/signing-key.js';

/** What issuing and checking ServiceAccount tokens needs: the issuers, the API audiences and the keys. */
export interface ServiceAccountTokenConfig {
  /** `iss` of the tokens this server issues: the first `--service-account-issuer`. */
  issuer: string;
  /** Every accepted `iss` (`--service-account-issuer`, repeatable: the first issues, all are accepted). */
  issuers: readonly string[];
  /** Audiences the API itself accepts (`--api-audiences`; default: the issuers). */
  apiAudiences: readonly string[];
  /** `--service-account-jwks-uri`: the key set's URL in the discovery document (default: where the request came to). */
  jwksUri?: string;
  /** The signing key, or undefined while an ephemeral one is still being generated (then no token can exist yet). */
  key(): SigningKey | undefined;
  /** The signing key, generating the ephemeral one on first use. */
  loadKey(): Promise<SigningKey>;
  /**
   * The keys tokens are checked with: the signing key and the `--service-account-key-file` keys
   * (another server's signing key, a key being rotated out), without duplicates. Empty while an
   * ephemeral signing key is still being generated and no other key is given.
   */
  verificationKeys(): readonly VerificationKey[];
}

export interface ServiceAccountTokenOptions {
  /** PEM of the RSA private key (the server keeps it in its data dir). Undefined: a key generated in memory on first use (tests, embedded handlers). */
  keyPem?: string;
  /** Further keys to accept tokens of (PEM public keys, or private keys whose public half counts). */
  publicKeyPems?: readonly string[];
  /** One issuer (kept for callers with one); `issuers` wins when both are given. */
  issuer?: string;
  issuers?: readonly string[];
  apiAudiences?: readonly string[];
  jwksUri?: string;
}

/** Builds the token settings once at start; throws when a key is not an RSA key. */
export function serviceAccountTokenConfig(options: ServiceAccountTokenOptions = {}): ServiceAccountTokenConfig {
  const issuers =
    options.issuers && options.issuers.length > 0
      ? [...options.issuers]
      : [options.issuer ?? DEFAULT_SERVICE_ACCOUNT_ISSUER];
  const extra = (options.publicKeyPems ?? []).map(verificationKeyFromPem);
  let key = options.keyPem === undefined ? undefined : signingKeyFromPem(options.keyPem);
  let loading: Promise<SigningKey> | undefined;
  let keys: VerificationKey[] | undefined;
  const collectKeys = (): VerificationKey[] => {
    const all = key ? [key, ...extra] : [...extra];
    return all.filter((k, i) => all.findIndex((o) => o.keyId === k.keyId) === i);
  };
  return {
    issuer: issuers[0],
    issuers,
    apiAudiences: options.apiAudiences && options.apiAudiences.length > 0 ? [...options.apiAudiences] : issuers,
    jwksUri: options.jwksUri,
    key: () => key,
    loadKey() {
      if (key) return Promise.resolve(key);
      loading ??= generateSigningKeyPem().then((pem) => {
        key = signingKeyFromPem(pem);
        keys = undefined;
        return key;
      });
      return loading;
    },
    verificationKeys() {
      keys ??= collectKeys();
      return keys;
    },
  };
}
