import type { ClusterRole, ClusterRoleBinding, PolicyRule, Subject } from 'kubernetes-types/rbac/v1.js';

/** The API group of RBAC objects and of User and Group subjects. */
export const RBAC_GROUP = 'rbac.authorization.k8s.io';
/** Existing bootstrap objects with this annotation set to "false" are left alone by reconciliation. */
export const AUTOUPDATE_ANNOTATION = 'rbac.authorization.kubernetes.io/autoupdate';
/** The label every bootstrap RBAC object carries. */
export const BOOTSTRAPPING_LABEL = 'kubernetes.io/bootstrapping';
export const BOOTSTRAPPING_VALUE = 'rbac-defaults';

/**
 * A small builder for bootstrap policy rules, as Kubernetes' rbacv1helpers.NewRule: the lists are
 * sorted when the rule is built (the published testdata shows them sorted), and a malformed rule
 * throws at module load, so a typo in the policy data fails every test at once.
 */
class RuleBuilder {
  private readonly r: { verbs: string[]; apiGroups: string[]; resources: string[]; names: string[]; urls: string[] };
  constructor(verbs: string[]) {
    this.r = { verbs: [...verbs], apiGroups: [], resources: [], names: [], urls: [] };
  }
  groups(...g: string[]): this {
    this.r.apiGroups.push(...g);
    return this;
  }
  resources(...res: string[]): this {
    this.r.resources.push(...res);
    return this;
  }
  names(...n: string[]): this {
    this.r.names.push(...n);
    return this;
  }
  urls(...u: string[]): this {
    this.r.urls.push(...u);
    return this;
  }
  rule(): PolicyRule {
    const { verbs, apiGroups, resources, names, urls } = this.r;
    if (verbs.length === 0) throw new Error(`rule has no verbs: ${JSON.stringify(this.r)}`);
    if (urls.length > 0) {
      if (apiGroups.length + resources.length + names.length > 0)
        throw new Error(`non-resource rule may not have groups, resources or names: ${JSON.stringify(this.r)}`);
      return { nonResourceURLs: [...urls].sort(), verbs: [...verbs].sort() };
    }
    if (resources.length === 0) throw new Error(`rule has neither resources nor URLs: ${JSON.stringify(this.r)}`);
    if (apiGroups.length === 0) throw new Error(`resource rule must have groups: ${JSON.stringify(this.r)}`);
    const out: PolicyRule = {
      apiGroups: [...apiGroups].sort(),
      resources: [...resources].sort(),
      verbs: [...verbs].sort(),
    };
    if (names.length > 0) out.resourceNames = [...names].sort();
    return out;
  }
}

/** Starts a rule with these verbs; finish with `.rule()`. */
export function newRule(...verbs: string[]): RuleBuilder {
  return new RuleBuilder(verbs);
}

export function userSubject(name: string): Subject {
  return { kind: 'User', apiGroup: RBAC_GROUP, name };
}

export function groupSubject(name: string): Subject {
  return { kind: 'Group', apiGroup: RBAC_GROUP, name };
}

export function serviceAccountSubject(namespace: string, name: string): Subject {
  return { kind: 'ServiceAccount', name, namespace };
}

/** Labels and annotations every bootstrap object carries (merged over the object's own labels). */
function bootstrapMetadata(name: string, labels: Record<string, string> = {}): ClusterRole['metadata'] {
  return {
    name,
    labels: { ...labels, [BOOTSTRAPPING_LABEL]: BOOTSTRAPPING_VALUE },
    annotations: { [AUTOUPDATE_ANNOTATION]: 'true' },
  };
}

/** A bootstrap ClusterRole with the default label and autoupdate annotation. */
export function clusterRole(
  name: string,
  rules: PolicyRule[] | undefined,
  opts: { labels?: Record<string, string>; aggregateFrom?: Record<string, string>[] } = {},
): ClusterRole {
  const role: ClusterRole = {
    apiVersion: `${RBAC_GROUP}/v1`,
    kind: 'ClusterRole',
    metadata: bootstrapMetadata(name, opts.labels),
  };
  if (opts.aggregateFrom)
    role.aggregationRule = { clusterRoleSelectors: opts.aggregateFrom.map((matchLabels) => ({ matchLabels })) };
  if (rules) role.rules = rules;
  return role;
}

/** A bootstrap ClusterRoleBinding of the ClusterRole of the same name to these subjects. */
export function clusterRoleBinding(name: string, subjects: Subject[], roleName = name): ClusterRoleBinding {
  const b: ClusterRoleBinding = {
    apiVersion: `${RBAC_GROUP}/v1`,
    kind: 'ClusterRoleBinding',
    metadata: bootstrapMetadata(name),
    roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name: roleName },
  };
  if (subjects.length > 0) b.subjects = subjects;
  return b;
}
