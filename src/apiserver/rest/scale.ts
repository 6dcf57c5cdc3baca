import type { KubeObject } from '../../api/object.js';
import { errors, fieldErrors } from '../../api/errors.js';
import { formatLabelSelector } from '../../api/selectors/index.js';

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
