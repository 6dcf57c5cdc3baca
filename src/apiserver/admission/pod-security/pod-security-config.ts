/**
 * The cluster-wide Pod Security settings: Kubernetes' PodSecurityConfiguration (defaults for
 * namespaces without labels, and exemptions by username, runtime class and namespace), read from
 * an AdmissionConfiguration document or from the `--pod-security-default` flag. Pure: the caller
 * reads the file.
 */
import { isLevel, type Level, parseVersion, type Policy, PRIVILEGED_POLICY, type Version } from './policy-levels.js';

export interface PodSecurityExemptions {
  usernames: string[];
  runtimeClasses: string[];
  namespaces: string[];
}

/** Validated settings, as the admission plugin uses them. */
export interface PodSecuritySettings {
  defaults: Policy;
  exemptions: PodSecurityExemptions;
}

export const DEFAULT_POD_SECURITY: PodSecuritySettings = {
  defaults: PRIVILEGED_POLICY,
  exemptions: { usernames: [], runtimeClasses: [], namespaces: [] },
};

/** A configuration that cannot be used; the message names the field. */
export class PodSecurityConfigError extends Error {}

const CONFIG_VERSIONS = new Set([
  'pod-security.admission.config.k8s.io/v1',
  'pod-security.admission.config.k8s.io/v1beta1',
  'pod-security.admission.config.k8s.io/v1alpha1',
]);
const MODES = ['enforce', 'audit', 'warn'] as const;

/**
 * A PodSecurityConfiguration object (apiVersion pod-security.admission.config.k8s.io/v1, v1beta1
 * or v1alpha1; kind PodSecurityConfiguration) to settings. Levels default to privileged and
 * versions to latest, as Kubernetes defaults them. Throws PodSecurityConfigError on a bad value.
 */
export function parsePodSecurityConfiguration(doc: unknown): PodSecuritySettings {
  if (!isObject(doc)) throw new PodSecurityConfigError('PodSecurityConfiguration: expected an object');
  if (doc.kind !== undefined && doc.kind !== 'PodSecurityConfiguration')
    throw new PodSecurityConfigError(`PodSecurityConfiguration: unexpected kind ${JSON.stringify(doc.kind)}`);
  if (doc.apiVersion !== undefined && !CONFIG_VERSIONS.has(String(doc.apiVersion)))
    throw new PodSecurityConfigError(
      `PodSecurityConfiguration: unsupported apiVersion ${JSON.stringify(doc.apiVersion)} (want ${[...CONFIG_VERSIONS].join(', ')})`,
    );
  const defaults = doc.defaults === undefined ? {} : doc.defaults;
  if (!isObject(defaults)) throw new PodSecurityConfigError('defaults: expected an object');
  const policy = policyFromKeyValues(defaults, 'defaults');
  const ex = doc.exemptions === undefined ? {} : doc.exemptions;
  if (!isObject(ex)) throw new PodSecurityConfigError('exemptions: expected an object');
  return {
    defaults: policy,
    exemptions: {
      usernames: stringList(ex.usernames, 'exemptions.usernames', () => undefined),
      runtimeClasses: stringList(ex.runtimeClasses, 'exemptions.runtimeClasses', dnsSubdomainError),
      namespaces: stringList(ex.namespaces, 'exemptions.namespaces', dnsLabelError),
    },
  };
}

/**
 * An AdmissionConfiguration document (apiserver.config.k8s.io/v1 or v1alpha1, or the older
 * apiserver.k8s.io/v1alpha1): the PodSecurity plugin's embedded configuration. `readPath` reads a
 * plugin entry's `path` (relative paths are the caller's to resolve). Undefined when the document
 * configures no PodSecurity plugin.
 */
