import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import type { ContainerSecurity } from '../runtime/container-runtime.js';

/**
 * securityContext as the kubelet resolves it for the runtime:
 *
 *   pod.spec.securityContext  --+--> container fields win (runAsUser/Group/NonRoot, seccompProfile)
 *   container.securityContext --+--> ContainerSecurity (capabilities, privileged, no_new_privs, seccomp,
 *                                    read-only root, procMount, sysctls, groups, host namespaces)
 *   checks before a start: runAsNonRoot (CreateContainerConfigError), sysctls (pod rejected: SysctlForbidden)
 */

/** The sysctls the kubelet allows without --allowed-unsafe-sysctls (namespaced and isolated per pod). */
export const SAFE_SYSCTLS = [
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range',
  'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.ip_local_reserved_ports',
  'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes',
  'net.ipv4.tcp_rmem',
  'net.ipv4.tcp_wmem',
];

/** The kubelet's pod rejection reason for a sysctl not allowed on the node. */
export const SYSCTL_FORBIDDEN = 'SysctlForbidden';

/** IPC-namespaced sysctls by name; other namespaced ones go by prefix (net., fs.mqueue.). */
const IPC_SYSCTLS = new Set([
  'kernel.sem',
  'kernel.shmall',
  'kernel.shmmax',
  'kernel.shmmni',
  'kernel.msgmax',
  'kernel.msgmnb',
  'kernel.msgmni',
  'kernel.shm_rmid_forced',
]);

/** The namespace a sysctl belongs to, if it is namespaced at all. Pure. */
export function sysctlNamespace(name: string): 'net' | 'ipc' | undefined {
  if (name.startsWith('net.')) return 'net';
  if (IPC_SYSCTLS.has(name) || name.startsWith('fs.mqueue.')) return 'ipc';
  return undefined;
}

/** `net/ipv4/conf/eth0.100/forwarding` -> `net.ipv4.conf.eth0/100.forwarding` (the kubelet's normal form). Pure. */
export function normalizeSysctlName(name: string): string {
  const first = name.search(/[./]/);
  if (first < 0 || name[first] === '.') return name;
  return name.replace(/[./]/g, (c) => (c === '/' ? '.' : '/'));
}

/**
 * Checks --allowed-unsafe-sysctls patterns as the kubelet does at start: each name or `prefix*` must
 * be namespaced (net.*, fs.mqueue.*, the IPC kernel.* ones); throws with the kubelet's message. Pure.
 */
export function checkAllowedUnsafeSysctls(patterns: readonly string[]): void {
  for (const raw of patterns) {
    const p = normalizeSysctlName(raw);
    if (!/^[a-z0-9]([-_a-z0-9]*[a-z0-9])?([./][a-z0-9]([-_a-z0-9]*[a-z0-9])?)*(\.\*|\*)?$/.test(p) || p.length > 253)
      throw new Error(
        `sysctl ${JSON.stringify(raw)} must have at most 253 characters and match a sysctl name or pattern`,
      );
    if (p.endsWith('*') ? !sysctlNamespace(p.slice(0, -1)) : !sysctlNamespace(p))
      throw new Error(
        p.endsWith('*')
          ? `the sysctls ${JSON.stringify(p)} are not known to be namespaced`
          : `the sysctl ${JSON.stringify(p)} are not known to be namespaced`,
      );
  }
}

/**
 * The kubelet's sysctl admission: each of the pod's sysctls must be on the safe list or match one
 * of `allowedUnsafe` (names or `prefix*` patterns, as --allowed-unsafe-sysctls), and a net or IPC
 * sysctl may not be set on a pod sharing that namespace with the host. Returns the rejection
 * (reason SysctlForbidden, the kubelet's message) or undefined. Pure.
 */
export function sysctlRejection(
  pod: Pod,
  allowedUnsafe: readonly string[] = [],
): { reason: string; message: string } | undefined {
  const sysctls = pod.spec?.securityContext?.sysctls ?? [];
  const patterns = [...SAFE_SYSCTLS, ...allowedUnsafe].map(normalizeSysctlName);
  for (const s of sysctls) {
    const name = normalizeSysctlName(s.name);
    const allowed = patterns.some((p) => (p.endsWith('*') ? name.startsWith(p.slice(0, -1)) : p === name));
    let err: string | undefined;
    const ns = sysctlNamespace(name);
    if (!allowed || !ns) err = `${JSON.stringify(name)} not allowlisted`;
    else if (ns === 'ipc' && pod.spec?.hostIPC) err = `${JSON.stringify(name)} not allowed with host ipc enabled`;
    else if (ns === 'net' && pod.spec?.hostNetwork) err = `${JSON.stringify(name)} not allowed with host net enabled`;
    if (err) return { reason: SYSCTL_FORBIDDEN, message: `forbidden sysctl: ${err}` };
  }
  return undefined;
}

