import type { CrdSchema } from './schema/custom/crd-schema.js';
import type { WebhookClientConfig } from 'kubernetes-types/apiextensions/v1.js';

/**
 * What the API server serves: one ResourceType per (group, version, resource). The table of all
 * of them is in resource-types.ts; the per-kind behaviour (defaults, validation, table columns,
 * field selectors) lives in kinds/ behind the KindStrategy contract.
 */
export interface ResourceType {
  group: string; // '' for core
  version: string; // 'v1'
  kind: string; // 'Deployment'
  listKind: string; // 'DeploymentList'
  plural: string; // 'deployments'
  singular: string; // 'deployment'
  namespaced: boolean;
  shortNames: string[];
  categories: string[]; // e.g. ['all']
  /** Subresources served: 'status', 'scale', 'binding', 'eviction', 'log', 'exec', 'attach', 'portforward', 'proxy', 'token' */
  subresources: string[];
  /** Storage prefix shared by every version of the same resource: `/registry/<group or core>/<plural>/` */
  storagePrefix: string;
  /** apiVersion objects are stored in (e.g. 'autoscaling/v2' for both HPA versions, 'v1' for
   *  events.k8s.io Events, which share core Events' storage); others are converted on the way. */
  storageApiVersion: string;
  /** Set on resources a CustomResourceDefinition serves (absent for built-in kinds). */
  custom?: CustomResourceInfo;
}

/** What a custom resource's descriptor carries from its CustomResourceDefinition. */
export interface CustomResourceInfo {
  /** The CRD's name (`<plural>.<group>`). */
  crdName: string;
  /** spec.versions[].subresources.scale: JSON paths (`.spec.replicas`) of the scale subresource. */
  scale?: { specReplicasPath: string; statusReplicasPath: string; labelSelectorPath?: string };
  /** The version's `schema.openAPIV3Schema` (pruning at decode, OpenAPI publishing, apply type info). */
  schema?: CrdSchema;
  /** The CRD is being deleted: its objects are being removed and creates are refused. */
  terminating?: boolean;
  /**
   * spec.conversion with strategy Webhook: objects move between versions through this webhook
   * (ConversionReview) instead of only changing apiVersion.
   */
  conversionWebhook?: { clientConfig: WebhookClientConfig; conversionReviewVersions: string[] };
}

/** A resource served by a handler of its own instead of the store (metrics, access reviews). */
export type HandlerServedType = ResourceType & { verbs: string[] };

/**
 * The descriptor of a handler-served resource: no short names, categories or subresources; the
 * storage fields only keep keys apart (nothing is stored under `storagePrefix`). Pure.
 */
export function handlerServedType(t: {
  group: string;
  version: string;
  kind: string;
  plural: string;
  namespaced: boolean;
  verbs: string[];
  storagePrefix: string;
}): HandlerServedType {
  return {
    ...t,
    listKind: `${t.kind}List`,
    singular: '',
    shortNames: [],
    categories: [],
    subresources: [],
    storageApiVersion: t.group ? `${t.group}/${t.version}` : t.version,
  };
}

export const VERBS_NAMESPACED_OR_CLUSTER = [
  'create',
  'delete',
  'deletecollection',
  'get',
  'list',
  'patch',
  'update',
  'watch',
];
