/**
 * The check registry: every check with its versions, and the evaluator that runs the checks of a
 * level and version. As Kubernetes' policy/registry.go: a version runs each check's newest
 * revision not newer than it; restricted runs its own checks and the baseline checks it does not
 * override; checks run baseline first, each level in ID order (byte order), which fixes the order
 * of reasons in messages. Versions newer than the newest the server knows (and `latest`) evaluate
 * as that newest version.
 *
 *   LevelVersion --cap at maxVersion--> checks[level][version] --run--> results --aggregate--> message
 */
import type { PodSpec } from 'kubernetes-types/core/v1.js';
import type { CheckPod, CheckResult, PodMeta } from './check-helpers.js';
import { byteOrder } from './check-helpers.js';
import * as b from './checks-baseline.js';
import * as r from './checks-restricted.js';
import type { LevelVersion, Version } from './policy-levels.js';

interface VersionedCheck {
  /** The first policy version (minor of v1.N) this revision applies to. */
  minimum: number;
  check: CheckPod;
  /** Baseline check IDs this restricted revision replaces at restricted. */
  overrides?: string[];
}

export interface Check {
  id: string;
  level: 'baseline' | 'restricted';
  versions: VersionedCheck[];
}

/** Every check Kubernetes' pod-security-admission defines, with the versions its behaviour changed in. */
export const CHECKS: readonly Check[] = [
  { id: 'appArmorProfile', level: 'baseline', versions: [{ minimum: 0, check: b.appArmorProfile_1_0 }] },
  { id: 'capabilities_baseline', level: 'baseline', versions: [{ minimum: 0, check: b.capabilitiesBaseline_1_0 }] },
  { id: 'hostNamespaces', level: 'baseline', versions: [{ minimum: 0, check: b.hostNamespaces_1_0 }] },
  { id: 'hostPathVolumes', level: 'baseline', versions: [{ minimum: 0, check: b.hostPathVolumes_1_0 }] },
  { id: 'hostPorts', level: 'baseline', versions: [{ minimum: 0, check: b.hostPorts_1_0 }] },
  {
    id: 'hostProbesAndHostLifecycle',
    level: 'baseline',
    versions: [{ minimum: 34, check: b.hostProbesAndHostLifecycle_1_34 }],
  },
  { id: 'privileged', level: 'baseline', versions: [{ minimum: 0, check: b.privileged_1_0 }] },
  {
    id: 'procMount',
    level: 'baseline',
    versions: [
      { minimum: 0, check: b.procMount_1_0 },
      { minimum: 35, check: b.procMountBaseline_1_35 },
    ],
  },
  {
    id: 'seLinuxOptions',
    level: 'baseline',
    versions: [
      { minimum: 0, check: b.seLinuxOptions_1_0 },
      { minimum: 31, check: b.seLinuxOptions_1_31 },
    ],
  },
  {
    id: 'seccompProfile_baseline',
    level: 'baseline',
    versions: [
      { minimum: 0, check: b.seccompProfileBaseline_1_0 },
      { minimum: 19, check: b.seccompProfileBaseline_1_19 },
    ],
  },
  {
    id: 'sysctls',
    level: 'baseline',
    versions: [
      { minimum: 0, check: b.sysctls_1_0 },
      { minimum: 27, check: b.sysctls_1_27 },
      { minimum: 29, check: b.sysctls_1_29 },
      { minimum: 32, check: b.sysctls_1_32 },
    ],
  },
  { id: 'windowsHostProcess', level: 'baseline', versions: [{ minimum: 0, check: b.windowsHostProcess_1_0 }] },
  {
    id: 'allowPrivilegeEscalation',
    level: 'restricted',
    versions: [
      { minimum: 8, check: r.allowPrivilegeEscalation_1_8 },
      { minimum: 25, check: r.allowPrivilegeEscalation_1_25 },
    ],
  },
  {
    id: 'capabilities_restricted',
    level: 'restricted',
    versions: [
      { minimum: 22, check: r.capabilitiesRestricted_1_22, overrides: ['capabilities_baseline'] },
      { minimum: 25, check: r.capabilitiesRestricted_1_25, overrides: ['capabilities_baseline'] },
    ],
  },
  {
    id: 'procMount_restricted',
    level: 'restricted',
    versions: [{ minimum: 35, check: r.procMountRestricted_1_35, overrides: ['procMount'] }],
  },
  {
    id: 'restrictedVolumes',
    level: 'restricted',
    versions: [{ minimum: 0, check: r.restrictedVolumes_1_0, overrides: ['hostPathVolumes'] }],
  },
  {
    id: 'runAsNonRoot',
    level: 'restricted',
    versions: [
      { minimum: 0, check: r.runAsNonRoot_1_0 },
      { minimum: 35, check: r.runAsNonRoot_1_35 },
    ],
  },
  {
    id: 'runAsUser',
    level: 'restricted',
    versions: [
      { minimum: 23, check: r.runAsUser_1_23 },
      { minimum: 35, check: r.runAsUser_1_35 },
    ],
  },
  {
    id: 'seccompProfile_restricted',
    level: 'restricted',
    versions: [
      { minimum: 19, check: r.seccompProfileRestricted_1_19, overrides: ['seccompProfile_baseline'] },
      { minimum: 25, check: r.seccompProfileRestricted_1_25, overrides: ['seccompProfile_baseline'] },
    ],
  },
];

