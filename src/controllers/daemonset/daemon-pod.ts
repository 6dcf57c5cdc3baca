import type { DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { Affinity, Pod, PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../api/object.js';
import { CONTROLLER_REVISION_HASH } from '../history/controller-revision.js';
import { podFromTemplate } from '../replicaset/pod-from-template.js';
import { isPodAvailable } from '../replicaset/pod-state.js';
import { withDaemonTolerations } from './node-eligibility.js';
import type { ObjectOf } from '../../machinery/resources/resource.js';

/** The DaemonSet's template generation on its pods (kept with controller-revision-hash for old clients). */
export const POD_TEMPLATE_GENERATION = 'pod-template-generation';
/** The annotation Kubernetes' API server keeps for the template generation (apps/v1 has no field for it). */
export const TEMPLATE_GENERATION_ANNOTATION = 'deprecated.daemonset.template.generation';

export type DaemonSetObject = KubeObject & DaemonSet;

/** The template generation: the deprecated annotation when set, else metadata.generation. Pure. */
export function templateGeneration(ds: DaemonSetObject): string {
  return ds.metadata.annotations?.[TEMPLATE_GENERATION_ANNOTATION] ?? String(ds.metadata.generation ?? 0);
}

/**
 * The affinity that pins a pod to one node (ReplaceDaemonSetPodNodeNameNodeAffinity): the required
 * terms become a single matchFields metadata.name In [node]; preferred terms and pod (anti-)affinity
 * are kept. The scheduler then binds the pod there. Pure.
 */
export function pinToNode(affinity: Affinity | undefined, nodeName: string): Affinity {
  const a = structuredClone(affinity ?? {});
  a.nodeAffinity = {
    ...(a.nodeAffinity ?? {}),
    requiredDuringSchedulingIgnoredDuringExecution: {
      nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [nodeName] }] }],
    },
  };
  return a;
}

/**
 * The daemon pod for a node: the template (generateName `<ds>-`, controller reference) with the
 * controller-revision-hash and pod-template-generation labels, the default daemon tolerations, and
 * node affinity pinning it to `nodeName`. Pure.
 */
export function newDaemonPod(
  ds: DaemonSetObject,
  template: PodTemplateSpec | undefined,
  nodeName: string,
  hash: string,
): ObjectOf<Pod> {
  const pod = podFromTemplate(template, ds);
  const meta = pod.metadata;
  meta.labels = {
    ...(meta.labels ?? {}),
    [CONTROLLER_REVISION_HASH]: hash,
    [POD_TEMPLATE_GENERATION]: templateGeneration(ds),
  };
  const spec = pod.spec ?? { containers: [] };
  spec.affinity = pinToNode(spec.affinity, nodeName);
  spec.tolerations = withDaemonTolerations(spec);
  pod.spec = spec;
  return pod;
}

/** The pod belongs to the current template: same hash, or same template generation (IsPodUpdated). Pure. */
export function isPodUpdated(pod: Pod, hash: string, generation: string): boolean {
  const labels = pod.metadata?.labels ?? {};
  return (hash !== '' && labels[CONTROLLER_REVISION_HASH] === hash) || labels[POD_TEMPLATE_GENERATION] === generation;
}

/** Available for minReadySeconds and not terminating. Pure. */
export function isDaemonPodAvailable(pod: Pod, minReadySeconds: number, nowMs: number): boolean {
  return !pod.metadata?.deletionTimestamp && isPodAvailable(pod, minReadySeconds, nowMs);
}
