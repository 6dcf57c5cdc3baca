/**
 * The restricted checks of the Pod Security Standards, with Kubernetes' reasons and details. Some
 * replace a baseline check at restricted (checks.ts lists the overrides).
 */
import type { PodSpec } from 'kubernetes-types/core/v1.js';
import {
  ALLOWED,
  allContainers,
  type CheckResult,
  containersPhrase,
  forbidden,
  inUserNamespace,
  isWindowsPod,
  joinQuote,
  type PodMeta,
  pluralize,
  sortedSet,
} from './check-helpers.js';
import { procMount_1_0, seccompFindings } from './checks-baseline.js';

/** Volumes only of the kinds that need no node access: configMap, csi, downwardAPI, emptyDir, ephemeral, image, persistentVolumeClaim, projected, secret. */
const ALLOWED_VOLUME_SOURCES = [
  'configMap',
  'csi',
  'downwardAPI',
  'emptyDir',
  'ephemeral',
  'image',
  'persistentVolumeClaim',
  'projected',
  'secret',
];
/** The restricted volume sources in the order Kubernetes names the first one a volume uses. */
const RESTRICTED_VOLUME_SOURCES = [
  'hostPath',
  'gcePersistentDisk',
  'awsElasticBlockStore',
  'gitRepo',
  'nfs',
  'iscsi',
  'glusterfs',
  'rbd',
  'flexVolume',
  'cinder',
  'cephfs',
  'flocker',
  'fc',
  'azureFile',
  'vsphereVolume',
  'quobyte',
  'azureDisk',
  'photonPersistentDisk',
  'portworxVolume',
  'scaleIO',
  'storageos',
];

export function restrictedVolumes_1_0(_meta: PodMeta, spec: PodSpec): CheckResult {
  const bad: string[] = [];
  const types: string[] = [];
  for (const volume of spec.volumes ?? []) {
    const v = volume as unknown as Record<string, unknown>;
    if (ALLOWED_VOLUME_SOURCES.some((s) => v[s] != null)) continue;
    bad.push(volume.name);
    types.push(RESTRICTED_VOLUME_SOURCES.find((s) => v[s] != null) ?? 'unknown');
  }
  if (bad.length === 0) return ALLOWED;
  const unique = sortedSet(types);
  return forbidden(
    'restricted volume types',
    `${pluralize('volume', 'volumes', bad.length)} ${joinQuote(bad)} ${pluralize('uses', 'use', bad.length)} ${pluralize('restricted volume type', 'restricted volume types', unique.length)} ${joinQuote(unique)}`,
  );
}

/** allowPrivilegeEscalation must be set to false on every container. */
export function allowPrivilegeEscalation_1_8(_meta: PodMeta, spec: PodSpec): CheckResult {
  const bad = allContainers(spec)
    .filter((c) => c.securityContext?.allowPrivilegeEscalation !== false)
    .map((c) => c.name);
  if (bad.length === 0) return ALLOWED;
  return forbidden(
    'allowPrivilegeEscalation != false',
    `${containersPhrase(bad)} must set securityContext.allowPrivilegeEscalation=false`,
  );
}

/** From v1.25 Windows pods are exempt (the field has no meaning there). */
export function allowPrivilegeEscalation_1_25(meta: PodMeta, spec: PodSpec): CheckResult {
  return isWindowsPod(spec) ? ALLOWED : allowPrivilegeEscalation_1_8(meta, spec);
}

/** runAsNonRoot must be true, on the pod or on every container; false anywhere is refused. */
export function runAsNonRoot_1_0(_meta: PodMeta, spec: PodSpec): CheckResult {
  const setters: string[] = [];
  let podNonRoot = false;
  const podValue = spec.securityContext?.runAsNonRoot;
  if (podValue != null) {
    if (podValue === false) setters.push('pod');
    else podNonRoot = true;
  }
  const explicit: string[] = [];
  const implicit: string[] = [];
  for (const c of allContainers(spec)) {
    const own = c.securityContext?.runAsNonRoot;
    if (own != null) {
      if (own === false) explicit.push(c.name);
    } else if (!podNonRoot) implicit.push(c.name);
  }
  if (explicit.length > 0) setters.push(containersPhrase(explicit));
  if (setters.length > 0)
    return forbidden(
      'runAsNonRoot != true',
      `${setters.join(' and ')} must not set securityContext.runAsNonRoot=false`,
    );
  if (implicit.length > 0)
    return forbidden(
      'runAsNonRoot != true',
      `pod or ${containersPhrase(implicit)} must set securityContext.runAsNonRoot=true`,
    );
  return ALLOWED;
}

