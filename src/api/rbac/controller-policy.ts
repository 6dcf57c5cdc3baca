import type { ClusterRole, ClusterRoleBinding, PolicyRule } from 'kubernetes-types/rbac/v1.js';
import { clusterRole, clusterRoleBinding, newRule, serviceAccountSubject } from './rule-builder.js';
import { serviceAccountGroups, serviceAccountUsername } from './users.js';

/**
 * Per-controller ClusterRoles (Kubernetes' bootstrappolicy/controller_policy.go): each controller
 * acts as the ServiceAccount `kube-system/<controller>` and holds `system:controller:<controller>`
 * through a ClusterRoleBinding of the same name. Listed here: the controllers Flotilla runs or is
 * about to run (aggregation, root CA publisher, certificates); rules are Kubernetes' own, with
 * feature-gated rules as the gates stand by default.
 */

export const CONTROLLER_ROLE_PREFIX = 'system:controller:';
export const CONTROLLER_NAMESPACE = 'kube-system';

const legacy = '';
const apps = 'apps';
const autoscaling = 'autoscaling';
const batch = 'batch';
const certificates = 'certificates.k8s.io';
const discovery = 'discovery.k8s.io';
const events = 'events.k8s.io';
const extensions = 'extensions';
const policy = 'policy';
const rbac = 'rbac.authorization.k8s.io';
const storage = 'storage.k8s.io';
const networking = 'networking.k8s.io';
const authorization = 'authorization.k8s.io';

/** create/update/patch on events in both event groups (bootstrappolicy.eventsRule). */
export function eventsRule(): PolicyRule {
  return newRule('create', 'update', 'patch').groups(legacy, events).resources('events').rule();
}

/** The user a controller authenticates as: `system:serviceaccount:kube-system:<controller>`. */
export function controllerUser(controller: string): { name: string; groups: string[] } {
  return {
    name: serviceAccountUsername(CONTROLLER_NAMESPACE, controller),
    groups: [...serviceAccountGroups(CONTROLLER_NAMESPACE), 'system:authenticated'],
  };
}