/**
 * The runtime's view of a container's securityContext, the pod's as the fallback: capabilities,
 * privileged, no_new_privs (only when allowPrivilegeEscalation is false, as the kubelet's
 * AddNoNewPrivileges), seccomp (the container's profile, else the pod's, else RuntimeDefault when
 * `seccompDefault` as the kubelet's --seccomp-default, else none), read-only root, procMount, the
 * pod's sysctls, fsGroup then supplementalGroups as extra groups, host namespaces. Pure.
 */
export function containerSecurity(pod: Pod, c: Container, o: { seccompDefault?: boolean } = {}): ContainerSecurity {
  const psc = pod.spec?.securityContext ?? {};
  const sc = c.securityContext ?? {};
  const out: ContainerSecurity = {};
  if (sc.privileged) out.privileged = true;
  if (sc.capabilities?.add?.length || sc.capabilities?.drop?.length)
    out.capabilities = { add: sc.capabilities.add ?? [], drop: sc.capabilities.drop ?? [] };
  if (sc.allowPrivilegeEscalation === false) out.noNewPrivileges = true;
  const seccomp =
    sc.seccompProfile ?? psc.seccompProfile ?? (o.seccompDefault ? { type: 'RuntimeDefault' } : undefined);
  if (seccomp?.type === 'RuntimeDefault' || seccomp?.type === 'Unconfined' || seccomp?.type === 'Localhost')
    out.seccomp = {
      type: seccomp.type,
      ...(seccomp.localhostProfile !== undefined ? { localhostProfile: seccomp.localhostProfile } : {}),
    };
  if (sc.readOnlyRootFilesystem) out.readOnlyRootFilesystem = true;
  if (sc.procMount === 'Unmasked') out.procMount = 'Unmasked';
  if (psc.sysctls?.length)
    out.sysctls = Object.fromEntries(psc.sysctls.map((s) => [normalizeSysctlName(s.name), s.value]));
  const groups = [...(psc.fsGroup !== undefined ? [psc.fsGroup] : []), ...(psc.supplementalGroups ?? [])];
  if (groups.length) out.supplementalGroups = [...new Set(groups)];
  const spec = pod.spec;
  if (spec?.hostNetwork || spec?.hostPID || spec?.hostIPC)
    out.hostNamespaces = {
      ...(spec.hostNetwork ? { network: true } : {}),
      ...(spec.hostPID ? { pid: true } : {}),
      ...(spec.hostIPC ? { ipc: true } : {}),
    };
  return out;
}

/**
 * The kubelet's runAsNonRoot check (verifyRunAsNonRoot) before a container is created: with
 * runAsNonRoot true, a runAsUser of 0 or an image user that is root (no user, uid 0) is refused, and
 * an image user given by name cannot be verified. `imageUser` is the image config's User. Returns the
 * kubelet's message (a CreateContainerConfigError) or undefined. Pure.
 */
export function runAsNonRootError(pod: Pod, c: Container, imageUser: string): string | undefined {
  const psc = pod.spec?.securityContext;
  const sc = c.securityContext;
  if ((sc?.runAsNonRoot ?? psc?.runAsNonRoot) !== true) return undefined;
  const who = `(pod: ${JSON.stringify(`${pod.metadata?.name}_${pod.metadata?.namespace}(${pod.metadata?.uid})`)}, container: ${c.name})`;
  const runAsUser = sc?.runAsUser ?? psc?.runAsUser;
  if (runAsUser !== undefined)
    return runAsUser === 0 ? `container's runAsUser breaks non-root policy ${who}` : undefined;
  const u = imageUser.split(':')[0] ?? '';
  if (u === '' || u === '0') return `container has runAsNonRoot and image will run as root ${who}`;
  if (!/^\d+$/.test(u))
    return `container has runAsNonRoot and image has non-numeric user (${u}), cannot verify user is non-root ${who}`;
  return undefined;
}
