import type { Pod } from 'kubernetes-types/core/v1.js';

/**
 * The API objects a pod refers to by name, in its own namespace: what the Node authorizer lets the
 * pod's node read and what NodeRestriction forbids in mirror pods. As Kubernetes'
 * podutil.VisitPodSecretNames / VisitPodConfigmapNames (every container kind), plus the claims,
 * the ServiceAccount and the ResourceClaims (spec and the names the claim controller reported).
 * Pure; a pod without a spec refers to nothing.
 */
export interface PodReferences {
  secrets: string[];
  configMaps: string[];
  persistentVolumeClaims: string[];
  /** '' when the pod names none (a bound pod always has one after defaults). */
  serviceAccount: string;
  resourceClaims: string[];
  /** True when a volume is a generic ephemeral volume (its PVC is `<pod>-<volume>`, listed above). */
  hasEphemeralVolumes: boolean;
}

type Container = NonNullable<Pod['spec']>['containers'][number];

/** Collects the references of a pod; each name once per kind, in first-seen order. */
export function podReferences(pod: Pick<Pod, 'metadata' | 'spec' | 'status'>): PodReferences {
  const secrets = new Set<string>();
  const configMaps = new Set<string>();
  const claims = new Set<string>();
  const resourceClaims = new Set<string>();
  let hasEphemeralVolumes = false;
  const spec = pod.spec;
  const add = (set: Set<string>, name: string | undefined) => {
    if (name) set.add(name);
  };
  for (const s of spec?.imagePullSecrets ?? []) add(secrets, s.name);
  const containers: Container[] = [
    ...(spec?.initContainers ?? []),
    ...(spec?.containers ?? []),
    ...((spec?.ephemeralContainers ?? []) as Container[]),
  ];
  for (const c of containers) {
    for (const from of c.envFrom ?? []) {
      add(secrets, from.secretRef?.name);
      add(configMaps, from.configMapRef?.name);
    }
    for (const e of c.env ?? []) {
      add(secrets, e.valueFrom?.secretKeyRef?.name);
      add(configMaps, e.valueFrom?.configMapKeyRef?.name);
    }
  }
  for (const v of spec?.volumes ?? []) {
    add(secrets, v.secret?.secretName);
    add(configMaps, v.configMap?.name);
    add(claims, v.persistentVolumeClaim?.claimName);
    if (v.ephemeral) {
      hasEphemeralVolumes = true;
      add(claims, `${pod.metadata?.name ?? ''}-${v.name}`);
    }
    for (const source of v.projected?.sources ?? []) {
      add(secrets, source.secret?.name);
      add(configMaps, source.configMap?.name);
    }
    // Volume plugins that name a Secret for their credentials.
    add(secrets, v.azureFile?.secretName);
    add(secrets, v.cephfs?.secretRef?.name);
    add(secrets, v.cinder?.secretRef?.name);
    add(secrets, v.flexVolume?.secretRef?.name);
    add(secrets, v.iscsi?.secretRef?.name);
    add(secrets, v.rbd?.secretRef?.name);
    add(secrets, v.scaleIO?.secretRef?.name);
    add(secrets, v.storageos?.secretRef?.name);
    add(secrets, v.csi?.nodePublishSecretRef?.name);
  }
  const spec2 = spec as (NonNullable<Pod['spec']> & { resourceClaims?: { resourceClaimName?: string }[] }) | undefined;
  for (const rc of spec2?.resourceClaims ?? []) add(resourceClaims, rc.resourceClaimName);
  const status = pod.status as { resourceClaimStatuses?: { resourceClaimName?: string }[] } | undefined;
  for (const rc of status?.resourceClaimStatuses ?? []) add(resourceClaims, rc.resourceClaimName);
  return {
    secrets: [...secrets],
    configMaps: [...configMaps],
    persistentVolumeClaims: [...claims],
    serviceAccount: spec?.serviceAccountName ?? '',
    resourceClaims: [...resourceClaims],
    hasEphemeralVolumes,
  };
}
