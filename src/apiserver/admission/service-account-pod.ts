/**
 * The pod side of Kubernetes' ServiceAccount admission (plugin/pkg/admission/serviceaccount), as
 * pure functions: the `kube-api-access-<suffix>` projected volume and its mounts, the automount
 * decision, the mountable-secrets limit and what a mirror pod may not reference.
 */
import type { Container, PodSpec, ProjectedVolumeSource, ServiceAccount } from 'kubernetes-types/core/v1.js';

export const DEFAULT_SERVICE_ACCOUNT_NAME = 'default';
/** The prefix of the injected volume's name (a random 5-character suffix follows). */
export const SERVICE_ACCOUNT_VOLUME_PREFIX = 'kube-api-access-';
/** Where every container gets the token, ca.crt and namespace files. */
export const DEFAULT_API_TOKEN_MOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';
/** Kubernetes' annotation of a mirror pod (the API copy of a kubelet's static pod). */
export const MIRROR_POD_ANNOTATION = 'kubernetes.io/config.mirror';
/** A ServiceAccount with this annotation "true" limits its pods to the secrets it lists. */
export const ENFORCE_MOUNTABLE_SECRETS_ANNOTATION = 'kubernetes.io/enforce-mountable-secrets';
/**
 * The injected token's lifetime: Kubernetes' WarnOnlyBoundTokenExpirationSeconds (1 h + 7 s), a
 * value the API server recognises as an automounted token's.
 */
export const INJECTED_TOKEN_EXPIRATION_SECONDS = 3607;

/** Kubernetes' TokenVolumeSource(): token, kube-root-ca.crt's ca.crt and the namespace, mode 0644. */
export function tokenVolumeSource(): ProjectedVolumeSource {
  return {
    defaultMode: 0o644,
    sources: [
      { serviceAccountToken: { expirationSeconds: INJECTED_TOKEN_EXPIRATION_SECONDS, path: 'token' } },
      { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
      {
        downwardAPI: {
          items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }],
        },
      },
    ],
  };
}

/** Whether the pod gets the token volume: the pod's automountServiceAccountToken, else the ServiceAccount's, else true. Pure. */
export function shouldAutomount(sa: ServiceAccount, spec: PodSpec): boolean {
  return spec.automountServiceAccountToken ?? sa.automountServiceAccountToken ?? true;
}

type MutableContainer = { -readonly [K in keyof Container]: Container[K] };

/**
 * Kubernetes' mountServiceAccountToken: every init and app container without a mount at
 * DEFAULT_API_TOKEN_MOUNT_PATH mounts the token volume there read-only; the volume is added when a
 * container needs it. A volume already named `kube-api-access-*` is reused (a spec copied from a
 * created pod); else the name ends with `suffix()`. Mutates `spec`.
 */
export function mountServiceAccountToken(spec: PodSpec, suffix: () => string): void {
  const existing = (spec.volumes ?? []).find((v) => v.name.startsWith(SERVICE_ACCOUNT_VOLUME_PREFIX));
  const name = existing?.name ?? SERVICE_ACCOUNT_VOLUME_PREFIX + suffix();
  let needed = false;
  for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])] as MutableContainer[]) {
    if ((c.volumeMounts ?? []).some((m) => m.mountPath === DEFAULT_API_TOKEN_MOUNT_PATH)) continue;
    c.volumeMounts = [...(c.volumeMounts ?? []), { name, readOnly: true, mountPath: DEFAULT_API_TOKEN_MOUNT_PATH }];
    needed = true;
  }
  if (needed && !existing) {
    const s = spec as { volumes?: PodSpec['volumes'] };
    s.volumes = [...(spec.volumes ?? []), { name, projected: tokenVolumeSource() }];
  }
}

/** Whether the ServiceAccount limits its pods to the secrets it lists (its enforce-mountable-secrets annotation). Pure. */
export function enforcesMountableSecrets(sa: ServiceAccount): boolean {
  const v = sa.metadata?.annotations?.[ENFORCE_MOUNTABLE_SECRETS_ANNOTATION];
  return v !== undefined && ['1', 't', 'T', 'true', 'TRUE', 'True'].includes(v);
}

