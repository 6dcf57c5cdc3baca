import { DEFAULT_SERVICE_ACCOUNT_ISSUER } from '../../api/serviceaccount/token-claims.js';
import {
  generateSigningKeyPem,
  signingKeyFromPem,
  type SigningKey,
} from '../../machinery/serviceaccount-token/signing-key.js';

/** What issuing and checking ServiceAccount tokens needs: the issuer, the API audiences and the key. */
export interface ServiceAccountTokenConfig {
  /** `iss` of bound tokens (`--service-account-issuer`). */
  issuer: string;
  /** Audiences the API itself accepts (`--api-audiences`; default: the issuer). */
  apiAudiences: readonly string[];
  /** The signing key, or undefined while an ephemeral one is still being generated (then no token can exist yet). */
  key(): SigningKey | undefined;
  /** The signing key, generating the ephemeral one on first use. */
  loadKey(): Promise<SigningKey>;
}

export interface ServiceAccountTokenOptions {
  /** PEM of the RSA private key (the server keeps it in its data dir). Undefined: a key generated in memory on first use (tests, embedded handlers). */
  keyPem?: string;
  issuer?: string;
  apiAudiences?: readonly string[];
}

/** Builds the token settings once at start; throws when keyPem is not an RSA private key. */
export function serviceAccountTokenConfig(options: ServiceAccountTokenOptions = {}): ServiceAccountTokenConfig {
  const issuer = options.issuer ?? DEFAULT_SERVICE_ACCOUNT_ISSUER;
  let key = options.keyPem === undefined ? undefined : signingKeyFromPem(options.keyPem);
  let loading: Promise<SigningKey> | undefined;
  return {
    issuer,
    apiAudiences: options.apiAudiences && options.apiAudiences.length > 0 ? [...options.apiAudiences] : [issuer],
    key: () => key,
    loadKey() {
      if (key) return Promise.resolve(key);
      loading ??= generateSigningKeyPem().then((pem) => {
        key = signingKeyFromPem(pem);
        return key;
      });
      return loading;
    },
  };
}
