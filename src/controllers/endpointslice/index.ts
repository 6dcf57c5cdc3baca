/**
 * Service endpoints: which pods back each Service.
 *
 *   services, pods, nodes (zone) --> EndpointSliceController --> discovery.k8s.io/v1 EndpointSlices (<= 100 endpoints each)
 *   services, pods              --> EndpointsController     --> core/v1 Endpoints (legacy, same name as the Service)
 */
export { startEndpointControllers, type StartEndpointControllersOptions } from './start-endpoint-controllers.js';
export {
  EndpointSliceController,
  SERVICE_NAME_LABEL,
  MANAGED_BY_LABEL,
  CONTROLLER_NAME,
  HEADLESS_LABEL,
  sliceLabels,
} from './endpointslice-controller.js';
export { EndpointsController } from './endpoints-controller.js';
export { desiredEndpointGroups, findPort, podToEndpoint, isPodReady } from './pod-endpoints.js';
export { planSlices, MAX_ENDPOINTS_PER_SLICE } from './slice-plan.js';
export { endpointSubsets } from './endpoints-subsets.js';
