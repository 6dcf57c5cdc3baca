import type {
  AggregationRule,
  ClusterRole,
  ClusterRoleBinding,
  PolicyRule,
  Subject,
} from 'kubernetes-types/rbac/v1.js';
import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import { deepEqual } from '../deep-equal.js';
import type { BootstrapPolicy } from './bootstrap-policy.js';
import { covers } from './policy-rule.js';
import { AUTOUPDATE_ANNOTATION } from './rule-builder.js';

/**
 * Kubernetes' RBAC reconciliation (pkg/registry/rbac/reconciliation) as pure planners: given the
 * expected bootstrap object and what the store holds now, what must be written. Union mode only
 * by default (missing rules and subjects are added, extra ones kept), as kube-apiserver's
 * post-start hook runs it. An existing object annotated `rbac.authorization.kubernetes.io/
 * autoupdate: "false"` is protected: the plan reports what it lacks but writes nothing.
 */

export type ReconcileOperation = 'create' | 'update' | 'recreate' | 'none';

export interface ClusterRoleReconcileResult {
  /** The object to create or to write over the existing one (existing metadata kept). */
  role: ClusterRole;
  operation: Exclude<ReconcileOperation, 'recreate'>;
  protected: boolean;
  missingRules: PolicyRule[];
  extraRules: PolicyRule[];
  missingAggregationRuleSelectors: LabelSelector[];
  extraAggregationRuleSelectors: LabelSelector[];
}

export interface ReconcileOptions {
  /** Replace rules/subjects with the expected ones instead of adding the missing ones (default false). */
  removeExtra?: boolean;
}

/**
 * Plans one ClusterRole (Kubernetes' computeReconciledRole). `existing` undefined means NotFound:
 * the plan is a create. Never mutates its inputs.
 */
export function reconcileClusterRole(
  expected: ClusterRole,
  existing: ClusterRole | undefined,
  opts: ReconcileOptions = {},
): ClusterRoleReconcileResult {
  if (!existing) {
    return {
      role: expected,
      operation: 'create',
      protected: false,
      missingRules: expected.rules ?? [],
      extraRules: [],
      missingAggregationRuleSelectors: [],
      extraAggregationRuleSelectors: [],
    };
  }
  const removeExtra = opts.removeExtra ?? false;
  const role: ClusterRole = structuredClone(existing);
  let operation: ClusterRoleReconcileResult['operation'] = 'none';
  const prot = existing.metadata?.annotations?.[AUTOUPDATE_ANNOTATION] === 'false';

  if (mergeMetadata(role, expected, existing)) operation = 'update';

  // Extra rules are not computed when both are aggregated: the aggregation controller owns their rules.
  const extraRules =
    expected.aggregationRule === undefined || existing.aggregationRule === undefined
      ? covers(expected.rules ?? [], existing.rules ?? []).uncovered
      : [];
  const missingRules = covers(existing.rules ?? [], expected.rules ?? []).uncovered;
  if (!removeExtra && missingRules.length > 0) {
    role.rules = [...(role.rules ?? []), ...missingRules];
    operation = 'update';
  } else if (removeExtra && (missingRules.length > 0 || extraRules.length > 0)) {
    role.rules = structuredClone(expected.rules ?? []);
    operation = 'update';
  }

  const { extra, missing } = aggregationRuleCovers(existing.aggregationRule, expected.aggregationRule);
  if (expected.aggregationRule === undefined && existing.aggregationRule !== undefined) {
    // Not expected to be aggregated at all: drop the existing aggregation.
    delete role.aggregationRule;
    operation = 'update';
  } else if (!removeExtra && missing.length > 0) {
    role.aggregationRule = {
      clusterRoleSelectors: [...(role.aggregationRule?.clusterRoleSelectors ?? []), ...structuredClone(missing)],
    };
    operation = 'update';
  } else if (removeExtra && (missing.length > 0 || extra.length > 0)) {
    role.aggregationRule = structuredClone(expected.aggregationRule);
    operation = 'update';
  }

  return {
    role,
    operation,
    protected: prot,
    missingRules,
    extraRules,
    missingAggregationRuleSelectors: missing,
    extraAggregationRuleSelectors: extra,
  };
}

