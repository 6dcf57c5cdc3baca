import type { ClusterRole, ClusterRoleBinding, Role, RoleBinding } from 'kubernetes-types/rbac/v1.js';
import type { KubeObject } from '../api/object.js';
import { ApiError } from '../api/errors.js';
import { getStrategy } from '../api/kinds/index.js';
import { findResourceType } from '../api/resource-types.js';
import type { ResourceType } from '../api/resource-type.js';
import {
  BOOTSTRAPPING_LABEL,
  BOOTSTRAPPING_VALUE,
  type BootstrapPolicy,
  type ExistingRbac,
  type ObsoleteRbacObject,
  planBootstrapReconcile,
} from '../api/rbac/index.js';
import { createObject } from './rest/create-object.js';
import { deleteObject } from './rest/delete-object.js';
import type { ResourceCall, RestContext } from './rest/rest-context.js';
import { updateObject } from './rest/update-object.js';
import { decodeObject, storageKey } from './rest/storage-key.js';

const SYSTEM = { name: 'system:apiserver', groups: ['system:masters'] };
const WRITE = { dryRun: false, fieldManager: 'flotilla-apiserver', fieldValidation: 'Strict' as const };
const RBAC = 'rbac.authorization.k8s.io';

export interface RbacBootstrapResult {
  created: number;
  updated: number;
  /** Reasons of protected objects left as they are (autoupdate: "false"), for a warning each. */
  skipped: string[];
}

/**
 * Kubernetes' rbac/bootstrap-roles post-start hook: brings the store up to `policy` (roles and
 * bindings created, missing rules and subjects added, a binding whose roleRef changed recreated)
 * through the REST core as system:masters. Runs before the server reports ready; the namespaces
 * of the namespaced objects (kube-system, kube-public) must exist (bootstrapObjects creates them
 * first). Idempotent: against a store already in shape it writes nothing. A write that lost a
 * race (AlreadyExists, Conflict, NotFound) re-plans from the store, up to five rounds.
 */
export async function reconcileRbacBootstrap(ctx: RestContext, policy: BootstrapPolicy): Promise<RbacBootstrapResult> {
  const result: RbacBootstrapResult = { created: 0, updated: 0, skipped: [] };
  for (let round = 0; ; round++) {
    const existing = await readExisting(ctx, policy);
    let raced = false;
    for (const a of planBootstrapReconcile(policy, existing)) {
      if (a.action === 'skip') {
        if (round === 0) result.skipped.push(a.reason);
        continue;
      }
      const rt = type(a.resource);
      const obj = a.object as unknown as KubeObject;
      const call = callOf(rt, obj.metadata.namespace ?? '', a.action === 'create' ? '' : (obj.metadata.name ?? ''));
      try {
        if (a.action === 'create') {
          await createObject(ctx, call, obj, WRITE);
          result.created++;
        } else if (a.action === 'update') {
          await updateObject(ctx, call, obj, WRITE, '');
          result.updated++;
        } else {
          await deleteObject(ctx, call, {
            dryRun: false,
            preconditions: a.existingUid ? { uid: a.existingUid } : undefined,
          });
          const fresh = structuredClone(obj);
          delete fresh.metadata.resourceVersion;
          delete fresh.metadata.uid;
          await createObject(ctx, callOf(rt, obj.metadata.namespace ?? '', ''), fresh, WRITE);
          result.updated++;
        }
      } catch (e) {
        if (!(e instanceof ApiError) || !['AlreadyExists', 'Conflict', 'NotFound'].includes(e.reason) || round >= 4)
          throw e;
        raced = true;
      }
    }
    if (!raced) return result;
  }
}

/** What the store holds now of the policy's objects (one read each: a few hundred at start). */
async function readExisting(ctx: RestContext, policy: BootstrapPolicy): Promise<ExistingRbac> {
  const found = new Map<string, unknown>();
  const read = async (resource: string, namespace: string, name: string) => {
    const stored = await ctx.store.get(storageKey(type(resource), namespace, name));
    if (!stored) return;
    const obj = decodeObject<KubeObject>(stored.value);
    obj.metadata.resourceVersion = String(stored.modRevision);
    found.set(`${resource}/${namespace}/${name}`, obj);
  };
  const reads: Promise<void>[] = [];
  for (const r of policy.clusterRoles) reads.push(read('clusterroles', '', r.metadata?.name ?? ''));
  for (const b of policy.clusterRoleBindings) reads.push(read('clusterrolebindings', '', b.metadata?.name ?? ''));
  for (const r of policy.roles) reads.push(read('roles', r.metadata?.namespace ?? '', r.metadata?.name ?? ''));
  for (const b of policy.roleBindings)
    reads.push(read('rolebindings', b.metadata?.namespace ?? '', b.metadata?.name ?? ''));
  await Promise.all(reads);
  return {
    clusterRole: (name) => found.get(`clusterroles//${name}`) as ClusterRole | undefined,
    clusterRoleBinding: (name) => found.get(`clusterrolebindings//${name}`) as ClusterRoleBinding | undefined,
    role: (namespace, name) => found.get(`roles/${namespace}/${name}`) as Role | undefined,
    roleBinding: (namespace, name) => found.get(`rolebindings/${namespace}/${name}`) as RoleBinding | undefined,
  };
}

function type(resource: string): ResourceType {
  const rt = findResourceType(RBAC, 'v1', resource);
  if (!rt) throw new Error(`rbac bootstrap: ${resource} not served`);
  return rt;
}

function callOf(rt: ResourceType, namespace: string, name: string): ResourceCall {
  return {
    rt,
    strategy: getStrategy(rt.group, rt.kind),
    namespace,
    name,
    query: new URLSearchParams(),
    user: SYSTEM,
  };
}

/**
 * Deletes policy objects an older Flotilla created and the current policy does not want (see
 * obsoleteNodeAgentObjects), as system:masters. Absent ones are skipped; only objects labelled as
 * bootstrap policy are removed, so a user's object of the same name stays. Idempotent.
 */
export async function deleteObsoleteRbac(ctx: RestContext, objects: readonly ObsoleteRbacObject[]): Promise<void> {
  for (const o of objects) {
    const rt = type(o.resource);
    const stored = await ctx.store.get(storageKey(rt, o.namespace, o.name));
    if (!stored) continue;
    const obj = decodeObject<KubeObject>(stored.value);
    if (obj.metadata.labels?.[BOOTSTRAPPING_LABEL] !== BOOTSTRAPPING_VALUE) continue;
    try {
      await deleteObject(ctx, callOf(rt, o.namespace, o.name), { dryRun: false });
    } catch (e) {
      if (!(e instanceof ApiError) || e.reason !== 'NotFound') throw e;
    }
  }
}