export function podSecurityFromAdmissionConfiguration(
  doc: unknown,
  readPath: (path: string) => unknown,
): PodSecuritySettings | undefined {
  if (!isObject(doc)) throw new PodSecurityConfigError('AdmissionConfiguration: expected an object');
  if (doc.kind === 'PodSecurityConfiguration') return parsePodSecurityConfiguration(doc);
  if (doc.kind !== 'AdmissionConfiguration')
    throw new PodSecurityConfigError(`AdmissionConfiguration: unexpected kind ${JSON.stringify(doc.kind)}`);
  const plugins = doc.plugins ?? [];
  if (!Array.isArray(plugins)) throw new PodSecurityConfigError('AdmissionConfiguration: plugins must be a list');
  const entry = plugins.find((p) => isObject(p) && p.name === 'PodSecurity') as Record<string, unknown> | undefined;
  if (!entry) return undefined;
  if (entry.configuration !== undefined) return parsePodSecurityConfiguration(entry.configuration);
  if (typeof entry.path === 'string') return parsePodSecurityConfiguration(readPath(entry.path));
  return DEFAULT_POD_SECURITY;
}

/**
 * `--pod-security-default`: comma-separated `mode=level` and `mode-version=v1.N|latest` pairs
 * (modes enforce, audit, warn), the keys of PodSecurityConfiguration.defaults; unset modes stay
 * privileged:latest. Example: `enforce=baseline,warn=restricted,audit=restricted`. A bare level
 * (`privileged`, `baseline`, `restricted`) sets all three modes to it.
 */
export function parsePodSecurityDefault(flag: string): Policy {
  const bare = flag.trim();
  if (isLevel(bare)) return policyFromKeyValues({ enforce: bare, audit: bare, warn: bare }, '--pod-security-default');
  const values: Record<string, string> = {};
  for (const part of flag.split(',')) {
    const item = part.trim();
    if (item === '') continue;
    const eq = item.indexOf('=');
    if (eq < 0) throw new PodSecurityConfigError(`--pod-security-default: "${item}" is not key=value`);
    const key = item.slice(0, eq).trim();
    if (key in values) throw new PodSecurityConfigError(`--pod-security-default: ${key} given twice`);
    values[key] = item.slice(eq + 1).trim();
  }
  return policyFromKeyValues(values, '--pod-security-default');
}

function policyFromKeyValues(values: Record<string, unknown>, where: string): Policy {
  const known = new Set(MODES.flatMap((m) => [m, `${m}-version`]));
  for (const k of Object.keys(values))
    if (!known.has(k))
      throw new PodSecurityConfigError(`${where}: unknown key "${k}" (known: ${[...known].join(', ')})`);
  const lv = (mode: (typeof MODES)[number]) => {
    const level = values[mode] ?? 'privileged';
    if (typeof level !== 'string' || !isLevel(level))
      throw new PodSecurityConfigError(
        `${where}.${mode}: Unsupported value: ${JSON.stringify(level)}: supported values: "privileged", "baseline", "restricted"`,
      );
    const versionText = values[`${mode}-version`] ?? 'latest';
    const parsed = typeof versionText === 'string' ? parseVersion(versionText) : { version: 0, error: 'x' };
    if (parsed.error !== undefined)
      throw new PodSecurityConfigError(
        `${where}.${mode}-version: Invalid value: ${JSON.stringify(versionText)}: must be "latest" or "v1.x"`,
      );
    return { level: level as Level, version: parsed.version as Version };
  };
  return { enforce: lv('enforce'), audit: lv('audit'), warn: lv('warn') };
}

function stringList(v: unknown, where: string, check: (s: string) => string | undefined): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new PodSecurityConfigError(`${where}: expected a list of strings`);
  const seen = new Set<string>();
  v.forEach((s, i) => {
    if (typeof s !== 'string' || s === '')
      throw new PodSecurityConfigError(
        `${where}[${i}]: Invalid value: ${JSON.stringify(s)}: must be a non-empty string`,
      );
    const err = check(s);
    if (err) throw new PodSecurityConfigError(`${where}[${i}]: Invalid value: ${JSON.stringify(s)}: ${err}`);
    if (seen.has(s)) throw new PodSecurityConfigError(`${where}[${i}]: Duplicate value: ${JSON.stringify(s)}`);
    seen.add(s);
  });
  return v as string[];
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
function dnsLabelError(s: string): string | undefined {
  return s.length <= 63 && DNS_LABEL.test(s) ? undefined : 'must be a valid namespace name (RFC 1123 label)';
}
function dnsSubdomainError(s: string): string | undefined {
  return s.length <= 253 && s.split('.').every((p) => DNS_LABEL.test(p))
    ? undefined
    : 'must be a valid runtime class name (RFC 1123 subdomain)';
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
