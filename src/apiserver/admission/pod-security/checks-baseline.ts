/**
 * The baseline checks of the Pod Security Standards, one function per check version, with the
 * reasons and details Kubernetes' pod-security-admission gives (its messages are what users grep
 * for, so they are kept word for word). Baseline checks also run at restricted unless a restricted
 * check overrides them (see checks.ts).
 */
import type { Container, PodSpec } from 'kubernetes-types/core/v1.js';
import {
  ALLOWED,
  allContainers,
  type CheckPod,
  type CheckResult,
  containersPhrase,
  forbidden,
  goQuote,
  inUserNamespace,
  joinQuote,
  type PodMeta,
  pluralize,
  sortedSet,
} from './check-helpers.js';

const APPARMOR_ANNOTATION_PREFIX = 'container.apparmor.security.beta.kubernetes.io/';
const SECCOMP_POD_ANNOTATION = 'seccomp.security.alpha.kubernetes.io/pod';
const SECCOMP_CONTAINER_ANNOTATION_PREFIX = 'container.seccomp.security.alpha.kubernetes.io/';

/** hostNetwork, hostPID and hostIPC must be unset or false. */
export function hostNamespaces_1_0(_meta: PodMeta, spec: PodSpec): CheckResult {
  const found: string[] = [];
  if (spec.hostNetwork === true) found.push('hostNetwork=true');
  if (spec.hostPID === true) found.push('hostPID=true');
  if (spec.hostIPC === true) found.push('hostIPC=true');
  return found.length > 0 ? forbidden('host namespaces', found.join(', ')) : ALLOWED;
}

/** No privileged containers. */
export function privileged_1_0(_meta: PodMeta, spec: PodSpec): CheckResult {
  const bad = allContainers(spec)
    .filter((c) => c.securityContext?.privileged === true)
    .map((c) => c.name);
  if (bad.length === 0) return ALLOWED;
  return forbidden('privileged', `${containersPhrase(bad)} must not set securityContext.privileged=true`);
}

/** Capabilities beyond the container runtime's default set may not be added. */
const CAPABILITIES_ALLOWED_1_0 = new Set([
  'AUDIT_WRITE',
  'CHOWN',
  'DAC_OVERRIDE',
  'FOWNER',
  'FSETID',
  'KILL',
  'MKNOD',
  'NET_BIND_SERVICE',
  'SETFCAP',
  'SETGID',
  'SETPCAP',
  'SETUID',
  'SYS_CHROOT',
]);

export function capabilitiesBaseline_1_0(_meta: PodMeta, spec: PodSpec): CheckResult {
  const bad: string[] = [];
  const caps: string[] = [];
  for (const c of allContainers(spec)) {
    const extra = (c.securityContext?.capabilities?.add ?? []).filter((cap) => !CAPABILITIES_ALLOWED_1_0.has(cap));
    if (extra.length === 0) continue;
    bad.push(c.name);
    caps.push(...extra);
  }
  if (bad.length === 0) return ALLOWED;
  return forbidden(
    'non-default capabilities',
    `${containersPhrase(bad)} must not include ${joinQuote(sortedSet(caps))} in securityContext.capabilities.add`,
  );
}

/** No hostPath volumes. */
export function hostPathVolumes_1_0(_meta: PodMeta, spec: PodSpec): CheckResult {
  const bad = (spec.volumes ?? []).filter((v) => v.hostPath != null).map((v) => v.name);
  if (bad.length === 0) return ALLOWED;
  return forbidden('hostPath volumes', `${pluralize('volume', 'volumes', bad.length)} ${joinQuote(bad)}`);
}

/** No host ports. */
export function hostPorts_1_0(_meta: PodMeta, spec: PodSpec): CheckResult {
  const bad: string[] = [];
  const ports: string[] = [];
  for (const c of allContainers(spec)) {
    const used = (c.ports ?? []).map((p) => p.hostPort ?? 0).filter((p) => p !== 0);
    if (used.length === 0) continue;
    bad.push(c.name);
    ports.push(...used.map(String));
  }
  if (bad.length === 0) return ALLOWED;
  const unique = sortedSet(ports);
  return forbidden(
    'hostPort',
    `${containersPhrase(bad)} ${pluralize('uses', 'use', bad.length)} ${pluralize('hostPort', 'hostPorts', unique.length)} ${unique.join(', ')}`,
  );
}

