import type { Store } from '../../store/store.js';
import type { WatchCache } from '../watch-cache.js';
import { allocateServiceAddresses, DEFAULT_SERVICE_RANGES, type ServiceRanges } from './service-allocation.js';
import {
  DEFAULT_TOLERATION_SECONDS,
  defaultTolerationSecondsPlugin,
  type DefaultTolerationSeconds,
} from './default-toleration-seconds.js';
import { storageObjectInUseProtection } from './storage-object-in-use-protection.js';
import { limitRangerMutating, limitRangerValidating } from './limit-ranger.js';
import { resourceQuotaPlugin } from './resource-quota.js';
import { AdmissionChain, type AdmissionPlugin } from './plugin.js';

export { AdmissionChain, type AdmissionPlugin, type AdmissionOperation, type AdmissionRequest } from './plugin.js';
export { DEFAULT_TOLERATION_SECONDS, type DefaultTolerationSeconds };

/** Settings of the built-in plugins: plain data, so write workers get the same (workerData). */
export interface AdmissionOptions {
  serviceRanges?: ServiceRanges;
  defaultTolerationSeconds?: DefaultTolerationSeconds;
}

/** The server state impure plugins read: the watch cache, and the store (ResourceQuota writes status.used). */
export interface AdmissionState {
  cache: WatchCache;
  store: Store;
}

/**
 * The server's built-in admission chain. The main thread passes its state; write workers pass none
 * and build the very same chain, of which they only ever run the pure plugins (the impure ones need
 * the cache, and creates they handle are exactly those allPure says so).
 */
export function builtInAdmission(options: AdmissionOptions, state: AdmissionState | undefined): AdmissionChain {
  return new AdmissionChain([
    serviceAddressAllocation(options.serviceRanges ?? DEFAULT_SERVICE_RANGES, state?.cache),
    limitRangerMutating(state?.cache),
    defaultTolerationSecondsPlugin(options.defaultTolerationSeconds ?? DEFAULT_TOLERATION_SECONDS),
    storageObjectInUseProtection,
    limitRangerValidating(state?.cache),
    // Keep ResourceQuota the last plugin: it charges the quota, so nothing after it may refuse.
    resourceQuotaPlugin(state),
  ]);
}

/** Service cluster IP and node port allocation: reads the addresses in use from the watch cache (not pure). */
function serviceAddressAllocation(ranges: ServiceRanges, cache: WatchCache | undefined): AdmissionPlugin {
  return {
    name: 'ServiceAddressAllocation',
    kind: 'mutating',
    pure: false,
    handles: (rt) => rt.group === '' && rt.kind === 'Service',
    admit(operation, _rt, svc, old) {
      if (!cache) throw new Error('service address allocation needs the watch cache (it never runs in a write worker)');
      allocateServiceAddresses(cache, ranges, svc, operation === 'update' ? old : undefined);
    },
  };
}
