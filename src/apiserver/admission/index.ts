import type { WatchCache } from '../watch-cache.js';
import { allocateServiceAddresses, DEFAULT_SERVICE_RANGES, type ServiceRanges } from './service-allocation.js';
import {
  DEFAULT_TOLERATION_SECONDS,
  defaultTolerationSecondsPlugin,
  type DefaultTolerationSeconds,
} from './default-toleration-seconds.js';
import { storageObjectInUseProtection } from './storage-object-in-use-protection.js';
import { AdmissionChain, type AdmissionPlugin } from './plugin.js';

export { AdmissionChain, type AdmissionPlugin, type AdmissionOperation } from './plugin.js';
export { DEFAULT_TOLERATION_SECONDS, type DefaultTolerationSeconds };

/** Settings of the built-in plugins: plain data, so write workers get the same (workerData). */
export interface AdmissionOptions {
  serviceRanges?: ServiceRanges;
  defaultTolerationSeconds?: DefaultTolerationSeconds;
}

/**
 * The server's built-in admission chain. The main thread passes its watch cache; write workers
 * pass none and build the very same chain, of which they only ever run the pure plugins (the
 * impure ones need the cache, and creates they handle are exactly those allPure says so).
 */
export function builtInAdmission(options: AdmissionOptions, cache: WatchCache | undefined): AdmissionChain {
  return new AdmissionChain([
    serviceAddressAllocation(options.serviceRanges ?? DEFAULT_SERVICE_RANGES, cache),
    defaultTolerationSecondsPlugin(options.defaultTolerationSeconds ?? DEFAULT_TOLERATION_SECONDS),
    storageObjectInUseProtection,
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
