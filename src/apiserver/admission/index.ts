import type { RestContext } from '../rest/rest-context.js';
import type { ResourceType } from '../../api/resource-type.js';
import type { KubeObject } from '../../api/object.js';
import { allocateServiceAddresses, DEFAULT_SERVICE_RANGES, type ServiceRanges } from './service-allocation.js';

/** The server's built-in mutating admission: address allocation for Services. */
export function createAdmission(ctx: RestContext, ranges: ServiceRanges = DEFAULT_SERVICE_RANGES): NonNullable<RestContext['admit']> {
  return async (op: 'create' | 'update', rt: ResourceType, obj: KubeObject, old: KubeObject | undefined) => {
    if (rt.group === '' && rt.kind === 'Service') allocateServiceAddresses(ctx.cache, ranges, obj, op === 'update' ? old : undefined);
  };
}