function controllerRuleSets(): Record<string, PolicyRule[]> {
  return {
    'clusterrole-aggregation-controller': [
      // Full permissions on clusterroles, so it can write any aggregated rule.
      newRule('escalate', 'get', 'list', 'watch', 'update', 'patch').groups(rbac).resources('clusterroles').rule(),
    ],
    'cronjob-controller': [
      newRule('get', 'list', 'watch', 'update').groups(batch).resources('cronjobs').rule(),
      newRule('get', 'list', 'watch', 'create', 'update', 'delete', 'patch').groups(batch).resources('jobs').rule(),
      newRule('update').groups(batch).resources('cronjobs/status').rule(),
      newRule('update').groups(batch).resources('cronjobs/finalizers').rule(),
      newRule('list', 'delete').groups(legacy).resources('pods').rule(),
      eventsRule(),
    ],
    'daemon-set-controller': [
      newRule('get', 'list', 'watch').groups(extensions, apps).resources('daemonsets').rule(),
      newRule('update').groups(extensions, apps).resources('daemonsets/status').rule(),
      newRule('update').groups(extensions, apps).resources('daemonsets/finalizers').rule(),
      newRule('list', 'watch').groups(legacy).resources('nodes').rule(),
      newRule('list', 'watch', 'create', 'delete', 'patch').groups(legacy).resources('pods').rule(),
      newRule('create').groups(legacy).resources('pods/binding').rule(),
      newRule('get', 'list', 'watch', 'create', 'delete', 'update', 'patch')
        .groups(apps)
        .resources('controllerrevisions')
        .rule(),
      eventsRule(),
    ],
    'deployment-controller': [
      newRule('get', 'list', 'watch', 'update').groups(extensions, apps).resources('deployments').rule(),
      newRule('update').groups(extensions, apps).resources('deployments/status').rule(),
      newRule('update').groups(extensions, apps).resources('deployments/finalizers').rule(),
      newRule('get', 'list', 'watch', 'create', 'update', 'patch', 'delete')
        .groups(apps, extensions)
        .resources('replicasets')
        .rule(),
      newRule('get', 'list', 'watch', 'update').groups(legacy).resources('pods').rule(),
      eventsRule(),
    ],
    'disruption-controller': [
      newRule('get', 'list', 'watch').groups(extensions, apps).resources('deployments').rule(),
      newRule('get', 'list', 'watch').groups(apps, extensions).resources('replicasets').rule(),
      newRule('get', 'list', 'watch').groups(legacy).resources('replicationcontrollers').rule(),
      newRule('get', 'list', 'watch').groups(policy).resources('poddisruptionbudgets').rule(),
      newRule('get', 'list', 'watch').groups(apps).resources('statefulsets').rule(),
      newRule('update').groups(policy).resources('poddisruptionbudgets/status').rule(),
      newRule('get').groups('*').resources('*/scale').rule(),
      eventsRule(),
    ],
    'endpoint-controller': [
      newRule('get', 'list', 'watch').groups(legacy).resources('services', 'pods').rule(),
      newRule('get', 'list', 'create', 'update', 'delete').groups(legacy).resources('endpoints').rule(),
      newRule('create').groups(legacy).resources('endpoints/restricted').rule(),
      eventsRule(),
    ],
    'endpointslice-controller': [
      newRule('get', 'list', 'watch').groups(legacy).resources('services', 'pods', 'nodes').rule(),
      // Setting a Service's finalizers lets it own EndpointSlices with blockOwnerDeletion.
      newRule('update').groups(legacy).resources('services/finalizers').rule(),
      newRule('get', 'list', 'create', 'update', 'delete').groups(discovery).resources('endpointslices').rule(),
      eventsRule(),
    ],
    'generic-garbage-collector': [
      // List/watch, selective gets and updates against any resource.
      newRule('get', 'list', 'watch', 'patch', 'update', 'delete').groups('*').resources('*').rule(),
      eventsRule(),
    ],
    'horizontal-pod-autoscaler': [
      newRule('get', 'list', 'watch').groups(autoscaling).resources('horizontalpodautoscalers').rule(),
      newRule('update').groups(autoscaling).resources('horizontalpodautoscalers/status').rule(),
      newRule('get', 'update').groups('*').resources('*/scale').rule(),
      newRule('list').groups(legacy).resources('pods').rule(),
      newRule('get').groups(legacy).resources('services/proxy').names('https:heapster:', 'http:heapster:').rule(),
      newRule('list').groups('metrics.k8s.io').resources('pods').rule(),
      newRule('get', 'list').groups('custom.metrics.k8s.io').resources('*').rule(),
      newRule('get', 'list').groups('external.metrics.k8s.io').resources('*').rule(),
      eventsRule(),
    ],
    'job-controller': [
      newRule('get', 'list', 'watch', 'update', 'patch').groups(batch).resources('jobs').rule(),
      newRule('update').groups(batch).resources('jobs/status').rule(),
      newRule('update').groups(batch).resources('jobs/finalizers').rule(),
      newRule('list', 'watch', 'create', 'delete', 'patch').groups(legacy).resources('pods').rule(),
      eventsRule(),
    ],
    'namespace-controller': [
      newRule('get', 'list', 'watch', 'delete').groups(legacy).resources('namespaces').rule(),
      newRule('update').groups(legacy).resources('namespaces/finalize', 'namespaces/status').rule(),
      newRule('get', 'list', 'delete', 'deletecollection').groups('*').resources('*').rule(),
    ],
    // Node lifecycle and node IPAM both run as node-controller, as in kube-controller-manager.
    'node-controller': [
      newRule('get', 'list', 'update', 'delete', 'patch').groups(legacy).resources('nodes').rule(),
      newRule('patch', 'update').groups(legacy).resources('nodes/status').rule(),
      newRule('update').groups(legacy).resources('pods/status').rule(),
      newRule('list', 'delete').groups(legacy).resources('pods').rule(),
      newRule('get', 'list', 'create', 'update').groups(networking).resources('clustercidrs').rule(),
      eventsRule(),
      // PodDisruptionConditions (on by default): the DisruptionTarget condition before eviction.
      newRule('get').groups(legacy).resources('pods').rule(),
      newRule('patch').groups(legacy).resources('pods/status').rule(),
    ],
    'persistent-volume-binder': [
      newRule('get', 'list', 'watch', 'update', 'create', 'delete')
        .groups(legacy)
        .resources('persistentvolumes')
        .rule(),
      newRule('update').groups(legacy).resources('persistentvolumes/status').rule(),
      newRule('get', 'list', 'watch', 'update').groups(legacy).resources('persistentvolumeclaims').rule(),
      newRule('update').groups(legacy).resources('persistentvolumeclaims/status').rule(),
      newRule('list', 'watch', 'get', 'create', 'delete').groups(legacy).resources('pods').rule(),
      newRule('get', 'list', 'watch').groups(storage).resources('storageclasses').rule(),
      newRule('get', 'create', 'update', 'delete').groups(legacy).resources('endpoints').rule(),
      newRule('get', 'create', 'delete').groups(legacy).resources('services').rule(),
      newRule('get').groups(legacy).resources('secrets').rule(),
      newRule('get', 'list').groups(legacy).resources('nodes').rule(),
      newRule('watch').groups(legacy).resources('events').rule(),
      eventsRule(),
    ],
    'pod-garbage-collector': [
      newRule('list', 'watch', 'delete').groups(legacy).resources('pods').rule(),
      newRule('get', 'list').groups(legacy).resources('nodes').rule(),
      newRule('patch').groups(legacy).resources('pods/status').rule(),
    ],
    'replicaset-controller': [
      newRule('get', 'list', 'watch', 'update').groups(apps, extensions).resources('replicasets').rule(),
      newRule('update').groups(apps, extensions).resources('replicasets/status').rule(),
      newRule('update').groups(apps, extensions).resources('replicasets/finalizers').rule(),
      newRule('list', 'watch', 'patch', 'create', 'delete').groups(legacy).resources('pods').rule(),
      eventsRule(),
    ],
    'resourcequota-controller': [
      // Quota counts usage of anything, so it may list and watch everything.
      newRule('list', 'watch').groups('*').resources('*').rule(),
      newRule('update').groups(legacy).resources('resourcequotas/status').rule(),
      eventsRule(),
    ],
    'service-account-controller': [newRule('create').groups(legacy).resources('serviceaccounts').rule(), eventsRule()],
    // Flotilla's built-in LoadBalancer provider writes Service status, as the cloud service controller does.
    'service-controller': [
      newRule('get', 'list', 'watch').groups(legacy).resources('services').rule(),
      newRule('patch', 'update').groups(legacy).resources('services/status').rule(),
      newRule('list', 'watch').groups(legacy).resources('nodes').rule(),
      eventsRule(),
    ],
    'statefulset-controller': [
      newRule('list', 'watch').groups(legacy).resources('pods').rule(),
      newRule('get', 'list', 'watch').groups(apps).resources('statefulsets').rule(),
      newRule('update').groups(apps).resources('statefulsets/status').rule(),
      newRule('update').groups(apps).resources('statefulsets/finalizers').rule(),
      newRule('get', 'create', 'delete', 'update', 'patch').groups(legacy).resources('pods').rule(),
      newRule('get', 'create', 'delete', 'update', 'patch', 'list', 'watch')
        .groups(apps)
        .resources('controllerrevisions')
        .rule(),
      newRule('get', 'create').groups(legacy).resources('persistentvolumeclaims').rule(),
      eventsRule(),
      // StatefulSetAutoDeletePVC (on by default).
      newRule('update').groups(legacy).resources('persistentvolumeclaims').rule(),
    ],
    'certificate-controller': [
      newRule('get', 'list', 'watch', 'delete').groups(certificates).resources('certificatesigningrequests').rule(),
      newRule('update')
        .groups(certificates)
        .resources('certificatesigningrequests/status', 'certificatesigningrequests/approval')
        .rule(),
      newRule('approve')
        .groups(certificates)
        .resources('signers')
        .names('kubernetes.io/kube-apiserver-client-kubelet')
        .rule(),
      newRule('sign')
        .groups(certificates)
        .resources('signers')
        .names(
          'kubernetes.io/legacy-unknown',
          'kubernetes.io/kube-apiserver-client',
          'kubernetes.io/kube-apiserver-client-kubelet',
          'kubernetes.io/kubelet-serving',
        )
        .rule(),
      newRule('create').groups(authorization).resources('subjectaccessreviews').rule(),
      eventsRule(),
    ],
    'pvc-protection-controller': [
      newRule('get', 'list', 'watch', 'update').groups(legacy).resources('persistentvolumeclaims').rule(),
      newRule('list', 'watch', 'get').groups(legacy).resources('pods').rule(),
      eventsRule(),
    ],
    'pv-protection-controller': [
      newRule('get', 'list', 'watch', 'update').groups(legacy).resources('persistentvolumes').rule(),
      eventsRule(),
    ],
    'ttl-after-finished-controller': [
      newRule('get', 'list', 'watch', 'delete').groups(batch).resources('jobs').rule(),
      eventsRule(),
    ],
    'root-ca-cert-publisher': [newRule('create', 'update').groups(legacy).resources('configmaps').rule(), eventsRule()],
  };
}

/** The controller names with a role here (the `<controller>` of `system:controller:<controller>`). */
export function controllerNames(): string[] {
  return Object.keys(controllerRuleSets());
}

/** The `system:controller:*` ClusterRoles, sorted by controller as registered. Fresh objects each call. */
export function controllerRoles(): ClusterRole[] {
  return Object.entries(controllerRuleSets()).map(([name, rules]) =>
    clusterRole(`${CONTROLLER_ROLE_PREFIX}${name}`, rules),
  );
}

/** One ClusterRoleBinding per controller role, to the ServiceAccount kube-system/<controller>. */
export function controllerRoleBindings(): ClusterRoleBinding[] {
  return controllerNames().map((name) =>
    clusterRoleBinding(`${CONTROLLER_ROLE_PREFIX}${name}`, [serviceAccountSubject(CONTROLLER_NAMESPACE, name)]),
  );
}
