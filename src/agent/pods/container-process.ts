import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import type { ContainerResources } from '../runtime/container-runtime.js';
import type { ImageConfig } from '../images/image-types.js';
import { mustParseQuantity } from '../../api/validation/quantity.js';
import { buildContainerEnv } from './container-env.js';

/**
 * The process a container runs, as Kubernetes decides it: `command` replaces the image's
 * ENTRYPOINT (and drops its CMD), `args` replaces CMD; `$(VAR)` in command and args expands from
 * the container's env (`$$(VAR)` stays literal, unknown references stay as written). Pure.
 */
export function containerArgs(c: Container, image: ImageConfig, env: string[]): string[] {
  const vars = new Map(env.map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
  const expand = (s: string): string =>
    s.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (m, name: string | undefined) =>
      name === undefined ? '$' : (vars.get(name) ?? m),
    );
  const entry = c.command?.length ? c.command.map(expand) : image.entrypoint;
  const cmd = c.args?.length ? c.args.map(expand) : c.command?.length ? [] : image.cmd;
  return [...entry, ...cmd];
}

/**
 * The container's environment without API objects (literal values and fieldRefs); see
 * buildContainerEnv in container-env.ts for the whole of it. Pure.
 */
export function containerEnv(pod: Pod, c: Container, image: ImageConfig, podIP: string, hostIP: string): string[] {
  return buildContainerEnv({ pod, container: c, image, podIP, hostIP });
}

/** The user the container runs as: securityContext runAsUser/runAsGroup (container over pod), else the image's. Pure. */
export function containerUser(pod: Pod, c: Container, image: ImageConfig): string {
  const uid = c.securityContext?.runAsUser ?? pod.spec?.securityContext?.runAsUser;
  const gid = c.securityContext?.runAsGroup ?? pod.spec?.securityContext?.runAsGroup;
  if (uid === undefined) return gid === undefined ? image.user : `${image.user.split(':')[0] || '0'}:${gid}`;
  return gid === undefined ? String(uid) : `${uid}:${gid}`;
}

/** cgroup settings from requests and limits, as the kubelet computes them (shares from the CPU request, quota from the limit). Pure. */
export function containerResources(c: Container): ContainerResources {
  const req = c.resources?.requests ?? {};
  const lim = c.resources?.limits ?? {};
  const r: ContainerResources = {};
  const cpuReq = req.cpu ?? lim.cpu;
  r.cpuShares = cpuReq !== undefined ? Math.max(2, Math.round(mustParseQuantity(cpuReq) * 1024)) : 2;
  if (lim.cpu !== undefined) {
    r.cpuPeriodUs = 100_000;
    r.cpuQuotaUs = Math.max(1000, Math.round(mustParseQuantity(lim.cpu) * 100_000));
  }
  if (lim.memory !== undefined) r.memoryLimitBytes = Math.round(mustParseQuantity(lim.memory));
  return r;
}