/** AppArmor: the profile type may only be RuntimeDefault or Localhost; the beta annotations runtime/default or localhost/*. */
export function appArmorProfile_1_0(meta: PodMeta, spec: PodSpec): CheckResult {
  const setters: string[] = [];
  const values: string[] = [];
  const allowedType = (t: string | undefined) => t === 'RuntimeDefault' || t === 'Localhost';
  const podProfile = spec.securityContext?.appArmorProfile;
  if (podProfile != null && !allowedType(podProfile.type)) {
    setters.push('pod');
    values.push(podProfile.type ?? '');
  }
  const bad: string[] = [];
  for (const c of allContainers(spec)) {
    const profile = c.securityContext?.appArmorProfile;
    if (profile == null || allowedType(profile.type)) continue;
    bad.push(c.name);
    values.push(profile.type ?? '');
  }
  if (bad.length > 0) setters.push(containersPhrase(bad));
  const annotations: string[] = [];
  for (const [k, v] of Object.entries(meta.annotations ?? {})) {
    if (!k.startsWith(APPARMOR_ANNOTATION_PREFIX)) continue;
    if (v === '' || v === 'runtime/default' || v.startsWith('localhost/')) continue;
    annotations.push(`${k}=${goQuote(v)}`);
  }
  const all = sortedSet(values);
  if (annotations.length > 0) {
    all.push(...annotations.sort());
    setters.push(pluralize('annotation', 'annotations', annotations.length));
  }
  if (setters.length === 0) return ALLOWED;
  return forbidden(
    pluralize('forbidden AppArmor profile', 'forbidden AppArmor profiles', all.length),
    `${setters.join(' and ')} must not set AppArmor profile type to ${joinQuote(all)}`,
  );
}

/** SELinux: type among the container types, no user, no role. v1.31 adds container_engine_t. */
function seLinuxOptions(allowedTypes: ReadonlySet<string>): CheckPod {
  return (_meta, spec) => {
    const badTypes: string[] = [];
    let setUser = false;
    let setRole = false;
    const valid = (o: { type?: string; user?: string; role?: string }) => {
      let ok = true;
      if (!allowedTypes.has(o.type ?? '')) {
        ok = false;
        badTypes.push(o.type ?? '');
      }
      if (o.user) {
        ok = false;
        setUser = true;
      }
      if (o.role) {
        ok = false;
        setRole = true;
      }
      return ok;
    };
    const setters: string[] = [];
    const podOptions = spec.securityContext?.seLinuxOptions;
    if (podOptions != null && !valid(podOptions)) setters.push('pod');
    const bad = allContainers(spec)
      .filter((c) => c.securityContext?.seLinuxOptions != null && !valid(c.securityContext.seLinuxOptions))
      .map((c) => c.name);
    if (bad.length > 0) setters.push(containersPhrase(bad));
    if (setters.length === 0) return ALLOWED;
    const data: string[] = [];
    const types = sortedSet(badTypes);
    if (types.length > 0) data.push(`${pluralize('type', 'types', types.length)} ${joinQuote(types)}`);
    if (setUser) data.push('user may not be set');
    if (setRole) data.push('role may not be set');
    return forbidden(
      'seLinuxOptions',
      `${setters.join(' and ')} set forbidden securityContext.seLinuxOptions: ${data.join('; ')}`,
    );
  };
}

const SELINUX_TYPES_1_0 = new Set(['', 'container_t', 'container_init_t', 'container_kvm_t']);
export const seLinuxOptions_1_0 = seLinuxOptions(SELINUX_TYPES_1_0);
export const seLinuxOptions_1_31 = seLinuxOptions(new Set([...SELINUX_TYPES_1_0, 'container_engine_t']));

/** procMount must be unset or Default. */
export function procMount_1_0(_meta: PodMeta, spec: PodSpec): CheckResult {
  const bad: string[] = [];
  const types: string[] = [];
  for (const c of allContainers(spec)) {
    const mount = c.securityContext?.procMount;
    if (mount == null || mount === 'Default') continue;
    bad.push(c.name);
    types.push(mount);
  }
  if (bad.length === 0) return ALLOWED;
  return forbidden(
    'procMount',
    `${containersPhrase(bad)} must not set securityContext.procMount to ${joinQuote(sortedSet(types))}`,
  );
}

/** From v1.35 baseline allows an unmasked /proc for pods in a user namespace (restricted still does not). */
export function procMountBaseline_1_35(meta: PodMeta, spec: PodSpec): CheckResult {
  return inUserNamespace(spec) ? ALLOWED : procMount_1_0(meta, spec);
}

function validSeccompAnnotation(v: string): boolean {
  return v === 'runtime/default' || v === 'docker/default' || v.startsWith('localhost/');
}

/** Before v1.19 seccomp was set by annotations: they may not name another profile (unconfined). */
export function seccompProfileBaseline_1_0(meta: PodMeta, spec: PodSpec): CheckResult {
  const annotations = meta.annotations ?? {};
  const bad: string[] = [];
  const podValue = annotations[SECCOMP_POD_ANNOTATION];
  if (podValue !== undefined && !validSeccompAnnotation(podValue))
    bad.push(`${SECCOMP_POD_ANNOTATION}=${goQuote(podValue)}`);
  for (const c of allContainers(spec)) {
    const key = SECCOMP_CONTAINER_ANNOTATION_PREFIX + c.name;
    const v = annotations[key];
    if (v !== undefined && !validSeccompAnnotation(v)) bad.push(`${key}=${goQuote(v)}`);
  }
  if (bad.length === 0) return ALLOWED;
  const unique = sortedSet(bad);
  return forbidden(
    'seccompProfile',
    `forbidden ${pluralize('annotation', 'annotations', unique.length)} ${unique.join(', ')}`,
  );
}

