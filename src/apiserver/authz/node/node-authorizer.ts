import { nodeRules } from '../../../api/rbac/bootstrap-policy.js';
import { nodeIdentity } from '../../../api/rbac/node-identity.js';
import { ruleAllows } from '../../../api/rbac/policy-rule.js';
import {
  ALLOW,
  type Attributes,
  type AuthorizationResult,
  type Authorizer,
  NO_OPINION,
  type ResourceAttributes,
  type RuleResolver,
  type RulesForResult,
  type AuthzUser,
} from '../authorizer.js';
import type { ServedTlsSecrets } from './served-tls-secrets.js';
import type { NodeGraph, NodeReferenceKind } from './node-graph.js';

/** The namespace of node Leases (Kubernetes' api.NamespaceNodeLease). */
export const NODE_LEASE_NAMESPACE = 'kube-node-lease';

/**
 * Kubernetes' Node authorizer (plugin/pkg/auth/authorizer/node): for a node user
 * (`system:node:<name>` in `system:nodes`), Secrets, ConfigMaps, PVCs, PVs, ResourceClaims and
 * ServiceAccount tokens only when a pod bound to that node refers to them (the graph), Leases and
 * CSINodes only of its own name, and everything else by the `system:node` rules; writes to Nodes,
 * pods and their status are narrowed further by NodeRestriction admission. Never denies: what it
 * does not allow goes on to RBAC, with its reason for the 403. No opinion about other users.
 *
 *   node user ─► secrets / configmaps ─► get, list, watch of a named object its pods use
 *             ─► pvcs, pvs, resourceclaims ─► get of a named object its pods use (pvc/status: update, patch)
 *             ─► serviceaccounts/token ─► create for a ServiceAccount its pods run as
 *             ─► leases, csinodes ─► its own name
 *             ─► anything else ─► the system:node rules
 */
export class NodeAuthorizer implements Authorizer, RuleResolver {
  private readonly rules = nodeRules();

  constructor(
    private readonly graph: NodeGraph,
    /** The TLS Secrets every node's ingress data plane may read (none when undefined). */
    private readonly servedTlsSecrets?: ServedTlsSecrets,
  ) {}

  authorize(a: Attributes): AuthorizationResult {
    const nodeName = nodeIdentity(a.user);
    if (nodeName === undefined) return NO_OPINION;
    if (nodeName === '') return noOpinion(`unknown node for user "${a.user.name}"`);
    if (a.resourceRequest) {
      const decided = this.authorizeResource(nodeName, a);
      if (decided) return decided;
    }
    for (const rule of this.rules) if (ruleAllows(a, rule)) return ALLOW;
    return NO_OPINION;
  }

  /** As Kubernetes: a node's permissions cannot be listed (incomplete, with an error); nothing for others. */
  rulesFor(user: AuthzUser): RulesForResult {
    if (nodeIdentity(user) === undefined) return { resourceRules: [], nonResourceRules: [], incomplete: false };
    return {
      resourceRules: [],
      nonResourceRules: [],
      incomplete: true,
      error: 'node authorizer does not support user rule resolution',
    };
  }

  /** The answer for the resources the graph subdivides, or undefined for the others. */
  private authorizeResource(node: string, a: ResourceAttributes): AuthorizationResult | undefined {
    if (a.apiGroup === '') {
      switch (a.resource) {
        case 'secrets': {
          const decided = this.readNamespaced(node, 'secrets', a);
          if (decided.decision === 'allow' || !this.readsIngressTlsSecret(a)) return decided;
          return ALLOW;
        }
        case 'configmaps':
          return this.readNamespaced(node, 'configmaps', a);
        case 'persistentvolumeclaims':
          return a.subresource === 'status' ? this.statusUpdate(node, a) : this.get(node, 'persistentvolumeclaims', a);
        case 'persistentvolumes':
          return this.getVolume(node, a);
        case 'serviceaccounts':
          return this.createToken(node, a);
      }
      return undefined;
    }
    if (a.apiGroup === 'resource.k8s.io' && a.resource === 'resourceclaims') return this.get(node, 'resourceclaims', a);
    if (a.apiGroup === 'coordination.k8s.io' && a.resource === 'leases') return ownLease(node, a);
    if (a.apiGroup === 'storage.k8s.io' && a.resource === 'csinodes') return ownCsiNode(node, a);
    return undefined;
  }

