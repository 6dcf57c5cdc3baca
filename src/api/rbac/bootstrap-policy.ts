import type { ClusterRole, ClusterRoleBinding, PolicyRule, Role, RoleBinding } from 'kubernetes-types/rbac/v1.js';
import { controllerRoleBindings, controllerRoles, eventsRule } from './controller-policy.js';
import { namespaceRoleBindings, namespaceRoles } from './namespace-policy.js';
import {
  clusterRole,
  clusterRoleBinding,
  groupSubject,
  newRule,
  serviceAccountSubject,
  userSubject,
} from './rule-builder.js';
import {
  ALL_AUTHENTICATED,
  ALL_SERVICE_ACCOUNTS_GROUP,
  ALL_UNAUTHENTICATED,
  KUBE_CONTROLLER_MANAGER,
  KUBE_PROXY,
  KUBE_SCHEDULER,
  MONITORING_GROUP,
  SYSTEM_PRIVILEGED_GROUP,
} from './users.js';
import { nodeBootstrapClusterRoleBindings } from './node-bootstrap-policy.js';
import { componentClusterRoleBindings, componentClusterRoles } from './component-policy.js';

/**
 * Kubernetes' bootstrap RBAC policy (plugin/pkg/auth/authorizer/rbac/bootstrappolicy/policy.go):
 * the ClusterRoles and ClusterRoleBindings kube-apiserver creates and reconciles at start, with the
 * `kubernetes.io/bootstrapping: rbac-defaults` label and the `rbac.authorization.kubernetes.io/
 * autoupdate: "true"` annotation. Feature-gated rules are included as the gates stand by default.
 * The data is built once per call: callers may mutate what they get.
 */

export const READ = ['get', 'list', 'watch'];
export const WRITE = ['create', 'update', 'patch', 'delete', 'deletecollection'];
export const READ_WRITE = [...READ, ...WRITE];
export const READ_UPDATE = ['get', 'list', 'watch', 'update', 'patch'];

export const AGGREGATE_TO_ADMIN = 'rbac.authorization.k8s.io/aggregate-to-admin';
export const AGGREGATE_TO_EDIT = 'rbac.authorization.k8s.io/aggregate-to-edit';
export const AGGREGATE_TO_VIEW = 'rbac.authorization.k8s.io/aggregate-to-view';

const legacy = '';
const apps = 'apps';
const authentication = 'authentication.k8s.io';
const authorization = 'authorization.k8s.io';
const autoscaling = 'autoscaling';
const batch = 'batch';
const certificates = 'certificates.k8s.io';
const coordination = 'coordination.k8s.io';
const discovery = 'discovery.k8s.io';
const extensions = 'extensions';
const policy = 'policy';
const rbac = 'rbac.authorization.k8s.io';
const storage = 'storage.k8s.io';
const networking = 'networking.k8s.io';

/** Signer names of certificates.k8s.io (k8s.io/api/certificates). */
export const SIGNERS = {
  legacyUnknown: 'kubernetes.io/legacy-unknown',
  kubeAPIServerClient: 'kubernetes.io/kube-apiserver-client',
  kubeAPIServerClientKubelet: 'kubernetes.io/kube-apiserver-client-kubelet',
  kubeletServing: 'kubernetes.io/kubelet-serving',
} as const;