/** The newest version any check changed in: the registry's own maximum. */
export const NEWEST_CHECK_VERSION = Math.max(...CHECKS.flatMap((c) => c.versions.map((v) => v.minimum)));

/** The aggregate of a level's checks on one pod: allowed, or the reasons and details in check order. */
export interface Evaluation {
  allowed: boolean;
  reasons: string[];
  details: string[];
}

/** `host ports (8080), privileged (container "a" must ...)`: the reasons with their details, as messages show them. */
export function forbiddenDetail(e: Evaluation): string {
  return e.reasons.map((reason, i) => (e.details[i] ? `${reason} (${e.details[i]})` : reason)).join(', ');
}

/** `host ports, privileged`: the reasons only (namespace warnings, where many pods share one text). */
export function forbiddenReason(e: Evaluation): string {
  return e.reasons.join(', ');
}

export function aggregate(results: readonly CheckResult[]): Evaluation {
  const reasons: string[] = [];
  const details: string[] = [];
  for (const res of results) {
    if (res.allowed) continue;
    reasons.push(res.reason || 'unknown forbidden reason');
    details.push(res.detail);
  }
  return { allowed: reasons.length === 0, reasons, details };
}

/**
 * Evaluates pods against level+version. Built once; `maxVersion` caps every version (Kubernetes
 * caps at its own minor version, so a server that speaks 1.31 evaluates `latest` and any newer pin
 * as v1.31, as Kubernetes' emulated version does).
 */
export class Evaluator {
  private readonly baseline = new Map<number, CheckPod[]>();
  private readonly restricted = new Map<number, CheckPod[]>();
  readonly maxVersion: number;

  constructor(maxVersion: number = NEWEST_CHECK_VERSION, checks: readonly Check[] = CHECKS) {
    this.maxVersion = Math.min(maxVersion, Math.max(...checks.flatMap((c) => c.versions.map((v) => v.minimum))));
    const baselineIds = checks
      .filter((c) => c.level === 'baseline')
      .map((c) => c.id)
      .sort(byteOrder);
    const restrictedIds = checks
      .filter((c) => c.level === 'restricted')
      .map((c) => c.id)
      .sort(byteOrder);
    const ordered = [...baselineIds, ...restrictedIds];
    const byId = new Map(checks.map((c) => [c.id, c]));
    for (let v = 0; v <= this.maxVersion; v++) {
      const revisions = new Map<string, VersionedCheck>();
      for (const c of checks) {
        const rev = revisionAt(c, v);
        if (rev) revisions.set(c.id, rev);
      }
      const overridden = new Set<string>();
      for (const [id, rev] of revisions)
        if (byId.get(id)?.level === 'restricted') for (const o of rev.overrides ?? []) overridden.add(o);
      const baseline: CheckPod[] = [];
      const restricted: CheckPod[] = [];
      for (const id of ordered) {
        const rev = revisions.get(id);
        if (!rev) continue;
        if (byId.get(id)?.level === 'baseline') {
          baseline.push(rev.check);
          if (!overridden.has(id)) restricted.push(rev.check);
        } else restricted.push(rev.check);
      }
      this.baseline.set(v, baseline);
      this.restricted.set(v, restricted);
    }
  }

  /** The version lv evaluates at (capped at maxVersion). */
  effectiveVersion(version: Version): number {
    return Math.min(version, this.maxVersion);
  }

  /** Runs the checks of lv's level and version on a pod (or a workload's pod template). Privileged runs none. */
  evaluate(lv: LevelVersion, meta: PodMeta, spec: PodSpec): Evaluation {
    if (lv.level === 'privileged') return { allowed: true, reasons: [], details: [] };
    const v = this.effectiveVersion(lv.version);
    const checks = (lv.level === 'baseline' ? this.baseline : this.restricted).get(v) ?? [];
    return aggregate(checks.map((check) => check(meta, spec)));
  }
}

/** A check's newest revision whose minimum version is not newer than v. */
function revisionAt(c: Check, v: number): VersionedCheck | undefined {
  let found: VersionedCheck | undefined;
  for (const rev of c.versions) if (rev.minimum <= v) found = rev;
  return found;
}
