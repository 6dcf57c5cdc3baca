/**
 * Hand-built TypeInfo fixtures for tests of the patch engines (the real ones come from the
 * OpenAPI definitions in src/api/schema). Compact builders:
 *
 *   obj({ spec: obj({ containers: list(obj({...}), { strategy: 'merge', key: 'name', listType: 'map' }) }) })
 *
 * Patch annotations (`strategy`, `key`, `listType`, `mapKeys`, `mapType`) belong to the type a
 * field is reached through, as in TypeInfo. `obj` fields not listed are unknown (undefined).
 */
import type { TypeInfo } from '../../schema/type-info.js';

export interface Annotations {
  strategy?: string;
  key?: string;
  listType?: string;
  mapKeys?: string[];
  mapType?: string;
}

function base(
  kind: TypeInfo['kind'],
  a: Annotations,
  field: (n: string) => TypeInfo | undefined,
  elements: () => TypeInfo | undefined,
): TypeInfo {
  return {
    kind,
    field,
    elements,
    ...(a.strategy !== undefined && { patchStrategy: a.strategy }),
    ...(a.key !== undefined && { patchMergeKey: a.key }),
    ...(a.listType !== undefined && { listType: a.listType }),
    ...(a.mapKeys !== undefined && { listMapKeys: a.mapKeys }),
    ...(a.mapType !== undefined && { mapType: a.mapType }),
  };
}

export const scalar = (a: Annotations = {}): TypeInfo =>
  base(
    'scalar',
    a,
    () => undefined,
    () => undefined,
  );
export const obj = (fields: Record<string, TypeInfo>, a: Annotations = {}): TypeInfo =>
  base(
    'object',
    a,
    (n) => (Object.hasOwn(fields, n) ? fields[n] : undefined),
    () => undefined,
  );
export const map = (values: TypeInfo, a: Annotations = {}): TypeInfo =>
  base(
    'map',
    a,
    () => undefined,
    () => values,
  );
export const list = (items: TypeInfo, a: Annotations = {}): TypeInfo =>
  base(
    'array',
    a,
    () => undefined,
    () => items,
  );

const s = scalar();
const labels = map(s);
/** ObjectMeta: labels/annotations maps, finalizers a merge (set) list, ownerReferences keyed by uid. */
export const objectMeta = obj({
  name: s,
  namespace: s,
  uid: s,
  resourceVersion: s,
  generation: s,
  creationTimestamp: s,
  labels,
  annotations: labels,
  finalizers: list(s, { strategy: 'merge', listType: 'set' }),
  ownerReferences: list(obj({ apiVersion: s, kind: s, name: s, uid: s, controller: s }), {
    strategy: 'merge',
    key: 'uid',
    listType: 'map',
    mapKeys: ['uid'],
  }),
  managedFields: list(obj({}), { listType: 'atomic' }),
});

const port = obj({ name: s, containerPort: s, protocol: s, hostPort: s });
const container = obj({
  name: s,
  image: s,
  imagePullPolicy: s,
  args: list(s, { listType: 'atomic' }),
  command: list(s, { listType: 'atomic' }),
  ports: list(port, {
    strategy: 'merge',
    key: 'containerPort',
    listType: 'map',
    mapKeys: ['containerPort', 'protocol'],
  }),
  env: list(obj({ name: s, value: s, valueFrom: obj({ fieldRef: obj({ fieldPath: s }) }) }), {
    strategy: 'merge',
    key: 'name',
    listType: 'map',
    mapKeys: ['name'],
  }),
  resources: obj({ limits: map(s), requests: map(s) }),
  volumeMounts: list(obj({ name: s, mountPath: s }), {
    strategy: 'merge',
    key: 'mountPath',
    listType: 'map',
    mapKeys: ['mountPath'],
  }),
});
const volume = obj({
  name: s,
  emptyDir: obj({ medium: s }),
  configMap: obj({ name: s }),
  hostPath: obj({ path: s }),
  secret: obj({ secretName: s }),
});
/** PodSpec with Kubernetes' real patch metadata for the fields tests touch. */
export const podSpec = obj({
  containers: list(container, { strategy: 'merge', key: 'name', listType: 'map', mapKeys: ['name'] }),
  initContainers: list(container, { strategy: 'merge', key: 'name', listType: 'map', mapKeys: ['name'] }),
  volumes: list(volume, { strategy: 'merge,retainKeys', key: 'name', listType: 'map', mapKeys: ['name'] }),
  nodeSelector: map(s, { mapType: 'atomic' }),
  tolerations: list(obj({ key: s, operator: s, effect: s }), { listType: 'atomic' }),
  restartPolicy: s,
  nodeName: s,
  serviceAccountName: s,
});
export const pod = obj({
  apiVersion: s,
  kind: s,
  metadata: objectMeta,
  spec: podSpec,
  status: obj({ phase: s, podIP: s }),
});

const strategyType = obj(
  { type: s, rollingUpdate: obj({ maxSurge: s, maxUnavailable: s }) },
  { strategy: 'retainKeys' },
);
export const deployment = obj({
  apiVersion: s,
  kind: s,
  metadata: objectMeta,
  spec: obj({
    replicas: s,
    paused: s,
    strategy: strategyType,
    selector: obj({ matchLabels: map(s) }, { mapType: 'atomic' }),
    template: obj({ metadata: objectMeta, spec: podSpec }),
  }),
  status: obj({ replicas: s, readyReplicas: s, observedGeneration: s }),
});
export const configMap = obj({ apiVersion: s, kind: s, metadata: objectMeta, data: map(s), binaryData: map(s) });
