import type { RestContext } from '../rest/rest-context.js';
import type { ResourceType } from '../../api/resource-type.js';
import type { KubeObject } from '../../api/object.js';
import { allocateServiceAddresses, DEFAULT_SERVICE_RANGES, type ServiceRanges } from './service-allocation.js';
import { addProtectionFinalizer } from '../../controllers/volume-protection/volume-protection.js';
import {
  addDefaultTolerations,
  DEFAULT_TOLERATION_SECONDS,
  type DefaultTolerationSeconds,
} from './default-toleration-seconds.js';

export interface AdmissionOptions {
  serviceRanges?: ServiceRanges;
  defaultTolerationSeconds?: DefaultTolerationSeconds;
}

export { DEFAULT_TOLERATION_SECONDS, type DefaultTolerationSeconds };

/** The server's built-in mutating admission: Service address allocation, pods' default tolerations, storage object protection. */
export function createAdmission(ctx: RestContext, options: AdmissionOptions = {}): NonNullable<RestContext['admit']> {
  const ranges = options.serviceRanges ?? DEFAULT_SERVICE_RANGES;
  const tolerationSeconds = options.defaultTolerationSeconds ?? DEFAULT_TOLERATION_SECONDS;
  return async (op: 'create' | 'update', rt: ResourceType, obj: KubeObject, old: KubeObject | undefined) => {
    if (rt.group !== '') return;
    if (rt.kind === 'Service') allocateServiceAddresses(ctx.cache, ranges, obj, op === 'update' ? old : undefined);
    else if (rt.kind === 'Pod' && op === 'create') addDefaultTolerations(obj, tolerationSeconds);
    else if (op === 'create') addProtectionFinalizer(rt.kind, obj);
  };
}
