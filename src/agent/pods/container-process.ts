import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import type { ContainerResources } from '../runtime/container-runtime.js';
import type { ImageConfig } from '../images/image-types.js';
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

/** Kubernetes quantity to a number (`100m` -> 0.1, `64Mi` -> 67108864, `1e3` -> 1000). Pure. */
export function parseQuantity(q: string | number): number {
  if (typeof q === 'number') return q;
  const m = /^([+-]?[0-9.]+(?:[eE][+-]?\d+)?)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$/.exec(q.trim());
  if (!m) throw new Error(`invalid quantity ${q}`);
  const mult: Record<string, number> = {
    Ki: 2 ** 10,
    Mi: 2 ** 20,
    Gi: 2 ** 30,
    Ti: 2 ** 40,
    Pi: 2 ** 50,
    Ei: 2 ** 60,
    n: 1e-9,
    u: 1e-6,
    m: 1e-3,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
    P: 1e15,
    E: 1e18,
  };
  return Number(m[1]) * (m[2] ? (mult[m[2]] ?? 1) : 1);
}

/** cgroup settings from requests and limits, as the kubelet computes them (shares from the CPU request, quota from the limit). Pure. */
export function containerResources(c: Container): ContainerResources {
  const req = c.resources?.requests ?? {};
  const lim = c.resources?.limits ?? {};
  const r: ContainerResources = {};
  const cpuReq = req.cpu ?? lim.cpu;
  r.cpuShares = cpuReq !== undefined ? Math.max(2, Math.round(parseQuantity(cpuReq) * 1024)) : 2;
  if (lim.cpu !== undefined) {
    r.cpuPeriodUs = 100_000;
    r.cpuQuotaUs = Math.max(1000, Math.round(parseQuantity(lim.cpu) * 100_000));
  }
  if (lim.memory !== undefined) r.memoryLimitBytes = Math.round(parseQuantity(lim.memory));
  return r;
}