/** From v1.35 pods in a user namespace are exempt (root there is not root on the node). */
export function runAsNonRoot_1_35(meta: PodMeta, spec: PodSpec): CheckResult {
  return inUserNamespace(spec) ? ALLOWED : runAsNonRoot_1_0(meta, spec);
}

/** runAsUser may not be 0, on the pod or on any container. */
export function runAsUser_1_23(_meta: PodMeta, spec: PodSpec): CheckResult {
  const setters: string[] = [];
  if (spec.securityContext?.runAsUser === 0) setters.push('pod');
  const bad = allContainers(spec)
    .filter((c) => c.securityContext?.runAsUser === 0)
    .map((c) => c.name);
  if (bad.length > 0) setters.push(containersPhrase(bad));
  if (setters.length === 0) return ALLOWED;
  return forbidden('runAsUser=0', `${setters.join(' and ')} must not set runAsUser=0`);
}

export function runAsUser_1_35(meta: PodMeta, spec: PodSpec): CheckResult {
  return inUserNamespace(spec) ? ALLOWED : runAsUser_1_23(meta, spec);
}

/** A seccomp profile (RuntimeDefault or Localhost) must be set, on the pod or on every container. */
export function seccompProfileRestricted_1_19(_meta: PodMeta, spec: PodSpec): CheckResult {
  const f = seccompFindings(spec);
  const setters = [...f.setters];
  if (f.explicit.length > 0) setters.push(containersPhrase(f.explicit));
  if (setters.length > 0)
    return forbidden(
      'seccompProfile',
      `${setters.join(' and ')} must not set securityContext.seccompProfile.type to ${joinQuote(f.values)}`,
    );
  if (f.implicit.length > 0)
    return forbidden(
      'seccompProfile',
      `pod or ${containersPhrase(f.implicit)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"`,
    );
  return ALLOWED;
}

export function seccompProfileRestricted_1_25(meta: PodMeta, spec: PodSpec): CheckResult {
  return isWindowsPod(spec) ? ALLOWED : seccompProfileRestricted_1_19(meta, spec);
}

/** Every container drops ALL capabilities and adds at most NET_BIND_SERVICE. */
export function capabilitiesRestricted_1_22(_meta: PodMeta, spec: PodSpec): CheckResult {
  const missingDrop: string[] = [];
  const adding: string[] = [];
  const caps: string[] = [];
  for (const c of allContainers(spec)) {
    const capabilities = c.securityContext?.capabilities;
    if (capabilities == null) {
      missingDrop.push(c.name);
      continue;
    }
    if (!(capabilities.drop ?? []).includes('ALL')) missingDrop.push(c.name);
    const extra = (capabilities.add ?? []).filter((cap) => cap !== 'NET_BIND_SERVICE');
    if (extra.length > 0) {
      adding.push(c.name);
      caps.push(...extra);
    }
  }
  const details: string[] = [];
  if (missingDrop.length > 0)
    details.push(`${containersPhrase(missingDrop)} must set securityContext.capabilities.drop=["ALL"]`);
  if (adding.length > 0)
    details.push(
      `${containersPhrase(adding)} must not include ${joinQuote(sortedSet(caps))} in securityContext.capabilities.add`,
    );
  return details.length > 0 ? forbidden('unrestricted capabilities', details.join('; ')) : ALLOWED;
}

export function capabilitiesRestricted_1_25(meta: PodMeta, spec: PodSpec): CheckResult {
  return isWindowsPod(spec) ? ALLOWED : capabilitiesRestricted_1_22(meta, spec);
}

/** From v1.35 restricted refuses an unmasked /proc even in a user namespace (baseline then allows it there). */
export const procMountRestricted_1_35 = procMount_1_0;
