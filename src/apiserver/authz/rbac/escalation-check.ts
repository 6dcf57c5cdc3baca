import type { ClusterRole, PolicyRule, Role, RoleBinding, RoleRef } from 'kubernetes-types/rbac/v1.js';
import { ApiError, errors } from '../../../api/errors.js';
import { deepEqual } from '../../../api/deep-equal.js';
import type { KubeObject } from '../../../api/object.js';
import { compactRules, compactString, goQuoteList } from '../../../api/rbac/compact-rules.js';
import { covers } from '../../../api/rbac/policy-rule.js';
import { SYSTEM_PRIVILEGED_GROUP } from '../../../api/rbac/users.js';
import { aggregateErrors, type Authorizer, type AuthzUser } from '../authorizer.js';
import { goQuote } from '../forbidden.js';
import type { RbacLister } from './rbac-lister.js';
import { rulesFor } from './rule-resolver.js';

/**
 * Kubernetes' privilege-escalation prevention on RBAC writes (pkg/registry/rbac/{role,clusterrole,
 * rolebinding,clusterrolebinding}/policybased): nobody grants what they do not hold.
 *
 *   Role / ClusterRole create or update
 *     system:masters, or `escalate` on roles/clusterroles        → allowed
 *     else every rule must be covered by the writer's own RBAC rules in that namespace
 *     ClusterRole with an aggregationRule (new or old)             → needs `*` on `*.*` and `*` URLs
 *   RoleBinding / ClusterRoleBinding create or update
 *     system:masters, or `bind` on the referenced role             → allowed
 *     else the writer must hold every rule of the referenced role (404 when it is missing)
 *
 * Updates that only change ownerReferences and finalizers (the garbage collector) pass. The
 * owner's rules come from RBAC alone (Kubernetes' rule resolver), the `escalate` and `bind`
 * questions go to the whole authorizer chain.
 */
export interface EscalationCheckDeps {
  authorizer: Authorizer;
  lister: RbacLister;
}

export const RBAC_GROUP = 'rbac.authorization.k8s.io';

/** `*` on everything: what setting an aggregationRule needs (Kubernetes' fullAuthority). */
const FULL_AUTHORITY: PolicyRule[] = [
  { verbs: ['*'], apiGroups: ['*'], resources: ['*'] },
  { verbs: ['*'], nonResourceURLs: ['*'] },
];

/** What is being written: the RBAC kind's resource, where, and the objects. */
export interface RbacWrite {
  group: string;
  /** roles, clusterroles, rolebindings or clusterrolebindings (other resources pass). */
  resource: string;
  /** The request's namespace ('' for the cluster-scoped kinds). */
  namespace: string;
  /** The name the messages show ('' for a create with a generated name, as Kubernetes checks before naming). */
  name: string;
  /** The URL's name ('' on create): what the `escalate` question names. */
  requestName: string;
  next: KubeObject;
  /** The stored object on update; undefined on create. */
  old?: KubeObject;
}

/** The RbacWrite of a REST create (old undefined) or update. */
export function rbacWrite(
  call: { rt: { group: string; plural: string }; namespace: string; name: string },
  next: KubeObject,
  old?: KubeObject,
  generatedName = false,
): RbacWrite {
  return {
    group: call.rt.group,
    resource: call.rt.plural,
    namespace: call.namespace,
    name: generatedName ? '' : (next.metadata.name ?? ''),
    requestName: old ? call.name : '',
    next,
    old,
  };
}

/**
 * Throws 403 (or 404 for a binding to a missing role) when `user` may not make this write; returns
 * otherwise. Called on the main thread after the object was defaulted and validated, before admission.
 */
export function checkRbacEscalation(deps: EscalationCheckDeps, user: AuthzUser, write: RbacWrite): void {
  if (write.group !== RBAC_GROUP) return;
  if (user.groups.includes(SYSTEM_PRIVILEGED_GROUP)) return;
  switch (write.resource) {
    case 'roles':
    case 'clusterroles':
      checkRoleWrite(deps, user, write);
      return;
    case 'rolebindings':
    case 'clusterrolebindings':
      checkBindingWrite(deps, user, write);
      return;
  }
}

function checkRoleWrite(deps: EscalationCheckDeps, user: AuthzUser, write: RbacWrite): void {
  const escalate = deps.authorizer.authorize({
    resourceRequest: true,
    user,
    verb: 'escalate',
    apiGroup: RBAC_GROUP,
    apiVersion: '*',
    resource: write.resource,
    subresource: '',
    namespace: write.namespace,
    name: write.requestName,
  });
  if (escalate.decision === 'allow') return;
  if (write.old && onlyGcFieldsChanged(write.next, write.old)) return;
  const role = write.next as unknown as Role | ClusterRole;
  const denied = confirmNoEscalation(deps, user, write.namespace, role.rules ?? []);
  if (denied) throw forbidden(write, denied);
  if (write.resource !== 'clusterroles') return;
  if (hasAggregationRule(write.next) || (write.old !== undefined && hasAggregationRule(write.old))) {
    if (confirmNoEscalation(deps, user, write.namespace, FULL_AUTHORITY))
      throw forbidden(write, 'must have cluster-admin privileges to use the aggregationRule');
  }
}

