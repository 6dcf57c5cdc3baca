/**
 * ServiceAccount tokens as Kubernetes writes them (pkg/serviceaccount/claims.go, legacy.go): the
 * claims of bound tokens (TokenRequest) and of legacy token Secrets, and the well-known names
 * around them. Pure data: signing and checking live in machinery/serviceaccount-token.
 */

/** kube-apiserver's default `--service-account-issuer` (k3s uses the same). */
export const DEFAULT_SERVICE_ACCOUNT_ISSUER = 'https://kubernetes.default.svc.cluster.local';
/** The issuer of legacy (Secret-based) tokens. */
export const LEGACY_SERVICE_ACCOUNT_ISSUER = 'kubernetes/serviceaccount';

/** Secret type of legacy token Secrets, and the annotations tying one to its ServiceAccount. */
export const SERVICE_ACCOUNT_TOKEN_SECRET_TYPE = 'kubernetes.io/service-account-token';
export const SERVICE_ACCOUNT_NAME_ANNOTATION = 'kubernetes.io/service-account.name';
export const SERVICE_ACCOUNT_UID_ANNOTATION = 'kubernetes.io/service-account.uid';
/** Keys a legacy token Secret's data gets filled with. */
export const TOKEN_SECRET_KEYS = { token: 'token', caCert: 'ca.crt', namespace: 'namespace' } as const;

/** The ConfigMap every namespace gets with the cluster CA (key `ca.crt`), Kubernetes' root CA publisher. */
export const ROOT_CA_CONFIG_MAP = 'kube-root-ca.crt';
export const ROOT_CA_CONFIG_MAP_KEY = 'ca.crt';

/** TokenRequest spec.expirationSeconds: default, minimum, maximum (ValidateTokenRequest). */
export const DEFAULT_TOKEN_EXPIRATION_SECONDS = 3600;
export const MIN_TOKEN_EXPIRATION_SECONDS = 600;
export const MAX_TOKEN_EXPIRATION_SECONDS = 2 ** 32;

/** user.Info extra keys of a ServiceAccount token (k8s.io/apiserver/pkg/authentication/serviceaccount). */
export const POD_NAME_EXTRA = 'authentication.kubernetes.io/pod-name';
export const POD_UID_EXTRA = 'authentication.kubernetes.io/pod-uid';
export const NODE_NAME_EXTRA = 'authentication.kubernetes.io/node-name';
export const NODE_UID_EXTRA = 'authentication.kubernetes.io/node-uid';
export const CREDENTIAL_ID_EXTRA = 'authentication.kubernetes.io/credential-id';

/** A reference in the private claim: name, and uid when known. */
export interface ClaimRef {
  name: string;
  uid?: string;
}

/** The `kubernetes.io` private claim of a bound token. */
export interface KubernetesClaim {
  namespace: string;
  serviceaccount: ClaimRef;
  pod?: ClaimRef;
  secret?: ClaimRef;
  node?: ClaimRef;
  /** Seconds since the epoch after which use of an extended token is only warned about. */
  warnafter?: number;
}

/** Claims of a bound token (iss is set by the signer). */
export interface BoundTokenClaims {
  iss: string;
  sub: string;
  aud: string[];
  exp: number;
  iat: number;
  nbf: number;
  jti: string;
  'kubernetes.io': KubernetesClaim;
}

/** Claims of a legacy token Secret's token: no expiry, no audience. */
export interface LegacyTokenClaims {
  iss: typeof LEGACY_SERVICE_ACCOUNT_ISSUER;
  sub: string;
  'kubernetes.io/serviceaccount/namespace': string;
  'kubernetes.io/serviceaccount/secret.name': string;
  'kubernetes.io/serviceaccount/service-account.name': string;
  'kubernetes.io/serviceaccount/service-account.uid': string;
}

export interface BoundTokenInput {
  issuer: string;
  namespace: string;
  serviceAccount: Required<ClaimRef>;
  audiences: string[];
  /** Token lifetime in seconds from `now`. */
  expirationSeconds: number;
  /** Seconds after `now` from which use is warned about (extended tokens); undefined = none. */
  warnAfterSeconds?: number;
  /** At most one of pod (optionally with its node), secret or node. */
  pod?: Required<ClaimRef>;
  secret?: Required<ClaimRef>;
  node?: ClaimRef;
  now: Date;
  /** The token's unique id (a random UUID). */
  jti: string;
}

/** `system:serviceaccount:<namespace>:<name>`. */
function subjectOf(namespace: string, name: string): string {
  return `system:serviceaccount:${namespace}:${name}`;
}

/** Claims of a bound token, as Kubernetes' token.Claims builds them (iat = nbf = now). */
export function boundTokenClaims(input: BoundTokenInput): BoundTokenClaims {
  const now = Math.floor(input.now.getTime() / 1000);
  const k8s: KubernetesClaim = {
    namespace: input.namespace,
    serviceaccount: { name: input.serviceAccount.name, uid: input.serviceAccount.uid },
  };
  if (input.pod) {
    k8s.pod = { name: input.pod.name, uid: input.pod.uid };
    if (input.node) k8s.node = refOf(input.node);
  } else if (input.secret) {
    k8s.secret = { name: input.secret.name, uid: input.secret.uid };
  } else if (input.node) {
    k8s.node = refOf(input.node);
  }
  if (input.warnAfterSeconds !== undefined) k8s.warnafter = now + input.warnAfterSeconds;
  return {
    aud: input.audiences,
    exp: now + input.expirationSeconds,
    iat: now,
    iss: input.issuer,
    jti: input.jti,
    'kubernetes.io': k8s,
    nbf: now,
    sub: subjectOf(input.namespace, input.serviceAccount.name),
  };
}

function refOf(r: ClaimRef): ClaimRef {
  return r.uid ? { name: r.name, uid: r.uid } : { name: r.name };
}

/** Claims of the token a legacy token Secret holds (Kubernetes' LegacyClaims). */
export function legacyTokenClaims(input: {
  namespace: string;
  serviceAccount: Required<ClaimRef>;
  secretName: string;
}): LegacyTokenClaims {
  return {
    iss: LEGACY_SERVICE_ACCOUNT_ISSUER,
    'kubernetes.io/serviceaccount/namespace': input.namespace,
    'kubernetes.io/serviceaccount/secret.name': input.secretName,
    'kubernetes.io/serviceaccount/service-account.name': input.serviceAccount.name,
    'kubernetes.io/serviceaccount/service-account.uid': input.serviceAccount.uid,
    sub: subjectOf(input.namespace, input.serviceAccount.name),
  };
}
