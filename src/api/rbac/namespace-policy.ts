import type { Role, RoleBinding, Subject } from 'kubernetes-types/rbac/v1.js';
import { eventsRule } from './controller-policy.js';
import {
  AUTOUPDATE_ANNOTATION,
  BOOTSTRAPPING_LABEL,
  BOOTSTRAPPING_VALUE,
  newRule,
  RBAC_GROUP,
  serviceAccountSubject,
  userSubject,
} from './rule-builder.js';
import { KUBE_CONTROLLER_MANAGER, KUBE_SCHEDULER } from './users.js';

/**
 * The namespaced Roles and RoleBindings kube-apiserver bootstraps in kube-system and kube-public
 * (bootstrappolicy/namespace_policy.go, published as testdata namespace-roles.yaml and
 * namespace-role-bindings.yaml): leader locking for the controller manager and the scheduler, the
 * extension-apiserver-authentication reader, and the bootstrap-token controllers.
 */

const legacy = '';
const coordination = 'coordination.k8s.io';

function meta(namespace: string, name: string): Role['metadata'] {
  return {
    name,
    namespace,
    labels: { [BOOTSTRAPPING_LABEL]: BOOTSTRAPPING_VALUE },
    annotations: { [AUTOUPDATE_ANNOTATION]: 'true' },
  };
}

function role(namespace: string, name: string, rules: Role['rules']): Role {
  return { apiVersion: `${RBAC_GROUP}/v1`, kind: 'Role', metadata: meta(namespace, name), rules };
}

function roleBinding(namespace: string, name: string, roleName: string, subjects: Subject[]): RoleBinding {
  return {
    apiVersion: `${RBAC_GROUP}/v1`,
    kind: 'RoleBinding',
    metadata: meta(namespace, name),
    roleRef: { apiGroup: RBAC_GROUP, kind: 'Role', name: roleName },
    subjects,
  };
}

/** Bootstrap Roles, in the published order. Fresh objects each call. */
export function namespaceRoles(): Role[] {
  const leaderLocking = () => [
    newRule('watch', 'get', 'list', 'create', 'update').groups(coordination).resources('leases').rule(),
    newRule('watch', 'get', 'list', 'create', 'update').groups(coordination).resources('leasecandidates').rule(),
  ];
  return [
    role('kube-public', 'system:controller:bootstrap-signer', [
      newRule('get', 'list', 'watch').groups(legacy).resources('configmaps').rule(),
      newRule('update').groups(legacy).resources('configmaps').names('cluster-info').rule(),
      eventsRule(),
    ]),
    role('kube-system', 'extension-apiserver-authentication-reader', [
      newRule('get', 'list', 'watch')
        .groups(legacy)
        .resources('configmaps')
        .names('extension-apiserver-authentication')
        .rule(),
    ]),
    role('kube-system', 'system::leader-locking-kube-controller-manager', leaderLocking()),
    role('kube-system', 'system::leader-locking-kube-scheduler', leaderLocking()),
    role('kube-system', 'system:controller:bootstrap-signer', [
      newRule('get', 'list', 'watch').groups(legacy).resources('secrets').rule(),
    ]),
    role('kube-system', 'system:controller:cloud-provider', [
      newRule('create', 'get', 'list', 'watch').groups(legacy).resources('configmaps').rule(),
    ]),
    role('kube-system', 'system:controller:token-cleaner', [
      newRule('delete', 'get', 'list', 'watch').groups(legacy).resources('secrets').rule(),
      eventsRule(),
    ]),
  ];
}

/** Bootstrap RoleBindings, in the published order. Fresh objects each call. */
export function namespaceRoleBindings(): RoleBinding[] {
  const sys = 'kube-system';
  return [
    roleBinding('kube-public', 'system:controller:bootstrap-signer', 'system:controller:bootstrap-signer', [
      serviceAccountSubject(sys, 'bootstrap-signer'),
    ]),
    roleBinding(sys, 'system::extension-apiserver-authentication-reader', 'extension-apiserver-authentication-reader', [
      userSubject(KUBE_CONTROLLER_MANAGER),
      userSubject(KUBE_SCHEDULER),
    ]),
    roleBinding(
      sys,
      'system::leader-locking-kube-controller-manager',
      'system::leader-locking-kube-controller-manager',
      [
        userSubject(KUBE_CONTROLLER_MANAGER),
        serviceAccountSubject(sys, 'kube-controller-manager'),
        serviceAccountSubject(sys, 'leader-election-controller'),
      ],
    ),
    roleBinding(sys, 'system::leader-locking-kube-scheduler', 'system::leader-locking-kube-scheduler', [
      userSubject(KUBE_SCHEDULER),
      serviceAccountSubject(sys, 'kube-scheduler'),
    ]),
    roleBinding(sys, 'system:controller:bootstrap-signer', 'system:controller:bootstrap-signer', [
      serviceAccountSubject(sys, 'bootstrap-signer'),
    ]),
    roleBinding(sys, 'system:controller:cloud-provider', 'system:controller:cloud-provider', [
      serviceAccountSubject(sys, 'cloud-provider'),
    ]),
    roleBinding(sys, 'system:controller:token-cleaner', 'system:controller:token-cleaner', [
      serviceAccountSubject(sys, 'token-cleaner'),
    ]),
  ];
}