/** The rules of `system:node` (bootstrappolicy.NodeRules); the Node authorizer narrows them per node. */
export function nodeRules(): PolicyRule[] {
  return [
    // Needed to check API access. These creates are non-mutating.
    newRule('create').groups(authentication).resources('tokenreviews').rule(),
    newRule('create').groups(authorization).resources('subjectaccessreviews', 'localsubjectaccessreviews').rule(),
    // Needed to build serviceLister, to populate env vars for services.
    newRule(...READ)
      .groups(legacy)
      .resources('services')
      .rule(),
    // Nodes register their Node object and report status; NodeRestriction limits them to their own.
    newRule('create', 'get', 'list', 'watch').groups(legacy).resources('nodes').rule(),
    newRule('update', 'patch').groups(legacy).resources('nodes/status').rule(),
    newRule('update', 'patch').groups(legacy).resources('nodes').rule(),
    newRule('create', 'update', 'patch').groups(legacy).resources('events').rule(),
    newRule(...READ)
      .groups(legacy)
      .resources('pods')
      .rule(),
    // Mirror pods; pod status; evictions of pods bound to the node.
    newRule('create', 'delete').groups(legacy).resources('pods').rule(),
    newRule('update', 'patch').groups(legacy).resources('pods/status').rule(),
    newRule('create').groups(legacy).resources('pods/eviction').rule(),
    // Secrets, configmaps, PVs and PVCs: the Node authorizer limits these to objects of pods bound to the node.
    newRule('get', 'list', 'watch').groups(legacy).resources('secrets', 'configmaps').rule(),
    newRule('get').groups(legacy).resources('persistentvolumeclaims', 'persistentvolumes').rule(),
    newRule('get').groups(legacy).resources('endpoints').rule(),
    // Certificate rotation of the node's own client certificate.
    newRule('create', 'get', 'list', 'watch').groups(certificates).resources('certificatesigningrequests').rule(),
    newRule('get', 'create', 'update', 'patch', 'delete').groups(coordination).resources('leases').rule(),
    newRule('get').groups(storage).resources('volumeattachments').rule(),
    // Tokens for service accounts of pods on the node (TokenRequest).
    newRule('create').groups(legacy).resources('serviceaccounts/token').rule(),
    newRule('get', 'update', 'patch').groups(legacy).resources('persistentvolumeclaims/status').rule(),
    newRule('get', 'watch', 'list').groups(storage).resources('csidrivers').rule(),
    newRule('get', 'create', 'update', 'patch', 'delete').groups(storage).resources('csinodes').rule(),
    newRule('get', 'list', 'watch').groups('node.k8s.io').resources('runtimeclasses').rule(),
  ];
}