function checkBindingWrite(deps: EscalationCheckDeps, user: AuthzUser, write: RbacWrite): void {
  if (write.old && onlyGcFieldsChanged(write.next, write.old)) return;
  const ref = (write.next as unknown as RoleBinding).roleRef;
  if (bindingAuthorized(deps.authorizer, user, ref, write.namespace)) return;
  const rules = roleRefRules(deps.lister, ref, write.namespace);
  const denied = confirmNoEscalation(deps, user, write.namespace, rules);
  if (denied) throw forbidden(write, denied);
}

/** Kubernetes' BindingAuthorized: `bind` on the referenced role, asked in the binding's namespace. */
function bindingAuthorized(
  authorizer: Authorizer,
  user: AuthzUser,
  ref: RoleRef | undefined,
  namespace: string,
): boolean {
  if (!ref || (ref.kind !== 'Role' && ref.kind !== 'ClusterRole')) return false;
  return (
    authorizer.authorize({
      resourceRequest: true,
      user,
      verb: 'bind',
      apiGroup: ref.apiGroup ?? '',
      apiVersion: '',
      resource: ref.kind === 'Role' ? 'roles' : 'clusterroles',
      subresource: '',
      namespace,
      name: ref.name,
    }).decision === 'allow'
  );
}

/** The rules of the role a binding refers to; 404 as the registry answers when it does not exist. */
function roleRefRules(lister: RbacLister, ref: RoleRef | undefined, namespace: string): readonly PolicyRule[] {
  if (ref?.kind === 'Role') {
    const role = lister.getRole(namespace, ref.name);
    if (!role) throw errors.notFound('roles', ref.name, RBAC_GROUP);
    return role.rules ?? [];
  }
  if (ref?.kind === 'ClusterRole') {
    const role = lister.getClusterRole(ref.name);
    if (!role) throw errors.notFound('clusterroles', ref.name, RBAC_GROUP);
    return role.rules ?? [];
  }
  throw errors.badRequest(`unsupported role reference kind: ${goQuote(ref?.kind ?? '')}`);
}

/**
 * Kubernetes' ConfirmNoEscalation: undefined when the user's own RBAC rules in `namespace` cover
 * `rules`, else the message listing what is missing (compacted, sorted, one rule per line).
 */
export function confirmNoEscalation(
  deps: Pick<EscalationCheckDeps, 'lister'>,
  user: AuthzUser,
  namespace: string,
  rules: readonly PolicyRule[],
): string | undefined {
  const owned = rulesFor(deps.lister, user, namespace);
  const { covered, uncovered } = covers(owned.rules, rules);
  if (covered) return undefined;
  const lines = [...new Set(compactRules(uncovered).map(compactString))].sort();
  let msg = `user ${goQuote(user.name)} (groups=${goQuoteList(user.groups)}) is attempting to grant RBAC permissions not currently held:\n${lines.join('\n')}`;
  const resolution = aggregateErrors(owned.errors);
  if (resolution !== undefined) msg += `; resolution errors: [${resolution}]`;
  return msg;
}

function forbidden(write: RbacWrite, detail: string): ApiError {
  const qualified = `${write.resource}.${RBAC_GROUP}`;
  const head = write.name ? `${qualified} ${goQuote(write.name)}` : qualified;
  return new ApiError(403, 'Forbidden', `${head} is forbidden: ${detail}`, {
    ...(write.name ? { name: write.name } : {}),
    group: RBAC_GROUP,
    kind: write.resource,
  });
}

function hasAggregationRule(obj: KubeObject): boolean {
  return ((obj as unknown as ClusterRole).aggregationRule?.clusterRoleSelectors ?? []).length > 0;
}

/**
 * Kubernetes' IsOnlyMutatingGCFields: the update changes nothing but ownerReferences and
 * finalizers (server-owned bookkeeping such as managedFields and the resourceVersion aside).
 */
function onlyGcFieldsChanged(next: KubeObject, old: KubeObject): boolean {
  const strip = (o: KubeObject): KubeObject => {
    const meta = { ...o.metadata };
    delete meta.ownerReferences;
    delete meta.finalizers;
    delete meta.managedFields;
    delete meta.resourceVersion;
    return { ...o, metadata: meta };
  };
  return deepEqual(strip(next), strip(old));
}
