import type { Secret } from 'kubernetes-types/core/v1.js';
import {
  SERVICE_ACCOUNT_NAME_ANNOTATION,
  SERVICE_ACCOUNT_TOKEN_SECRET_TYPE,
  SERVICE_ACCOUNT_UID_ANNOTATION,
  TOKEN_SECRET_KEYS,
} from '../../api/serviceaccount/token-claims.js';
import type { ObjectOf } from '../../machinery/resources/index.js';

type SecretObject = ObjectOf<Secret>;

/** The ServiceAccount a legacy token Secret names: its annotations (uid only when set). */
export function tokenSecretOwner(secret: SecretObject): { name: string; uid?: string } | undefined {
  if (secret.type !== SERVICE_ACCOUNT_TOKEN_SECRET_TYPE) return undefined;
  const a = secret.metadata.annotations ?? {};
  const name = a[SERVICE_ACCOUNT_NAME_ANNOTATION];
  if (!name) return undefined;
  const uid = a[SERVICE_ACCOUNT_UID_ANNOTATION];
  return uid ? { name, uid } : { name };
}

/** What a token Secret needs (Kubernetes' TokensController generateTokenIfNeeded). */
export type TokenSecretPlan =
  /** Filled in and annotated already. */
  | { kind: 'none' }
  /** Its ServiceAccount is gone (or a different one now has the name): the Secret goes too. */
  | { kind: 'delete' }
  /** The Secret to write, with `needsToken` when a fresh token must be signed into data.token first. */
  | { kind: 'update'; secret: SecretObject; needsToken: boolean };

/**
 * Plans one token Secret against its ServiceAccount (`sa` undefined: it does not exist). Fills
 * ca.crt when it differs from `caPem`, namespace and token when empty, and the name/uid
 * annotations. Pure: `secret` is not mutated.
 */
export function planTokenSecret(
  secret: SecretObject,
  sa: { name: string; uid: string } | undefined,
  caPem: string,
): TokenSecretPlan {
  const owner = tokenSecretOwner(secret);
  if (!owner) return { kind: 'none' };
  if (!sa || (owner.uid !== undefined && owner.uid !== sa.uid)) return { kind: 'delete' };
  const data = secret.data ?? {};
  const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
  const needsCa = caPem !== '' && data[TOKEN_SECRET_KEYS.caCert] !== b64(caPem);
  const needsNamespace = !data[TOKEN_SECRET_KEYS.namespace];
  const needsToken = !data[TOKEN_SECRET_KEYS.token];
  if (!needsCa && !needsNamespace && !needsToken) return { kind: 'none' };
  const updated = structuredClone(secret);
  const out = { ...data };
  if (needsCa) out[TOKEN_SECRET_KEYS.caCert] = b64(caPem);
  if (needsNamespace) out[TOKEN_SECRET_KEYS.namespace] = b64(secret.metadata.namespace ?? '');
  updated.data = out;
  updated.metadata.annotations = {
    ...updated.metadata.annotations,
    [SERVICE_ACCOUNT_NAME_ANNOTATION]: sa.name,
    [SERVICE_ACCOUNT_UID_ANNOTATION]: sa.uid,
  };
  return { kind: 'update', secret: updated, needsToken };
}
