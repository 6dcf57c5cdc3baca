/**
 * Kubernetes' audit Policy (audit.k8s.io/v1): the first rule that matches a request decides its
 * level (None, Metadata, Request, RequestResponse) and the stages left out; no matching rule is None.
 */
import { parse } from 'yaml';

export const AUDIT_LEVELS = ['None', 'Metadata', 'Request', 'RequestResponse'] as const;
export type AuditLevel = (typeof AUDIT_LEVELS)[number];
export const AUDIT_STAGES = ['RequestReceived', 'ResponseStarted', 'ResponseComplete', 'Panic'] as const;
export type AuditStage = (typeof AUDIT_STAGES)[number];

interface GroupResources {
  group?: string;
  resources?: string[];
  resourceNames?: string[];
}

interface PolicyRule {
  level: AuditLevel;
  users?: string[];
  userGroups?: string[];
  verbs?: string[];
  resources?: GroupResources[];
  namespaces?: string[];
  nonResourceURLs?: string[];
  omitStages?: AuditStage[];
  omitManagedFields?: boolean;
}

/** What a rule is matched against: the request's user and authorization attributes. */
export interface AuditAttributes {
  user: string;
  groups: readonly string[];
  verb: string;
  resourceRequest: boolean;
  /** Resource requests. */
  apiGroup?: string;
  resource?: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  /** Non-resource requests. */
  path?: string;
}

export interface AuditDecision {
  level: AuditLevel;
  omitStages: ReadonlySet<AuditStage>;
  omitManagedFields: boolean;
}

const NONE: AuditDecision = { level: 'None', omitStages: new Set(), omitManagedFields: false };

export class AuditPolicy {
  private constructor(
    private readonly rules: PolicyRule[],
    private readonly omitStages: AuditStage[],
    private readonly omitManagedFields: boolean,
  ) {}

  /** Parses a Policy (YAML or JSON); an error names the field that is wrong. */
  static parse(text: string): AuditPolicy {
    const doc = parse(text) as Record<string, unknown> | null;
    if (!doc || typeof doc !== 'object') throw new Error('audit policy: not a YAML or JSON object');
    if (doc.kind !== 'Policy') throw new Error(`audit policy: kind: must be Policy, got ${JSON.stringify(doc.kind)}`);
    if (doc.apiVersion !== 'audit.k8s.io/v1')
      throw new Error(`audit policy: apiVersion: must be audit.k8s.io/v1, got ${JSON.stringify(doc.apiVersion)}`);
    const rules = doc.rules;
    if (!Array.isArray(rules) || rules.length === 0)
      throw new Error('audit policy: rules: at least one rule is required');
    rules.forEach((r: PolicyRule, i) => {
      if (!AUDIT_LEVELS.includes(r?.level))
        throw new Error(`audit policy: rules[${i}].level: must be one of ${AUDIT_LEVELS.join(', ')}`);
      checkStages(r.omitStages, `rules[${i}].omitStages`);
      if (r.nonResourceURLs && (r.resources || r.namespaces))
        throw new Error(
          `audit policy: rules[${i}]: rules cannot apply to both regular resources and non-resource URLs`,
        );
      r.nonResourceURLs?.forEach((u, j) => {
        if (!u.startsWith('/') && u !== '*')
          throw new Error(
            `audit policy: rules[${i}].nonResourceURLs[${j}]: non-resource URL rules must begin with a '/' character`,
          );
        if (u.slice(0, -1).includes('*'))
          throw new Error(`audit policy: rules[${i}].nonResourceURLs[${j}]: a '*' is only allowed at the end`);
      });
    });
    const omitStages = doc.omitStages as AuditStage[] | undefined;
    checkStages(omitStages, 'omitStages');
    return new AuditPolicy(rules as PolicyRule[], omitStages ?? [], doc.omitManagedFields === true);
  }

  /** The level and stages for a request: the first matching rule's, or None. */
  decide(a: AuditAttributes): AuditDecision {
    const rule = this.rules.find((r) => matches(r, a));
    if (!rule || rule.level === 'None') return NONE;
    return {
      level: rule.level,
      omitStages: new Set([...this.omitStages, ...(rule.omitStages ?? [])]),
      omitManagedFields: rule.omitManagedFields ?? this.omitManagedFields,
    };
  }
}

function checkStages(stages: unknown, path: string): void {
  if (stages === undefined) return;
  if (!Array.isArray(stages)) throw new Error(`audit policy: ${path}: must be a list`);
  stages.forEach((s, i) => {
    if (!AUDIT_STAGES.includes(s))
      throw new Error(`audit policy: ${path}[${i}]: must be one of ${AUDIT_STAGES.join(', ')}`);
  });
}

function matches(r: PolicyRule, a: AuditAttributes): boolean {
  if (r.users && !r.users.includes(a.user)) return false;
  if (r.userGroups && !r.userGroups.some((g) => a.groups.includes(g))) return false;
  if (r.verbs && !r.verbs.includes(a.verb)) return false;
  if (r.namespaces || r.resources) {
    if (!a.resourceRequest) return false;
    if (r.namespaces && !r.namespaces.includes(a.namespace ?? '')) return false;
    if (r.resources && !r.resources.some((gr) => matchesGroupResources(gr, a))) return false;
  }
  if (r.nonResourceURLs) {
    if (a.resourceRequest) return false;
    const path = a.path ?? '';
    return r.nonResourceURLs.some((u) => (u.endsWith('*') ? path.startsWith(u.slice(0, -1)) : path === u));
  }
  return true;
}

/**
 * Kubernetes' ruleMatchesResource: a resource (`pods`), a subresource (`pods/log`), every resource
 * (`*`), one subresource of any resource (`*` then `/status`), every subresource of one resource
 * (`pods/` then `*`); resourceNames narrow the match to those names.
 */
function matchesGroupResources(gr: GroupResources, a: AuditAttributes): boolean {
  if ((gr.group ?? '') !== (a.apiGroup ?? '') && gr.group !== '*') return false;
  if (gr.resources && gr.resources.length > 0) {
    const full = a.subresource ? `${a.resource}/${a.subresource}` : (a.resource ?? '');
    const ok = gr.resources.some(
      (res) =>
        res === '*' ||
        res === full ||
        (res.startsWith('*/') && a.subresource === res.slice(2)) ||
        (res.endsWith('/*') && a.resource === res.slice(0, -2) && !!a.subresource),
    );
    if (!ok) return false;
  }
  if (gr.resourceNames && gr.resourceNames.length > 0) return gr.resourceNames.includes(a.name ?? '');
  return true;
}
