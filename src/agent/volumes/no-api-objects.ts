import type { EnvObjects } from '../pods/container-env.js';
import type { VolumeObjects } from './pod-volumes.js';

/** API objects when a pod worker has no source (unit tests, hollow nodes): nothing exists. */
export const NO_API_OBJECTS: VolumeObjects & EnvObjects = {
  configMap: () => undefined,
  secret: () => undefined,
  services: () => [],
  nodeAllocatable: () => ({}),
  claim: () => Promise.resolve(undefined),
  volume: () => Promise.resolve(undefined),
};