/** The non-controller ClusterRoles kube-apiserver bootstraps (bootstrappolicy.ClusterRoles). */
export function systemClusterRoles(): ClusterRole[] {
  return [
    // A "root" role which can do absolutely anything.
    clusterRole('cluster-admin', [newRule('*').groups('*').resources('*').rule(), newRule('*').urls('*').rule()]),
    // Just enough to see whether the server is ready and to discover API versions.
    clusterRole('system:discovery', [
      newRule('get')
        .urls('/livez', '/readyz', '/healthz', '/version', '/version/', '/openapi', '/openapi/*', '/api', '/api/*')
        .urls('/apis', '/apis/*')
        .rule(),
    ]),
    // Read access to the monitoring endpoints.
    clusterRole('system:monitoring', [
      newRule('get').urls('/metrics', '/livez', '/readyz', '/healthz', '/livez/*', '/readyz/*', '/healthz/*').rule(),
    ]),
    // What a "normal" user needs to learn about themselves (kubectl auth can-i).
    clusterRole('system:basic-user', [
      newRule('create').groups(authorization).resources('selfsubjectaccessreviews', 'selfsubjectrulesreviews').rule(),
      newRule('create').groups(authentication).resources('selfsubjectreviews').rule(),
    ]),
    // Insensitive cluster information, also for anonymous users.
    clusterRole('system:public-info-viewer', [
      newRule('get').urls('/livez', '/readyz', '/healthz', '/version', '/version/').rule(),
    ]),
    // Namespace admin: edit plus granting permissions to others. Aggregated.
    clusterRole('admin', undefined, { aggregateFrom: [{ [AGGREGATE_TO_ADMIN]: 'true' }] }),
    // Namespace editor: all user-level actions, no /status writes, quota or limits. Aggregated into admin.
    clusterRole('edit', undefined, {
      labels: { [AGGREGATE_TO_ADMIN]: 'true' },
      aggregateFrom: [{ [AGGREGATE_TO_EDIT]: 'true' }],
    }),
    // Namespace viewer: read-only on non-escalating resources (no secrets). Aggregated into edit.
    clusterRole('view', undefined, {
      labels: { [AGGREGATE_TO_EDIT]: 'true' },
      aggregateFrom: [{ [AGGREGATE_TO_VIEW]: 'true' }],
    }),
    clusterRole(
      'system:aggregate-to-admin',
      [
        newRule('create').groups(authorization).resources('localsubjectaccessreviews').rule(),
        newRule(...READ_WRITE)
          .groups(rbac)
          .resources('roles', 'rolebindings')
          .rule(),
      ],
      { labels: { [AGGREGATE_TO_ADMIN]: 'true' } },
    ),
    clusterRole(
      'system:aggregate-to-edit',
      [
        // Read on escalating resources.
        newRule(...READ)
          .groups(legacy)
          .resources('pods/attach', 'pods/proxy', 'pods/exec', 'pods/portforward', 'secrets', 'services/proxy')
          .rule(),
        newRule('impersonate').groups(legacy).resources('serviceaccounts').rule(),
        newRule(...WRITE)
          .groups(legacy)
          .resources('pods', 'pods/attach', 'pods/proxy', 'pods/exec', 'pods/portforward')
          .rule(),
        newRule('create').groups(legacy).resources('pods/eviction').rule(),
        newRule(...WRITE)
          .groups(legacy)
          .resources('replicationcontrollers', 'replicationcontrollers/scale', 'serviceaccounts', 'services')
          .resources('services/proxy', 'persistentvolumeclaims', 'configmaps', 'secrets', 'events')
          .rule(),
        newRule('create').groups(legacy).resources('serviceaccounts/token').rule(),
        newRule(...WRITE)
          .groups(apps)
          .resources('statefulsets', 'statefulsets/scale', 'daemonsets', 'deployments', 'deployments/scale')
          .resources('deployments/rollback', 'replicasets', 'replicasets/scale')
          .rule(),
        newRule(...WRITE)
          .groups(autoscaling)
          .resources('horizontalpodautoscalers')
          .rule(),
        newRule(...WRITE)
          .groups(batch)
          .resources('jobs', 'cronjobs')
          .rule(),
        newRule(...WRITE)
          .groups(extensions)
          .resources('daemonsets', 'deployments', 'deployments/scale', 'deployments/rollback', 'ingresses')
          .resources('replicasets', 'replicasets/scale', 'replicationcontrollers/scale', 'networkpolicies')
          .rule(),
        newRule(...WRITE)
          .groups(policy)
          .resources('poddisruptionbudgets')
          .rule(),
        newRule(...WRITE)
          .groups(networking)
          .resources('networkpolicies', 'ingresses')
          .rule(),
      ],
      { labels: { [AGGREGATE_TO_EDIT]: 'true' } },
    ),
    clusterRole(
      'system:aggregate-to-view',
      [
        newRule(...READ)
          .groups(legacy)
          .resources('pods', 'replicationcontrollers', 'replicationcontrollers/scale', 'serviceaccounts', 'services')
          .resources('services/status', 'endpoints', 'persistentvolumeclaims', 'persistentvolumeclaims/status')
          .resources('configmaps')
          .rule(),
        newRule(...READ)
          .groups(legacy)
          .resources('limitranges', 'resourcequotas', 'bindings', 'events', 'pods/status', 'resourcequotas/status')
          .resources('namespaces/status', 'replicationcontrollers/status', 'pods/log')
          .rule(),
        // Read access to namespaces at namespace scope: you can read *this* namespace.
        newRule(...READ)
          .groups(legacy)
          .resources('namespaces')
          .rule(),
        newRule(...READ)
          .groups(discovery)
          .resources('endpointslices')
          .rule(),
        newRule(...READ)
          .groups(apps)
          .resources('controllerrevisions', 'statefulsets', 'statefulsets/status', 'statefulsets/scale')
          .resources('daemonsets', 'daemonsets/status', 'deployments', 'deployments/status', 'deployments/scale')
          .resources('replicasets', 'replicasets/status', 'replicasets/scale')
          .rule(),
        newRule(...READ)
          .groups(autoscaling)
          .resources('horizontalpodautoscalers', 'horizontalpodautoscalers/status')
          .rule(),
        newRule(...READ)
          .groups(batch)
          .resources('jobs', 'cronjobs', 'cronjobs/status', 'jobs/status')
          .rule(),
        newRule(...READ)
          .groups(extensions)
          .resources('daemonsets', 'daemonsets/status', 'deployments', 'deployments/scale', 'deployments/status')
          .resources('ingresses', 'ingresses/status', 'replicasets', 'replicasets/scale', 'replicasets/status')
          .resources('replicationcontrollers/scale', 'networkpolicies')
          .rule(),
        newRule(...READ)
          .groups(policy)
          .resources('poddisruptionbudgets', 'poddisruptionbudgets/status')
          .rule(),
        newRule(...READ)
          .groups(networking)
          .resources('networkpolicies', 'ingresses', 'ingresses/status')
          .rule(),
      ],
      { labels: { [AGGREGATE_TO_VIEW]: 'true' } },
    ),
    clusterRole('system:heapster', [
      newRule(...READ)
        .groups(legacy)
        .resources('events', 'pods', 'nodes', 'namespaces')
        .rule(),
      newRule(...READ)
        .groups(extensions)
        .resources('deployments')
        .rule(),
    ]),
    clusterRole('system:node', nodeRules()),
    clusterRole('system:node-problem-detector', [
      newRule('get').groups(legacy).resources('nodes').rule(),
      newRule('patch').groups(legacy).resources('nodes/status').rule(),
      eventsRule(),
    ]),
    // Full access to the kubelet (agent) API.
    clusterRole('system:kubelet-api-admin', [
      newRule('get', 'list', 'watch').groups(legacy).resources('nodes').rule(),
      newRule('proxy').groups(legacy).resources('nodes').rule(),
      newRule('*')
        .groups(legacy)
        .resources('nodes/proxy', 'nodes/metrics', 'nodes/spec', 'nodes/stats', 'nodes/log')
        .rule(),
    ]),
    clusterRole('system:node-bootstrapper', [
      newRule('create', 'get', 'list', 'watch').groups(certificates).resources('certificatesigningrequests').rule(),
    ]),
    clusterRole('system:auth-delegator', [
      newRule('create').groups(authentication).resources('tokenreviews').rule(),
      newRule('create').groups(authorization).resources('subjectaccessreviews').rule(),
    ]),
    clusterRole('system:kube-aggregator', [
      newRule(...READ)
        .groups(legacy)
        .resources('services', 'endpoints')
        .rule(),
    ]),
    clusterRole('system:kube-controller-manager', [
      eventsRule(),
      // Leader election.
      newRule('create').groups(coordination).resources('leases').rule(),
      newRule('get', 'update').groups(coordination).resources('leases').names('kube-controller-manager').rule(),
      newRule('create').groups(legacy).resources('endpoints').rule(),
      newRule('get', 'update').groups(legacy).resources('endpoints').names('kube-controller-manager').rule(),
      // Fundamental resources.
      newRule('create').groups(legacy).resources('secrets', 'serviceaccounts').rule(),
      newRule('delete').groups(legacy).resources('secrets').rule(),
      newRule('get').groups(legacy).resources('namespaces', 'secrets', 'serviceaccounts', 'configmaps').rule(),
      newRule('update').groups(legacy).resources('secrets', 'serviceaccounts').rule(),
      newRule('create').groups(authentication).resources('tokenreviews').rule(),
      newRule('create').groups(authorization).resources('subjectaccessreviews').rule(),
      // All shared informers.
      newRule('list', 'watch').groups('*').resources('*').rule(),
      newRule('create').groups(legacy).resources('serviceaccounts/token').rule(),
    ]),
    clusterRole('system:kube-dns', [newRule('list', 'watch').groups(legacy).resources('endpoints', 'services').rule()]),
    clusterRole('system:persistent-volume-provisioner', [
      newRule('get', 'list', 'watch', 'create', 'delete').groups(legacy).resources('persistentvolumes').rule(),
      newRule('get', 'list', 'watch', 'update').groups(legacy).resources('persistentvolumeclaims').rule(),
      newRule(...READ)
        .groups(storage)
        .resources('storageclasses')
        .rule(),
      newRule('watch').groups(legacy).resources('events').rule(),
      eventsRule(),
    ]),
    clusterRole('system:certificates.k8s.io:certificatesigningrequests:nodeclient', [
      newRule('create').groups(certificates).resources('certificatesigningrequests/nodeclient').rule(),
    ]),
    clusterRole('system:certificates.k8s.io:certificatesigningrequests:selfnodeclient', [
      newRule('create').groups(certificates).resources('certificatesigningrequests/selfnodeclient').rule(),
    ]),
    clusterRole('system:volume-scheduler', [
      newRule(...READ_UPDATE)
        .groups(legacy)
        .resources('persistentvolumes')
        .rule(),
      newRule(...READ)
        .groups(storage)
        .resources('storageclasses')
        .rule(),
      newRule(...READ_UPDATE)
        .groups(legacy)
        .resources('persistentvolumeclaims')
        .rule(),
    ]),
    clusterRole('system:certificates.k8s.io:legacy-unknown-approver', [
      newRule('approve').groups(certificates).resources('signers').names(SIGNERS.legacyUnknown).rule(),
    ]),
    clusterRole('system:certificates.k8s.io:kubelet-serving-approver', [
      newRule('approve').groups(certificates).resources('signers').names(SIGNERS.kubeletServing).rule(),
    ]),
    clusterRole('system:certificates.k8s.io:kube-apiserver-client-approver', [
      newRule('approve').groups(certificates).resources('signers').names(SIGNERS.kubeAPIServerClient).rule(),
    ]),
    clusterRole('system:certificates.k8s.io:kube-apiserver-client-kubelet-approver', [
      newRule('approve').groups(certificates).resources('signers').names(SIGNERS.kubeAPIServerClientKubelet).rule(),
    ]),
    // The ServiceAccount issuer discovery documents (OIDC).
    clusterRole('system:service-account-issuer-discovery', [
      newRule('get').urls('/.well-known/openid-configuration', '/openid/v1/jwks').rule(),
    ]),
    // kube-proxy (Flotilla's service proxy).
    clusterRole('system:node-proxier', [
      newRule('list', 'watch').groups(legacy).resources('services', 'endpoints').rule(),
      newRule('get', 'list', 'watch').groups(legacy).resources('nodes').rule(),
      eventsRule(),
      newRule('list', 'watch').groups(discovery).resources('endpointslices').rule(),
    ]),
    clusterRole('system:kube-scheduler', [
      eventsRule(),
      // Leader election.
      newRule('create').groups(coordination).resources('leases').rule(),
      newRule('get', 'update').groups(coordination).resources('leases').names('kube-scheduler').rule(),
      newRule('create').groups(legacy).resources('endpoints').rule(),
      newRule('get', 'update').groups(legacy).resources('endpoints').names('kube-scheduler').rule(),
      // Fundamental resources.
      newRule(...READ)
        .groups(legacy)
        .resources('nodes')
        .rule(),
      newRule('get', 'list', 'watch', 'delete').groups(legacy).resources('pods').rule(),
      newRule('create').groups(legacy).resources('pods/binding', 'bindings').rule(),
      newRule('patch', 'update').groups(legacy).resources('pods/status').rule(),
      // Things that select pods.
      newRule(...READ)
        .groups(legacy)
        .resources('services', 'replicationcontrollers')
        .rule(),
      newRule(...READ)
        .groups(apps, extensions)
        .resources('replicasets')
        .rule(),
      newRule(...READ)
        .groups(apps)
        .resources('statefulsets')
        .rule(),
      // Things pods use or that apply to them.
      newRule(...READ)
        .groups(policy)
        .resources('poddisruptionbudgets')
        .rule(),
      newRule(...READ)
        .groups(legacy)
        .resources('persistentvolumeclaims', 'persistentvolumes')
        .rule(),
      newRule('create').groups(authentication).resources('tokenreviews').rule(),
      newRule('create').groups(authorization).resources('subjectaccessreviews').rule(),
      newRule(...READ)
        .groups(storage)
        .resources('csinodes')
        .rule(),
      newRule(...READ)
        .groups(legacy)
        .resources('namespaces')
        .rule(),
      newRule(...READ)
        .groups(storage)
        .resources('csidrivers')
        .rule(),
      newRule(...READ)
        .groups(storage)
        .resources('csistoragecapacities')
        .rule(),
    ]),
  ];
}

