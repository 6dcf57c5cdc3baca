/**
 * Pod Security levels, policy versions and the namespace labels that select them, as
 * k8s.io/pod-security-admission's api package defines them (labels `pod-security.kubernetes.io/<mode>`
 * and `<mode>-version`, levels privileged < baseline < restricted, versions `v1.N` or `latest`).
 */
import type { FieldError } from '../../../api/errors.js';
import { fieldErrors } from '../../../api/errors.js';

export type Level = 'privileged' | 'baseline' | 'restricted';
export const LEVELS: readonly Level[] = ['privileged', 'baseline', 'restricted'];

export const LABEL_PREFIX = 'pod-security.kubernetes.io/';
export const ENFORCE_LEVEL_LABEL = `${LABEL_PREFIX}enforce`;
export const ENFORCE_VERSION_LABEL = `${LABEL_PREFIX}enforce-version`;
export const AUDIT_LEVEL_LABEL = `${LABEL_PREFIX}audit`;
export const AUDIT_VERSION_LABEL = `${LABEL_PREFIX}audit-version`;
export const WARN_LEVEL_LABEL = `${LABEL_PREFIX}warn`;
export const WARN_VERSION_LABEL = `${LABEL_PREFIX}warn-version`;

/** Audit annotation keys (Kubernetes prefixes them with LABEL_PREFIX). */
export const AUDIT_ANNOTATION_EXEMPT = `${LABEL_PREFIX}exempt`;
export const AUDIT_ANNOTATION_VIOLATIONS = `${LABEL_PREFIX}audit-violations`;
export const AUDIT_ANNOTATION_ENFORCE_POLICY = `${LABEL_PREFIX}enforce-policy`;
export const AUDIT_ANNOTATION_ERROR = `${LABEL_PREFIX}error`;

/** A policy version: `v1.<minor>` (minor), or latest (Infinity: newer than any number). */
export type Version = number;
export const LATEST: Version = Number.POSITIVE_INFINITY;

export function versionString(v: Version): string {
  return v === LATEST ? 'latest' : `v1.${v}`;
}

export interface LevelVersion {
  level: Level;
  version: Version;
}

/** `baseline:v1.30`, `restricted:latest`: how messages name a level and version. */
export function levelVersionString(lv: LevelVersion): string {
  return `${lv.level}:${versionString(lv.version)}`;
}

export function sameLevelVersion(a: LevelVersion, b: LevelVersion): boolean {
  return a.level === b.level && a.version === b.version;
}

/** The level and version per mode. */
export interface Policy {
  enforce: LevelVersion;
  audit: LevelVersion;
  warn: LevelVersion;
}

/** Kubernetes' default when nothing is configured: privileged:latest for every mode. */
export const PRIVILEGED_POLICY: Policy = {
  enforce: { level: 'privileged', version: LATEST },
  audit: { level: 'privileged', version: LATEST },
  warn: { level: 'privileged', version: LATEST },
};

export function isLevel(s: string): s is Level {
  return s === 'privileged' || s === 'baseline' || s === 'restricted';
}

/** ParseLevel: an unknown level reads as restricted (fail closed) with an error text. */
export function parseLevel(s: string): { level: Level; error?: string } {
  if (isLevel(s)) return { level: s };
  return { level: 'restricted', error: `must be one of ${LEVELS.join(', ')}` };
}

const VERSION_RE = /^v1\.([0-9]|[1-9][0-9]*)$/;

/** ParseVersion: `latest` or `v1.N` (no leading zeros); anything else reads as latest with an error text. */
export function parseVersion(s: string): { version: Version; error?: string } {
  if (s === 'latest') return { version: LATEST };
  const m = VERSION_RE.exec(s);
  if (!m) return { version: LATEST, error: 'must be "latest" or "v1.x"' };
  const minor = Number(m[1]);
  if (!Number.isSafeInteger(minor)) return { version: LATEST, error: 'must be "latest" or "v1.x"' };
  return { version: minor };
}

/** -1 when a is less strict than b, 0 when equal, 1 when stricter. */
export function compareLevels(a: Level, b: Level): number {
  return Math.sign(LEVELS.indexOf(a) - LEVELS.indexOf(b));
}

/**
 * PolicyToEvaluate: the namespace labels over the defaults. Always returns a usable policy, with a
 * field error per bad label (metadata.labels[<label>]): a bad enforce level reads as restricted
 * (fail closed), a bad audit or warn level as privileged (fail open), a bad version as latest. As
 * since Kubernetes 1.26, a namespace that sets a valid enforce level but no warn level warns at
 * the enforce level (and version, unless warn-version is set) when the default warn is less strict.
 */
export function policyToEvaluate(
  labels: Readonly<Record<string, string>> | undefined,
  defaults: Policy,
): { policy: Policy; errors: FieldError[] } {
  const p: Policy = { enforce: { ...defaults.enforce }, audit: { ...defaults.audit }, warn: { ...defaults.warn } };
  const errs: FieldError[] = [];
  if (!labels) return { policy: p, errors: errs };
  const bad = (label: string, value: string, error: string | undefined) => {
    if (error !== undefined) errs.push(fieldErrors.invalid(`metadata.labels[${label}]`, value, error));
  };
  let hasEnforceLevel = false;
  const enforce = labels[ENFORCE_LEVEL_LABEL];
  if (enforce !== undefined) {
    const r = parseLevel(enforce);
    p.enforce.level = r.level;
    hasEnforceLevel = r.error === undefined;
    bad(ENFORCE_LEVEL_LABEL, enforce, r.error);
  }
  const enforceVersion = labels[ENFORCE_VERSION_LABEL];
  if (enforceVersion !== undefined) {
    const r = parseVersion(enforceVersion);
    p.enforce.version = r.version;
    bad(ENFORCE_VERSION_LABEL, enforceVersion, r.error);
  }
  const audit = labels[AUDIT_LEVEL_LABEL];
  if (audit !== undefined) {
    const r = parseLevel(audit);
    p.audit.level = r.error === undefined ? r.level : 'privileged';
    bad(AUDIT_LEVEL_LABEL, audit, r.error);
  }
  const auditVersion = labels[AUDIT_VERSION_LABEL];
  if (auditVersion !== undefined) {
    const r = parseVersion(auditVersion);
    p.audit.version = r.version;
    bad(AUDIT_VERSION_LABEL, auditVersion, r.error);
  }
  const warn = labels[WARN_LEVEL_LABEL];
  if (warn !== undefined) {
    const r = parseLevel(warn);
    p.warn.level = r.error === undefined ? r.level : 'privileged';
    bad(WARN_LEVEL_LABEL, warn, r.error);
  }
  const warnVersion = labels[WARN_VERSION_LABEL];
  if (warnVersion !== undefined) {
    const r = parseVersion(warnVersion);
    p.warn.version = r.version;
    bad(WARN_VERSION_LABEL, warnVersion, r.error);
  }
  if (warn === undefined && hasEnforceLevel && compareLevels(p.enforce.level, p.warn.level) > 0) {
    p.warn.level = p.enforce.level;
    if (warnVersion === undefined) p.warn.version = p.enforce.version;
  }
  return { policy: p, errors: errs };
}
