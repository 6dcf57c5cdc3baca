import type { ClusterRole, ClusterRoleBinding, Role, RoleBinding } from 'kubernetes-types/rbac/v1.js';

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
  /** undefined when the ClusterRole does not exist. */
  getClusterRole(name: string): ClusterRole | undefined;
  listClusterRoleBindings(): readonly ClusterRoleBinding[];
}

export interface RbacObjects {
  roles?: readonly Role[];
  roleBindings?: readonly RoleBinding[];
  clusterRoles?: readonly ClusterRole[];
  clusterRoleBindings?: readonly ClusterRoleBinding[];
}

/**
 * An RbacLister over fixed lists, indexed once (by namespace and name). For tests, and for a
 * caller that rebuilds it from a snapshot whenever RBAC objects change.
 */
export function staticRbacLister(objects: RbacObjects): RbacLister {
  const roles = new Map<string, Role>();
  for (const r of objects.roles ?? []) roles.set(`${r.metadata?.namespace ?? ''}/${r.metadata?.name ?? ''}`, r);
  const bindings = new Map<string, RoleBinding[]>();
  for (const b of objects.roleBindings ?? []) {
    const ns = b.metadata?.namespace ?? '';
    const list = bindings.get(ns);
    if (list) list.push(b);
    else bindings.set(ns, [b]);
  }
  const clusterRoles = new Map<string, ClusterRole>();
  for (const r of objects.clusterRoles ?? []) clusterRoles.set(r.metadata?.name ?? '', r);
  const clusterRoleBindings = [...(objects.clusterRoleBindings ?? [])];
  return {
    getRole: (namespace, name) => roles.get(`${namespace}/${name}`),
    listRoleBindings: (namespace) => bindings.get(namespace) ?? [],
    getClusterRole: (name) => clusterRoles.get(name),
    listClusterRoleBindings: () => clusterRoleBindings,
  };
}