  private readNamespaced(node: string, kind: NodeReferenceKind, a: ResourceAttributes): AuthorizationResult {
    if (a.verb !== 'get' && a.verb !== 'list' && a.verb !== 'watch')
      return noOpinion('can only read resources of this type');
    if (a.subresource) return noOpinion('cannot read subresource');
    if (!a.namespace) return noOpinion('can only read namespaced object of this type');
    return this.path(node, kind, a);
  }

  /** A read (get, or list / watch pinned to one name) of a TLS Secret a served Ingress names. */
  private readsIngressTlsSecret(a: ResourceAttributes): boolean {
    if (!this.servedTlsSecrets || a.subresource || !a.namespace || !a.name) return false;
    if (a.verb !== 'get' && a.verb !== 'list' && a.verb !== 'watch') return false;
    return this.servedTlsSecrets.readable(a.namespace, a.name);
  }

  private get(node: string, kind: NodeReferenceKind, a: ResourceAttributes): AuthorizationResult {
    if (a.verb !== 'get') return noOpinion('can only get individual resources of this type');
    if (a.subresource) return noOpinion('cannot get subresource');
    return this.path(node, kind, a);
  }

  private getVolume(node: string, a: ResourceAttributes): AuthorizationResult {
    if (a.verb !== 'get') return noOpinion('can only get individual resources of this type');
    if (a.subresource) return noOpinion('cannot get subresource');
    if (!a.name) return noOpinion('No Object name found');
    return this.graph.hasPersistentVolume(node, a.name) ? ALLOW : noRelationship(node);
  }

  private statusUpdate(node: string, a: ResourceAttributes): AuthorizationResult {
    if (a.verb !== 'update' && a.verb !== 'patch') return noOpinion('can only get/update/patch this type');
    return this.path(node, 'persistentvolumeclaims', a);
  }

  private createToken(node: string, a: ResourceAttributes): AuthorizationResult {
    if (a.verb !== 'create' || !a.name) return noOpinion('can only create tokens for individual service accounts');
    if (a.subresource !== 'token') return noOpinion('can only create token subresource of serviceaccount');
    return this.path(node, 'serviceaccounts', a);
  }

  private path(node: string, kind: NodeReferenceKind, a: ResourceAttributes): AuthorizationResult {
    if (!a.name) return noOpinion('No Object name found');
    return this.graph.hasReference(node, kind, a.namespace, a.name) ? ALLOW : noRelationship(node);
  }
}

function ownLease(node: string, a: ResourceAttributes): AuthorizationResult {
  if (!['get', 'create', 'update', 'patch', 'delete'].includes(a.verb))
    return noOpinion('can only get, create, update, patch, or delete a node lease');
  if (a.namespace !== NODE_LEASE_NAMESPACE)
    return noOpinion(`can only access leases in the "${NODE_LEASE_NAMESPACE}" system namespace`);
  // The name of a create is in the body: NodeRestriction checks it.
  if (a.verb !== 'create' && a.name !== node)
    return noOpinion('can only access node lease with the same name as the requesting node');
  return ALLOW;
}

function ownCsiNode(node: string, a: ResourceAttributes): AuthorizationResult {
  if (!['get', 'create', 'update', 'patch', 'delete'].includes(a.verb))
    return noOpinion('can only get, create, update, patch, or delete a CSINode');
  if (a.subresource) return noOpinion('cannot authorize CSINode subresources');
  if (a.verb !== 'create' && a.name !== node)
    return noOpinion('can only access CSINode with the same name as the requesting node');
  return ALLOW;
}

function noOpinion(reason: string): AuthorizationResult {
  return { decision: 'noOpinion', reason };
}

function noRelationship(node: string): AuthorizationResult {
  return noOpinion(`no relationship found between node '${node}' and this object`);
}
