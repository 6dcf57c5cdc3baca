import type { ClusterRoleBinding, PolicyRule, RoleBinding, RoleRef, Subject } from 'kubernetes-types/rbac/v1.js';
import { matchesServiceAccountUsername } from '../../../api/rbac/users.js';
import type { AuthzUser } from '../authorizer.js';
import type { RbacLister } from './rbac-lister.js';

/**
 * Which RBAC rules apply to a user in a namespace, as Kubernetes' DefaultRuleResolver
 * (pkg/registry/rbac/validation/rule.go): first the ClusterRoleBindings, then (when a namespace
 * is given) that namespace's RoleBindings; for each binding whose subjects include the user, the
 * rules of the role it refers to. A missing role is an error, reported alongside, never fatal:
 * rules are additive, so what was found still counts. Only the bindings the lister's subject index
 * offers for the user are looked at (each still checked subject by subject).
 */

/**
 * Called per rule (with a lazy description of where it came from) or per error (rule undefined).
 * Return false to stop visiting.
 */
export type RuleVisitor = (source: RuleSource | undefined, rule: PolicyRule | undefined, error?: string) => boolean;

/** Where a rule came from, described on demand (only an allow reason needs the text). */
export interface RuleSource {
  describe(): string;
}

/** Visits the rules for `user` in `namespace` ('' = cluster-wide only), in Kubernetes' order. */
export function visitRulesFor(lister: RbacLister, user: AuthzUser, namespace: string, visitor: RuleVisitor): void {
  for (const binding of lister.clusterRoleBindingsFor(user)) {
    const subject = appliesTo(user, binding.subjects, '');
    if (subject === undefined) continue;
    const resolved = roleRefRules(lister, binding.roleRef, '');
    if (typeof resolved === 'string') {
      if (!visitor(undefined, undefined, resolved)) return;
      continue;
    }
    const source = clusterBindingSource(binding, subject);
    for (const rule of resolved) if (!visitor(source, rule)) return;
  }
  if (namespace === '') return;
  for (const binding of lister.roleBindingsFor(namespace, user)) {
    const subject = appliesTo(user, binding.subjects, namespace);
    if (subject === undefined) continue;
    const resolved = roleRefRules(lister, binding.roleRef, namespace);
    if (typeof resolved === 'string') {
      if (!visitor(undefined, undefined, resolved)) return;
      continue;
    }
    const source = bindingSource(binding, subject);
    for (const rule of resolved) if (!visitor(source, rule)) return;
  }
}

/** All rules for `user` in `namespace`, with the resolution errors met on the way. */
export function rulesFor(
  lister: RbacLister,
  user: AuthzUser,
  namespace: string,
): { rules: PolicyRule[]; errors: string[] } {
  const rules: PolicyRule[] = [];
  const errors: string[] = [];
  visitRulesFor(lister, user, namespace, (_source, rule, error) => {
    if (rule) rules.push(rule);
    if (error) errors.push(error);
    return true;
  });
  return { rules, errors };
}

/** The rules of the role a binding refers to, or the NotFound / unsupported-kind message. */
function roleRefRules(lister: RbacLister, ref: RoleRef, bindingNamespace: string): readonly PolicyRule[] | string {
  switch (ref.kind) {
    case 'Role': {
      const role = lister.getRole(bindingNamespace, ref.name);
      return role ? (role.rules ?? []) : `role.rbac.authorization.k8s.io "${ref.name}" not found`;
    }
    case 'ClusterRole': {
      const role = lister.getClusterRole(ref.name);
      return role ? (role.rules ?? []) : `clusterrole.rbac.authorization.k8s.io "${ref.name}" not found`;
    }
    default:
      return `unsupported role reference kind: "${ref.kind}"`;
  }
}

/** The first subject of a binding that is the user, or undefined. */
function appliesTo(user: AuthzUser, subjects: readonly Subject[] | undefined, namespace: string): Subject | undefined {
  for (const s of subjects ?? []) if (appliesToUser(user, s, namespace)) return s;
  return undefined;
}

/**
 * Does one binding subject name this user? User: by name; Group: by membership; ServiceAccount:
 * by its user name, with the subject's namespace defaulting to the binding's (so a RoleBinding
 * may omit it; a ClusterRoleBinding subject without a namespace matches nobody).
 */
export function appliesToUser(user: AuthzUser, subject: Subject, namespace: string): boolean {
  switch (subject.kind) {
    case 'User':
      return user.name === subject.name;
    case 'Group':
      return user.groups.includes(subject.name);
    case 'ServiceAccount': {
      const ns = subject.namespace || namespace;
      if (!ns) return false;
      return matchesServiceAccountUsername(ns, subject.name, user.name);
    }
    default:
      return false;
  }
}

function describeSubject(s: Subject, bindingNamespace: string): string {
  if (s.kind === 'ServiceAccount') return `${s.kind} ${q(`${s.name}/${s.namespace || bindingNamespace}`)}`;
  return `${s.kind} ${q(s.name)}`;
}

function clusterBindingSource(b: ClusterRoleBinding, s: Subject): RuleSource {
  return {
    describe: () =>
      `ClusterRoleBinding ${q(b.metadata?.name ?? '')} of ${b.roleRef.kind} ${q(b.roleRef.name)} to ${describeSubject(s, '')}`,
  };
}

function bindingSource(b: RoleBinding, s: Subject): RuleSource {
  const ns = b.metadata?.namespace ?? '';
  return {
    describe: () =>
      `RoleBinding ${q(`${b.metadata?.name ?? ''}/${ns}`)} of ${b.roleRef.kind} ${q(b.roleRef.name)} to ${describeSubject(s, ns)}`,
  };
}

function q(s: string): string {
  return JSON.stringify(s);
}