/** The non-controller ClusterRoleBindings kube-apiserver bootstraps (bootstrappolicy.ClusterRoleBindings). */
export function systemClusterRoleBindings(): ClusterRoleBinding[] {
  return [
    clusterRoleBinding('cluster-admin', [groupSubject(SYSTEM_PRIVILEGED_GROUP)]),
    clusterRoleBinding('system:monitoring', [groupSubject(MONITORING_GROUP)]),
    clusterRoleBinding('system:discovery', [groupSubject(ALL_AUTHENTICATED)]),
    clusterRoleBinding('system:basic-user', [groupSubject(ALL_AUTHENTICATED)]),
    clusterRoleBinding('system:public-info-viewer', [
      groupSubject(ALL_AUTHENTICATED),
      groupSubject(ALL_UNAUTHENTICATED),
    ]),
    clusterRoleBinding('system:node-proxier', [userSubject(KUBE_PROXY)]),
    clusterRoleBinding('system:kube-controller-manager', [userSubject(KUBE_CONTROLLER_MANAGER)]),
    clusterRoleBinding('system:kube-dns', [serviceAccountSubject('kube-system', 'kube-dns')]),
    clusterRoleBinding('system:kube-scheduler', [userSubject(KUBE_SCHEDULER)]),
    clusterRoleBinding('system:volume-scheduler', [userSubject(KUBE_SCHEDULER)]),
    // Kept without subjects since the Node authorizer took over from this binding (tightening
    // reconciliation may remove a subject an old cluster still has).
    clusterRoleBinding('system:node', []),
    clusterRoleBinding('system:service-account-issuer-discovery', [groupSubject(ALL_SERVICE_ACCOUNTS_GROUP)]),
  ];
}

/** Everything the server reconciles at start: system roles and bindings, the controller ones, the namespaced ones. */
export interface BootstrapPolicy {
  clusterRoles: ClusterRole[];
  clusterRoleBindings: ClusterRoleBinding[];
  /** In kube-system and kube-public; the reconciler creates a missing namespace first, as Kubernetes does. */
  roles: Role[];
  roleBindings: RoleBinding[];
}

/** The whole bootstrap policy, in the order kube-apiserver reconciles it. Fresh objects each call. */
export function bootstrapPolicy(): BootstrapPolicy {
  return {
    clusterRoles: [...systemClusterRoles(), ...controllerRoles(), ...componentClusterRoles()],
    clusterRoleBindings: [
      ...systemClusterRoleBindings(),
      ...controllerRoleBindings(),
      ...nodeBootstrapClusterRoleBindings(),
      ...componentClusterRoleBindings(),
    ],
    roles: namespaceRoles(),
    roleBindings: namespaceRoleBindings(),
  };
}
