export type {
  ContainerRuntime,
  ContainerSpec,
  ContainerState,
  ContainerStatus,
  ContainerResources,
  ContainerSecurity,
  HostNamespaces,
  Sandbox,
  SandboxSpec,
} from './container-runtime.js';
export { OciRuntime, type OciRuntimeOptions } from './oci/oci-runtime.js';