/** Selectors only in `owner` (extra) and only in `servant` (missing) (Kubernetes' aggregationRuleCovers). */
function aggregationRuleCovers(
  owner: AggregationRule | undefined,
  servant: AggregationRule | undefined,
): { extra: LabelSelector[]; missing: LabelSelector[] } {
  if (!owner && !servant) return { extra: [], missing: [] };
  if (!owner) return { extra: [], missing: servant?.clusterRoleSelectors ?? [] };
  if (!servant) return { extra: owner.clusterRoleSelectors ?? [], missing: [] };
  const o = owner.clusterRoleSelectors ?? [];
  const s = servant.clusterRoleSelectors ?? [];
  return {
    extra: o.filter((x) => !s.some((y) => deepEqual(x, y))),
    missing: s.filter((x) => !o.some((y) => deepEqual(x, y))),
  };
}

export interface ClusterRoleBindingReconcileResult {
  binding: ClusterRoleBinding;
  /** 'recreate': the roleRef differs (it is immutable): delete the existing one (UID precondition) and create. */
  operation: ReconcileOperation;
  protected: boolean;
  missingSubjects: Subject[];
  extraSubjects: Subject[];
}

/** Plans one ClusterRoleBinding (Kubernetes' computeReconciledRoleBinding). Never mutates its inputs. */
export function reconcileClusterRoleBinding(
  expected: ClusterRoleBinding,
  existing: ClusterRoleBinding | undefined,
  opts: ReconcileOptions = {},
): ClusterRoleBindingReconcileResult {
  if (!existing) {
    return {
      binding: expected,
      operation: 'create',
      protected: false,
      missingSubjects: expected.subjects ?? [],
      extraSubjects: [],
    };
  }
  const prot = existing.metadata?.annotations?.[AUTOUPDATE_ANNOTATION] === 'false';
  if (!roleRefEqual(expected.roleRef, existing.roleRef)) {
    return { binding: expected, operation: 'recreate', protected: prot, missingSubjects: [], extraSubjects: [] };
  }
  const binding: ClusterRoleBinding = structuredClone(existing);
  let operation: ReconcileOperation = 'none';
  if (mergeMetadata(binding, expected, existing)) operation = 'update';

  const { onlyFirst: missingSubjects, onlySecond: extraSubjects } = diffSubjects(
    expected.subjects ?? [],
    existing.subjects ?? [],
  );
  if (!(opts.removeExtra ?? false) && missingSubjects.length > 0) {
    binding.subjects = [...(binding.subjects ?? []), ...missingSubjects];
    operation = 'update';
  } else if (opts.removeExtra && (missingSubjects.length > 0 || extraSubjects.length > 0)) {
    binding.subjects = structuredClone(expected.subjects ?? []);
    operation = 'update';
  }
  return { binding, operation, protected: prot, missingSubjects, extraSubjects };
}

function roleRefEqual(a: ClusterRoleBinding['roleRef'], b: ClusterRoleBinding['roleRef']): boolean {
  return a.apiGroup === b.apiGroup && a.kind === b.kind && a.name === b.name;
}

function subjectEqual(a: Subject, b: Subject): boolean {
  return (
    a.kind === b.kind &&
    (a.apiGroup ?? '') === (b.apiGroup ?? '') &&
    a.name === b.name &&
    (a.namespace ?? '') === (b.namespace ?? '')
  );
}

function diffSubjects(first: Subject[], second: Subject[]): { onlyFirst: Subject[]; onlySecond: Subject[] } {
  const onlyFirst: Subject[] = [];
  const onlySecond: Subject[] = [];
  for (const s of first)
    if (!second.some((x) => subjectEqual(x, s)) && !onlyFirst.some((x) => subjectEqual(x, s))) onlyFirst.push(s);
  for (const s of second)
    if (!first.some((x) => subjectEqual(x, s)) && !onlySecond.some((x) => subjectEqual(x, s))) onlySecond.push(s);
  return { onlyFirst, onlySecond };
}

/**
 * Merges the expected labels and annotations under the existing ones (existing values win, as
 * Kubernetes' merge(expected, existing)); true when that changed the object.
 */