/** What the seccomp checks find: who set a bad type, which types, and who set none (restricted needs one). */
export function seccompFindings(spec: PodSpec): {
  setters: string[];
  explicit: string[];
  implicit: string[];
  values: string[];
} {
  const valid = (t: string | undefined) => t === 'RuntimeDefault' || t === 'Localhost';
  const setters: string[] = [];
  const values: string[] = [];
  let podSet = false;
  const podProfile = spec.securityContext?.seccompProfile;
  if (podProfile != null) {
    if (valid(podProfile.type)) podSet = true;
    else {
      setters.push('pod');
      values.push(podProfile.type ?? '');
    }
  }
  const explicit: string[] = [];
  const implicit: string[] = [];
  for (const c of allContainers(spec)) {
    const profile = c.securityContext?.seccompProfile;
    if (profile != null) {
      if (!valid(profile.type)) {
        explicit.push(c.name);
        values.push(profile.type ?? '');
      }
    } else if (!podSet) implicit.push(c.name);
  }
  return { setters, explicit, implicit, values: sortedSet(values) };
}

/** seccompProfile.type, where set, must be RuntimeDefault or Localhost. */
export function seccompProfileBaseline_1_19(_meta: PodMeta, spec: PodSpec): CheckResult {
  const f = seccompFindings(spec);
  const setters = [...f.setters];
  if (f.explicit.length > 0) setters.push(containersPhrase(f.explicit));
  if (setters.length === 0) return ALLOWED;
  return forbidden(
    'seccompProfile',
    `${setters.join(' and ')} must not set securityContext.seccompProfile.type to ${joinQuote(f.values)}`,
  );
}

/** Only sysctls that are namespaced and isolated from other pods; the allowed set grew in v1.27, v1.29 and v1.32. */
function sysctls(allowed: ReadonlySet<string>): CheckPod {
  return (_meta, spec) => {
    const bad = (spec.securityContext?.sysctls ?? []).map((s) => s.name).filter((n) => !allowed.has(n));
    return bad.length > 0 ? forbidden('forbidden sysctls', bad.join(', ')) : ALLOWED;
  };
}

const SYSCTLS_1_0 = [
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range',
  'net.ipv4.ip_unprivileged_port_start',
];
const SYSCTLS_1_27 = [...SYSCTLS_1_0, 'net.ipv4.ip_local_reserved_ports'];
const SYSCTLS_1_29 = [
  ...SYSCTLS_1_27,
  'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes',
];
const SYSCTLS_1_32 = [...SYSCTLS_1_29, 'net.ipv4.tcp_rmem', 'net.ipv4.tcp_wmem'];
export const sysctls_1_0 = sysctls(new Set(SYSCTLS_1_0));
export const sysctls_1_27 = sysctls(new Set(SYSCTLS_1_27));
export const sysctls_1_29 = sysctls(new Set(SYSCTLS_1_29));
export const sysctls_1_32 = sysctls(new Set(SYSCTLS_1_32));

/** No Windows HostProcess containers (pod or container level). */
export function windowsHostProcess_1_0(_meta: PodMeta, spec: PodSpec): CheckResult {
  const setters: string[] = [];
  if (spec.securityContext?.windowsOptions?.hostProcess === true) setters.push('pod');
  const bad = allContainers(spec)
    .filter((c) => c.securityContext?.windowsOptions?.hostProcess === true)
    .map((c) => c.name);
  if (bad.length > 0) setters.push(containersPhrase(bad));
  if (setters.length === 0) return ALLOWED;
  return forbidden(
    'hostProcess',
    `${setters.join(' and ')} must not set securityContext.windowsOptions.hostProcess=true`,
  );
}

type Handler = { httpGet?: { host?: string } | null; tcpSocket?: { host?: string } | null } | null | undefined;

function handlerHosts(h: Handler): string[] {
  if (h == null) return [];
  const hosts: string[] = [];
  if (h.httpGet?.host) hosts.push(h.httpGet.host);
  if (h.tcpSocket?.host) hosts.push(h.tcpSocket.host);
  return hosts;
}

function containerHosts(c: Container): string[] {
  return [
    ...handlerHosts(c.livenessProbe),
    ...handlerHosts(c.readinessProbe),
    ...handlerHosts(c.startupProbe),
    ...handlerHosts(c.lifecycle?.postStart),
    ...handlerHosts(c.lifecycle?.preStop),
  ];
}

/** From v1.34: probes and lifecycle handlers may not name a host (they would reach the node's or another address). */
export function hostProbesAndHostLifecycle_1_34(_meta: PodMeta, spec: PodSpec): CheckResult {
  const bad: string[] = [];
  const hosts: string[] = [];
  for (const c of allContainers(spec)) {
    const found = containerHosts(c);
    if (found.length === 0) continue;
    bad.push(c.name);
    hosts.push(...found);
  }
  if (bad.length === 0) return ALLOWED;
  const names = sortedSet(bad);
  const unique = sortedSet(hosts);
  return forbidden(
    'probe or lifecycle host',
    `${containersPhrase(names)} ${pluralize('uses', 'use', names.length)} ${pluralize('probe or lifecycle host', 'probe or lifecycle hosts', unique.length)} ${joinQuote(unique)}`,
  );
}
