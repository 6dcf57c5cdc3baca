import type { KubeObject } from '../../api/object.js';
import { errors, fieldErrors } from '../../api/errors.js';
import { formatLabelSelector } from '../../api/selectors/index.js';
import { evaluateJsonPath, setAtPath } from '../../api/kinds/json-path.js';

/** A CRD version's scale subresource paths (`.spec.replicas`, `.status.replicas`, `.status.selector`). */
export interface ScalePaths {
  specReplicasPath: string;
  statusReplicasPath: string;
  labelSelectorPath?: string;
}

type ScalableSpec = {
  replicas?: number;
  selector?: {
    matchLabels?: Record<string, string>;
    matchExpressions?: { key: string; operator: string; values?: string[] }[];
  };
};

/** The autoscaling/v1 Scale view of a Deployment, ReplicaSet or StatefulSet. */
export function toScale(obj: KubeObject): KubeObject {
  const spec = (obj.spec ?? {}) as ScalableSpec;
  const status = (obj.status ?? {}) as { replicas?: number };
  const m = obj.metadata;
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: {
      name: m.name,
      namespace: m.namespace,
      uid: m.uid,
      resourceVersion: m.resourceVersion,
      creationTimestamp: m.creationTimestamp,
    },
    spec: { replicas: spec.replicas ?? 0 },
    status: { replicas: status.replicas ?? 0, selector: formatLabelSelector(spec.selector) },
  };
}

/** Writes a (validated) Scale's spec.replicas back into the scaled object. */
export function applyScale(obj: KubeObject, scale: unknown): KubeObject {
  const s = scale as { kind?: string; metadata?: { resourceVersion?: string }; spec?: { replicas?: unknown } };
  if (s?.kind !== undefined && s.kind !== 'Scale')
    throw errors.badRequest(`the kind of the object (${s.kind}) does not match the expected kind (Scale)`);
  const replicas = s?.spec?.replicas ?? 0;
  if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
    throw errors.invalid(
      'Scale',
      obj.metadata.name ?? '',
      [fieldErrors.invalid('spec.replicas', replicas, 'must be greater than or equal to 0')],
      'autoscaling',
    );
  }
  // Scale.spec.replicas is an int32, as is the scaled object's field.
  if (replicas > 2 ** 31 - 1) {
    throw errors.invalid(
      'Scale',
      obj.metadata.name ?? '',
      [
        fieldErrors.invalid(
          'spec.replicas',
          replicas,
          'spec.replicas in body must be of type int32: does not fit in a 32-bit integer',
        ),
      ],
      'autoscaling',
    );
  }
  (obj.spec as ScalableSpec).replicas = replicas;
  if (s.metadata?.resourceVersion) obj.metadata.resourceVersion = s.metadata.resourceVersion;
  return obj;
}

/**
 * The autoscaling/v1 Scale of a custom resource, read through its CRD's scale paths (as
 * kube-apiserver's custom resource scale storage: missing replicas read as 0, the selector is the
 * string found at labelSelectorPath).
 */
export function toCustomScale(obj: KubeObject, paths: ScalePaths): KubeObject {
  const scale = toScale({ ...obj, spec: {}, status: {} });
  const num = (path: string) => {
    const v = evaluateJsonPath(obj, path)[0];
    return typeof v === 'number' ? v : 0;
  };
  const selector = paths.labelSelectorPath ? evaluateJsonPath(obj, paths.labelSelectorPath)[0] : undefined;
  scale.spec = { replicas: num(paths.specReplicasPath) };
  scale.status = { replicas: num(paths.statusReplicasPath), ...(typeof selector === 'string' ? { selector } : {}) };
  return scale;
}

/** Writes a (validated) Scale's spec.replicas into a custom resource at its specReplicasPath. */
export function applyCustomScale(obj: KubeObject, scale: unknown, paths: ScalePaths): KubeObject {
  const probe = applyScale({ ...obj, metadata: { ...obj.metadata }, spec: {} }, scale);
  const replicas = (probe.spec as ScalableSpec).replicas;
  setAtPath(obj as unknown as Record<string, unknown>, paths.specReplicasPath, replicas);
  obj.metadata.resourceVersion = probe.metadata.resourceVersion;
  return obj;
}