function mergeMetadata(
  target: { metadata?: ClusterRole['metadata'] },
  expected: { metadata?: ClusterRole['metadata'] },
  existing: { metadata?: ClusterRole['metadata'] },
): boolean {
  const meta = target.metadata ?? {};
  target.metadata = meta;
  const annotations = merge(expected.metadata?.annotations, existing.metadata?.annotations);
  const labels = merge(expected.metadata?.labels, existing.metadata?.labels);
  let changed = false;
  if (!deepEqual(annotations ?? {}, existing.metadata?.annotations ?? {})) changed = true;
  if (!deepEqual(labels ?? {}, existing.metadata?.labels ?? {})) changed = true;
  if (annotations) meta.annotations = annotations;
  if (labels) meta.labels = labels;
  return changed;
}

function merge(...maps: (Record<string, string> | undefined)[]): Record<string, string> | undefined {
  let out: Record<string, string> | undefined;
  for (const m of maps) {
    if (m && !out) out = {};
    if (m && out) Object.assign(out, m);
  }
  return out;
}

/** One write the bootstrap reconciler must make, as data; `skip` reports a protected object. */
export type RbacReconcileAction =
  | { action: 'create'; resource: 'clusterroles'; object: ClusterRole }
  | { action: 'update'; resource: 'clusterroles'; object: ClusterRole; missingRules: PolicyRule[] }
  | { action: 'create'; resource: 'clusterrolebindings'; object: ClusterRoleBinding }
  | { action: 'update'; resource: 'clusterrolebindings'; object: ClusterRoleBinding; missingSubjects: Subject[] }
  | {
      action: 'recreate';
      resource: 'clusterrolebindings';
      object: ClusterRoleBinding;
      /** Delete with this UID as precondition, then create `object`. */
      existingUid: string | undefined;
    }
  | { action: 'skip'; resource: 'clusterroles' | 'clusterrolebindings'; name: string; reason: string };

/** Read access to what the store holds now (the watch cache or a fresh list); undefined = NotFound. */
export interface ExistingRbac {
  clusterRole(name: string): ClusterRole | undefined;
  clusterRoleBinding(name: string): ClusterRoleBinding | undefined;
}

/**
 * The writes that bring the store up to the bootstrap policy, in policy order (roles before
 * bindings). Called at server start (and again after a conflict: re-read, re-plan). An empty list
 * means everything is in place; running the writes then planning again yields an empty list.
 * A create that meets AlreadyExists, an update that meets NotFound or a Conflict: re-plan.
 */
export function planBootstrapReconcile(
  policy: BootstrapPolicy,
  existing: ExistingRbac,
  opts: ReconcileOptions = {},
): RbacReconcileAction[] {
  const actions: RbacReconcileAction[] = [];
  for (const expected of policy.clusterRoles) {
    const name = expected.metadata?.name ?? '';
    const r = reconcileClusterRole(expected, existing.clusterRole(name), opts);
    if (r.operation === 'none') continue;
    if (r.protected) {
      actions.push({
        action: 'skip',
        resource: 'clusterroles',
        name,
        reason: `reconcile-protected clusterrole ${name} is missing permissions: ${JSON.stringify(r.missingRules)}`,
      });
    } else if (r.operation === 'create') {
      actions.push({ action: 'create', resource: 'clusterroles', object: r.role });
    } else {
      actions.push({ action: 'update', resource: 'clusterroles', object: r.role, missingRules: r.missingRules });
    }
  }
  for (const expected of policy.clusterRoleBindings) {
    const name = expected.metadata?.name ?? '';
    const current = existing.clusterRoleBinding(name);
    const r = reconcileClusterRoleBinding(expected, current, opts);
    if (r.operation === 'none') continue;
    if (r.protected) {
      actions.push({
        action: 'skip',
        resource: 'clusterrolebindings',
        name,
        reason: `reconcile-protected clusterrolebinding ${name} is missing subjects: ${JSON.stringify(r.missingSubjects)}`,
      });
    } else if (r.operation === 'create') {
      actions.push({ action: 'create', resource: 'clusterrolebindings', object: r.binding });
    } else if (r.operation === 'recreate') {
      actions.push({
        action: 'recreate',
        resource: 'clusterrolebindings',
        object: r.binding,
        existingUid: current?.metadata?.uid,
      });
    } else {
      actions.push({
        action: 'update',
        resource: 'clusterrolebindings',
        object: r.binding,
        missingSubjects: r.missingSubjects,
      });
    }
  }
  return actions;
}