/**
 * Kubernetes' limitSecretReferences: the first secret volume, env or envFrom secret reference, or
 * image pull secret the ServiceAccount does not list, as its error text; undefined when all are
 * listed. Pure.
 */
export function secretReferenceError(sa: ServiceAccount, spec: PodSpec): string | undefined {
  const saName = sa.metadata?.name ?? '';
  const mountable = new Set((sa.secrets ?? []).map((s) => s.name));
  const notListed = `is not allowed because service account ${saName} does not reference that secret`;
  for (const v of spec.volumes ?? []) {
    const name = v.secret?.secretName;
    if (v.secret && !mountable.has(name)) return `volume with secret.secretName="${name ?? ''}" ${notListed}`;
  }
  const groups: [string, Container[] | undefined][] = [
    ['init container', spec.initContainers],
    ['container', spec.containers],
  ];
  for (const [what, containers] of groups) {
    for (const c of containers ?? []) {
      for (const e of c.env ?? []) {
        const ref = e.valueFrom?.secretKeyRef;
        if (ref && !mountable.has(ref.name))
          return `${what} ${c.name} with envVar ${e.name} referencing secret.secretName="${ref.name ?? ''}" ${notListed}`;
      }
      for (const e of c.envFrom ?? []) {
        if (e.secretRef && !mountable.has(e.secretRef.name))
          return `${what} ${c.name} with envFrom referencing secret.secretName="${e.secretRef.name ?? ''}" ${notListed}`;
      }
    }
  }
  const pullSecrets = new Set((sa.imagePullSecrets ?? []).map((s) => s.name));
  for (const [i, ref] of (spec.imagePullSecrets ?? []).entries()) {
    if (!pullSecrets.has(ref.name))
      return `imagePullSecrets[${i}].name="${ref.name ?? ''}" is not allowed because service account ${saName} does not reference that imagePullSecret`;
  }
  return undefined;
}

/**
 * What Kubernetes forbids a mirror pod to reference, as its error text (undefined: nothing). The
 * pod defaults fill serviceAccountName with `default` (Kubernetes leaves it empty there), so only
 * another name counts as a reference. Pure.
 */
export function mirrorPodError(spec: PodSpec): string | undefined {
  const sa = spec.serviceAccountName;
  if (sa && sa !== DEFAULT_SERVICE_ACCOUNT_NAME) return 'a mirror pod may not reference service accounts';
  if (referencesSecrets(spec)) return 'a mirror pod may not reference secrets';
  for (const v of spec.volumes ?? [])
    if (v.projected?.sources?.some((s) => s.serviceAccountToken))
      return 'a mirror pod may not use ServiceAccountToken volume projections';
  return undefined;
}

/** Whether the pod names any secret (podutil.VisitPodSecretNames' common sources). Pure. */
function referencesSecrets(spec: PodSpec): boolean {
  if (spec.imagePullSecrets?.length) return true;
  const containers = [...(spec.initContainers ?? []), ...(spec.containers ?? []), ...(spec.ephemeralContainers ?? [])];
  for (const c of containers) {
    if (c.envFrom?.some((e) => e.secretRef)) return true;
    if (c.env?.some((e) => e.valueFrom?.secretKeyRef)) return true;
  }
  for (const v of spec.volumes ?? []) {
    if (v.secret || v.projected?.sources?.some((s) => s.secret)) return true;
    const withRef = [v.csi?.nodePublishSecretRef, v.cephfs?.secretRef, v.flexVolume?.secretRef, v.rbd?.secretRef];
    if (withRef.some((r) => r) || v.iscsi?.secretRef || v.scaleIO || v.storageos?.secretRef || v.azureFile) return true;
    if (v.cinder?.secretRef) return true;
  }
  return false;
}
