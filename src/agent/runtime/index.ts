export type {
  ContainerRuntime,
  ContainerSpec,
  ContainerState,
  ContainerStatus,
  ContainerResources,
  Sandbox,
  SandboxSpec,
} from './container-runtime.js';
export { OciRuntime, type OciRuntimeOptions } from './oci/oci-runtime.js';
