/**
 * The node agent: pods bound to this node run as real containers.
 *
 *   pod informer (spec.nodeName) --> work queue --> PodWorkers.reconcile --> ContainerRuntime (oci: conmon + runc)
 *                                                        |                      |-- CNI network (bridge + host-local)
 *                                                        |                      '-- images (content store, overlay layers)
 *                                                        '--> pods/status (merge patch)      runtime exits --> queue
 */
export {
  startAgent,
  type AgentOptions,
  type RunningAgent,
  type PodNetwork,
  type ClusterDnsServer,
} from './agent.js';
export { ImageStore } from './images/image-store.js';
export { buildBusyboxImage } from './images/busybox-image.js';
