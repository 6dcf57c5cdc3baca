import type {
  Container,
  EphemeralContainer,
  LifecycleHandler,
  PodSpec,
  PodTemplateSpec,
  Probe,
  Volume,
  EnvVar,
} from 'kubernetes-types/core/v1.js';

type AnyContainer = Container | EphemeralContainer;

/** Tag of an image reference as docker's ParseImageName sees it: 'latest' when neither tag nor digest. */
export function imageTag(image: string): string {
  if (image.includes('@')) return '';
  const lastSlash = image.lastIndexOf('/');
  const colon = image.indexOf(':', lastSlash + 1);
  return colon < 0 ? 'latest' : image.slice(colon + 1);
}

function defaultHandler(h: Probe | LifecycleHandler | undefined): void {
  if (!h?.httpGet) return;
  h.httpGet.path ??= '/';
  h.httpGet.scheme ??= 'HTTP';
}

function defaultProbe(p: Probe | undefined): void {
  if (!p) return;
  p.timeoutSeconds ??= 1;
  p.periodSeconds ??= 10;
  p.successThreshold ??= 1;
  p.failureThreshold ??= 3;
  defaultHandler(p);
}

function defaultEnv(env: EnvVar[] | undefined): void {
  for (const e of env ?? []) if (e.valueFrom?.fieldRef) e.valueFrom.fieldRef.apiVersion ??= 'v1';
}

/** SetDefaults_Container plus its nested ports, probes, lifecycle handlers and env. */
export function defaultContainer(c: AnyContainer, hostNetwork: boolean): void {
  if (!c.imagePullPolicy) c.imagePullPolicy = imageTag(c.image ?? '') === 'latest' ? 'Always' : 'IfNotPresent';
  c.terminationMessagePath ||= '/dev/termination-log';
  c.terminationMessagePolicy ||= 'File';
  c.resources ??= {};
  for (const port of c.ports ?? []) {
    port.protocol ||= 'TCP';
    if (hostNetwork && port.hostPort === undefined) port.hostPort = port.containerPort;
  }
  defaultProbe(c.livenessProbe);
  defaultProbe(c.readinessProbe);
  defaultProbe(c.startupProbe);
  defaultHandler(c.lifecycle?.postStart);
  defaultHandler(c.lifecycle?.preStop);
  defaultEnv(c.env);
}

const VOLUME_SOURCES = [
  'hostPath',
  'emptyDir',
  'gcePersistentDisk',
  'awsElasticBlockStore',
  'gitRepo',
  'secret',
  'nfs',
  'iscsi',
  'glusterfs',
  'persistentVolumeClaim',
  'rbd',
  'flexVolume',
  'cinder',
  'cephfs',
  'flocker',
  'downwardAPI',
  'fc',
  'azureFile',
  'configMap',
  'vsphereVolume',
  'quobyte',
  'azureDisk',
  'photonPersistentDisk',
  'projected',
  'portworxVolume',
  'scaleIO',
  'storageos',
  'csi',
  'ephemeral',
  'image',
] as const;

/** Names of the source fields a volume may set (exactly one of them). */
export const VOLUME_SOURCE_FIELDS: readonly string[] = VOLUME_SOURCES;

/** SetDefaults_Volume and the per-source defaults (defaultMode 420, hostPath type "", emptyDir when no source). */
export function defaultVolume(v: Volume): void {
  const rec = v as unknown as Record<string, unknown>;
  if (!VOLUME_SOURCES.some((s) => rec[s] !== undefined && rec[s] !== null)) v.emptyDir = {};
  if (v.secret) v.secret.defaultMode ??= 420;
  if (v.configMap) v.configMap.defaultMode ??= 420;
  if (v.downwardAPI) {
    v.downwardAPI.defaultMode ??= 420;
    for (const item of v.downwardAPI.items ?? []) if (item.fieldRef) item.fieldRef.apiVersion ??= 'v1';
  }
  if (v.projected) {
    v.projected.defaultMode ??= 420;
    for (const src of v.projected.sources ?? []) {
      for (const item of src.downwardAPI?.items ?? []) if (item.fieldRef) item.fieldRef.apiVersion ??= 'v1';
      if (src.serviceAccountToken) src.serviceAccountToken.expirationSeconds ??= 3600;
    }
  }
  if (v.hostPath) v.hostPath.type ??= '';
  if (v.iscsi) v.iscsi.iscsiInterface ??= 'default';
  if (v.rbd) {
    v.rbd.pool ??= 'rbd';
    v.rbd.user ??= 'admin';
    v.rbd.keyring ??= '/etc/ceph/keyring';
  }
  if (v.azureDisk) {
    v.azureDisk.cachingMode ??= 'ReadWrite';
    v.azureDisk.fsType ??= 'ext4';
    v.azureDisk.readOnly ??= false;
    v.azureDisk.kind ??= 'Shared';
  }
  if (v.ephemeral?.volumeClaimTemplate?.spec) v.ephemeral.volumeClaimTemplate.spec.volumeMode ??= 'Filesystem';
}

/**
 * SetDefaults_PodSpec and everything nested in it. Shared by Pods and every pod template
 * (Deployment, ReplicaSet, StatefulSet, DaemonSet, Job, CronJob). Idempotent.
 */
export function defaultPodSpec(spec: PodSpec): void {
  spec.dnsPolicy ||= 'ClusterFirst';
  spec.restartPolicy ||= 'Always';
  spec.securityContext ??= {};
  spec.terminationGracePeriodSeconds ??= 30;
  spec.schedulerName ||= 'default-scheduler';
  const hostNetwork = spec.hostNetwork === true;
  for (const c of spec.containers ?? []) defaultContainer(c, hostNetwork);
  for (const c of spec.initContainers ?? []) defaultContainer(c, hostNetwork);
  for (const c of spec.ephemeralContainers ?? []) defaultContainer(c, hostNetwork);
  for (const v of spec.volumes ?? []) defaultVolume(v);
}

/** Pod template defaults: the spec's defaults (templates get no status nor requests-from-limits). */
export function defaultPodTemplateSpec(template: PodTemplateSpec | undefined): void {
  if (!template) return;
  template.spec ??= { containers: [] };
  defaultPodSpec(template.spec);
}

/** What a real API server adds to Pods only (SetDefaults_Pod plus the admission plugins
 *  Priority and ServiceAccount's name defaulting). DefaultTolerationSeconds is the API server's
 *  admission (src/apiserver/admission), since its seconds are a cluster setting. Idempotent. */
export function defaultPodOnly(spec: PodSpec): void {
  for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) {
    if (!c.resources?.limits) continue;
    c.resources.requests ??= {};
    for (const [k, v] of Object.entries(c.resources.limits))
      if (!(k in c.resources.requests)) c.resources.requests[k] = v;
  }
  spec.enableServiceLinks ??= true;
  spec.priority ??= 0;
  spec.preemptionPolicy ??= 'PreemptLowerPriority';
  if (!spec.serviceAccountName) spec.serviceAccountName = spec.serviceAccount || 'default';
  spec.serviceAccount ||= spec.serviceAccountName;
}
