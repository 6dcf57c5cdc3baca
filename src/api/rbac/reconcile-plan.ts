import type {
  AggregationRule,
  ClusterRole,
  ClusterRoleBinding,
  PolicyRule,
  Role,
  RoleBinding,
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

/** A ClusterRole or a Role: the same reconciliation applies (Roles have no aggregationRule). */
export type RoleLike = ClusterRole | Role;
/** A ClusterRoleBinding or a RoleBinding. */
export type BindingLike = ClusterRoleBinding | RoleBinding;

export interface RoleReconcileResult<T extends RoleLike> {
  /** The object to create or to write over the existing one (existing metadata kept). */
  role: T;
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
 * Plans one ClusterRole or Role (Kubernetes' computeReconciledRole). `existing` undefined means
 * NotFound: the plan is a create. Never mutates its inputs.
 */
export function reconcileRole<T extends RoleLike>(
  expected: T,
  existing: T | undefined,
  opts: ReconcileOptions = {},
): RoleReconcileResult<T> {
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
  const role: T = structuredClone(existing);
  let operation: RoleReconcileResult<T>['operation'] = 'none';
  const prot = existing.metadata?.annotations?.[AUTOUPDATE_ANNOTATION] === 'false';

  if (mergeMetadata(role, expected, existing)) operation = 'update';

  // Extra rules are not computed when both are aggregated: the aggregation controller owns their rules.
  const expectedAgg = aggregationOf(expected);
  const existingAgg = aggregationOf(existing);
  const extraRules =
    expectedAgg === undefined || existingAgg === undefined
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

  const { extra, missing } = aggregationRuleCovers(existingAgg, expectedAgg);
  const target = role as ClusterRole;
  if (expectedAgg === undefined && existingAgg !== undefined) {
    // Not expected to be aggregated at all: drop the existing aggregation.
    delete target.aggregationRule;
    operation = 'update';
  } else if (!removeExtra && missing.length > 0) {
    target.aggregationRule = {
      clusterRoleSelectors: [...(target.aggregationRule?.clusterRoleSelectors ?? []), ...structuredClone(missing)],
    };
    operation = 'update';
  } else if (removeExtra && (missing.length > 0 || extra.length > 0)) {
    target.aggregationRule = structuredClone(expectedAgg);
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

function aggregationOf(r: RoleLike): AggregationRule | undefined {
  return 'aggregationRule' in r ? r.aggregationRule : undefined;
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

export interface RoleBindingReconcileResult<T extends BindingLike> {
  binding: T;
  /** 'recreate': the roleRef differs (it is immutable): delete the existing one (UID precondition) and create. */
  operation: ReconcileOperation;
  protected: boolean;
  missingSubjects: Subject[];
  extraSubjects: Subject[];
}

/**
 * Plans one ClusterRoleBinding or RoleBinding (Kubernetes' computeReconciledRoleBinding). Never
 * mutates its inputs.
 */
export function reconcileRoleBinding<T extends BindingLike>(
  expected: T,
  existing: T | undefined,
  opts: ReconcileOptions = {},
): RoleBindingReconcileResult<T> {
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
  const binding: T = structuredClone(existing);
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

function roleRefEqual(a: BindingLike['roleRef'], b: BindingLike['roleRef']): boolean {
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

type RoleTarget = { resource: 'clusterroles'; object: ClusterRole } | { resource: 'roles'; object: Role };
type BindingTarget =
  | { resource: 'clusterrolebindings'; object: ClusterRoleBinding }
  | { resource: 'rolebindings'; object: RoleBinding };

/**
 * One write the bootstrap reconciler must make, as data. `recreate`: delete the existing binding
 * with `existingUid` as precondition, then create `object`. `skip` reports a protected object the
 * caller logs as a warning. Creating a namespaced object ensures its namespace exists first.
 */
export type RbacReconcileAction =
  | ({ action: 'create' } & (RoleTarget | BindingTarget))
  | ({ action: 'update'; missingRules: PolicyRule[] } & RoleTarget)
  | ({ action: 'update'; missingSubjects: Subject[] } & BindingTarget)
  | ({ action: 'recreate'; existingUid: string | undefined } & BindingTarget)
  | {
      action: 'skip';
      resource: 'clusterroles' | 'roles' | 'clusterrolebindings' | 'rolebindings';
      namespace: string;
      name: string;
      reason: string;
    };

/** Read access to what the store holds now (the watch cache or a fresh list); undefined = NotFound. */
export interface ExistingRbac {
  clusterRole(name: string): ClusterRole | undefined;
  clusterRoleBinding(name: string): ClusterRoleBinding | undefined;
  role(namespace: string, name: string): Role | undefined;
  roleBinding(namespace: string, name: string): RoleBinding | undefined;
}

/**
 * The writes that bring the store up to the bootstrap policy, in Kubernetes' order: cluster roles,
 * cluster role bindings, roles, role bindings, each in policy order. Called at server start (and
 * again after a failed write: re-read, re-plan). An empty list means everything is in place;
 * applying the writes and planning again yields an empty list. A create that meets AlreadyExists,
 * an update that meets NotFound or a Conflict: re-plan.
 */
export function planBootstrapReconcile(
  policy: BootstrapPolicy,
  existing: ExistingRbac,
  opts: ReconcileOptions = {},
): RbacReconcileAction[] {
  const actions: RbacReconcileAction[] = [];
  for (const expected of policy.clusterRoles) {
    const r = reconcileRole(expected, existing.clusterRole(nameOf(expected)), opts);
    pushRole(actions, r, (object) => ({ resource: 'clusterroles', object }));
  }
  for (const expected of policy.clusterRoleBindings) {
    const current = existing.clusterRoleBinding(nameOf(expected));
    const r = reconcileRoleBinding(expected, current, opts);
    pushBinding(actions, r, current, (object) => ({ resource: 'clusterrolebindings', object }));
  }
  for (const expected of policy.roles) {
    const r = reconcileRole(expected, existing.role(namespaceOf(expected), nameOf(expected)), opts);
    pushRole(actions, r, (object) => ({ resource: 'roles', object }));
  }
  for (const expected of policy.roleBindings) {
    const current = existing.roleBinding(namespaceOf(expected), nameOf(expected));
    const r = reconcileRoleBinding(expected, current, opts);
    pushBinding(actions, r, current, (object) => ({ resource: 'rolebindings', object }));
  }
  return actions;
}

function nameOf(o: { metadata?: { name?: string } }): string {
  return o.metadata?.name ?? '';
}

function namespaceOf(o: { metadata?: { namespace?: string } }): string {
  return o.metadata?.namespace ?? '';
}

function pushRole<T extends RoleLike>(
  actions: RbacReconcileAction[],
  r: RoleReconcileResult<T>,
  target: (object: T) => RoleTarget,
): void {
  if (r.operation === 'none') return;
  const t = target(r.role);
  if (r.protected) {
    actions.push({
      action: 'skip',
      resource: t.resource,
      namespace: namespaceOf(r.role),
      name: nameOf(r.role),
      reason: `skipped reconcile-protected ${t.resource} ${nameOf(r.role)} with missing permissions: ${JSON.stringify(r.missingRules)}`,
    });
  } else if (r.operation === 'create') {
    actions.push({ action: 'create', ...t });
  } else {
    actions.push({ action: 'update', missingRules: r.missingRules, ...t });
  }
}

function pushBinding<T extends BindingLike>(
  actions: RbacReconcileAction[],
  r: RoleBindingReconcileResult<T>,
  current: T | undefined,
  target: (object: T) => BindingTarget,
): void {
  if (r.operation === 'none') return;
  const t = target(r.binding);
  if (r.protected) {
    actions.push({
      action: 'skip',
      resource: t.resource,
      namespace: namespaceOf(r.binding),
      name: nameOf(r.binding),
      reason: `skipped reconcile-protected ${t.resource} ${nameOf(r.binding)} with missing subjects: ${JSON.stringify(r.missingSubjects)}`,
    });
  } else if (r.operation === 'create') {
    actions.push({ action: 'create', ...t });
  } else if (r.operation === 'recreate') {
    actions.push({ action: 'recreate', existingUid: current?.metadata?.uid, ...t });
  } else {
    actions.push({ action: 'update', missingSubjects: r.missingSubjects, ...t });
  }
}
