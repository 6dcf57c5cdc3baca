import type { ClusterRole, ClusterRoleBinding, Role, RoleBinding } from 'kubernetes-types/rbac/v1.js';
import type { AuthzUser } from '../authorizer.js';
import { BindingIndex } from './binding-index.js';

/**
 * What the RBAC authorizer reads (Kubernetes' RoleGetter, RoleBindingLister, ClusterRoleGetter,
 * ClusterRoleBindingLister in one). Feed it from the watch cache or from informers; it is called
 * on every request, so each call must be an in-memory lookup. Returned objects are not mutated.
 */
export interface RbacLister {
  /** undefined when the Role does not exist. */
  getRole(namespace: string, name: string): Role | undefined;
  /** All RoleBindings of one namespace. */
  listRoleBindings(namespace: string): readonly RoleBinding[];
  /**
   * The RoleBindings of one namespace that may name the user (a subject for the user, a ServiceAccount
   * of that user name, or one of its groups): a superset of those that apply, in no promised order.
   */
  roleBindingsFor(namespace: string, user: AuthzUser): readonly RoleBinding[];
  /** undefined when the ClusterRole does not exist. */
  getClusterRole(name: string): ClusterRole | undefined;
  listClusterRoleBindings(): readonly ClusterRoleBinding[];
  /** The ClusterRoleBindings that may name the user, as roleBindingsFor. */
  clusterRoleBindingsFor(user: AuthzUser): readonly ClusterRoleBinding[];
  /**
   * A number that changes whenever any answer above may change; undefined when the lister cannot
   * tell (then nothing read from it may be remembered). Lets the authorizer remember decisions.
   */
  version?(): number;
}

export interface RbacObjects {
  roles?: readonly Role[];
  roleBindings?: readonly RoleBinding[];
  clusterRoles?: readonly ClusterRole[];
  clusterRoleBindings?: readonly ClusterRoleBinding[];
}

/**
 * An RbacLister over fixed lists, indexed once (by namespace, name and subject). For tests, and
 * for a caller that rebuilds it from a snapshot whenever RBAC objects change.
 */
export function staticRbacLister(objects: RbacObjects): RbacLister {
  const roles = new Map<string, Role>();
  for (const r of objects.roles ?? []) roles.set(`${r.metadata?.namespace ?? ''}/${r.metadata?.name ?? ''}`, r);
  const bindings = new BindingIndex<RoleBinding>();
  for (const b of objects.roleBindings ?? []) bindings.set(b);
  const clusterRoles = new Map<string, ClusterRole>();
  for (const r of objects.clusterRoles ?? []) clusterRoles.set(r.metadata?.name ?? '', r);
  const clusterBindings = new BindingIndex<ClusterRoleBinding>();
  for (const b of objects.clusterRoleBindings ?? []) clusterBindings.set(withoutNamespace(b));
  return {
    getRole: (namespace, name) => roles.get(`${namespace}/${name}`),
    listRoleBindings: (namespace) => bindings.list(namespace),
    roleBindingsFor: (namespace, user) => bindings.candidates(namespace, user),
    getClusterRole: (name) => clusterRoles.get(name),
    listClusterRoleBindings: () => clusterBindings.list(''),
    clusterRoleBindingsFor: (user) => clusterBindings.candidates('', user),
    version: () => 0,
  };
}

/** A ClusterRoleBinding indexed under the cluster scope ('') whatever its metadata says. */
export function withoutNamespace(b: ClusterRoleBinding): ClusterRoleBinding {
  return b.metadata?.namespace ? { ...b, metadata: { ...b.metadata, namespace: '' } } : b;
}
