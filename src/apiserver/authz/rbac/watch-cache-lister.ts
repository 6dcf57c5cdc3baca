import type { ClusterRole, ClusterRoleBinding, Role, RoleBinding } from 'kubernetes-types/rbac/v1.js';
import type { CachedEvent, WatchCache } from '../../watch-cache.js';
import type { AuthzUser } from '../authorizer.js';
import { BindingIndex } from './binding-index.js';
import { type RbacLister, withoutNamespace } from './rbac-lister.js';

const PREFIX = {
  roles: '/registry/rbac.authorization.k8s.io/roles/',
  roleBindings: '/registry/rbac.authorization.k8s.io/rolebindings/',
  clusterRoles: '/registry/rbac.authorization.k8s.io/clusterroles/',
  clusterRoleBindings: '/registry/rbac.authorization.k8s.io/clusterrolebindings/',
} as const;

type Kind = keyof typeof PREFIX;

/**
 * The RBAC objects of the watch cache, parsed once per change and kept by namespace and name
 * (bindings also by subject, see binding-index.ts), so every lookup of the authorizer is a map
 * read (no store read, no JSON parse, no scan of unrelated bindings per request).
 *
 *   watch cache ──events (4 RBAC prefixes)──► parsed maps ──► getRole / roleBindingsFor / ...
 *
 * Subscribes on construction (the cache must be loaded). When the cache reloads after a broken
 * store watch it drops its subscribers; the next lookup then re-subscribes and re-reads the cache.
 */
export class WatchCacheRbacLister implements RbacLister {
  private readonly roles = new Map<string, Role>();
  private readonly clusterRoles = new Map<string, ClusterRole>();
  private readonly roleBindings = new BindingIndex<RoleBinding>();
  private readonly clusterRoleBindings = new BindingIndex<ClusterRoleBinding>();
  private unsubscribe: (() => void)[] = [];
  private attached = false;
  /** Bumped on every change of what the lookups answer (see RbacLister.version). */
  private changes = 0;

  constructor(private readonly cache: WatchCache) {
    this.attach();
  }

  getRole(namespace: string, name: string): Role | undefined {
    this.ensureAttached();
    return this.roles.get(`${namespace}/${name}`);
  }

  listRoleBindings(namespace: string): readonly RoleBinding[] {
    this.ensureAttached();
    return this.roleBindings.list(namespace);
  }

  roleBindingsFor(namespace: string, user: AuthzUser): readonly RoleBinding[] {
    this.ensureAttached();
    return this.roleBindings.candidates(namespace, user);
  }

  getClusterRole(name: string): ClusterRole | undefined {
    this.ensureAttached();
    return this.clusterRoles.get(name);
  }

  listClusterRoleBindings(): readonly ClusterRoleBinding[] {
    this.ensureAttached();
    return this.clusterRoleBindings.list('');
  }

  clusterRoleBindingsFor(user: AuthzUser): readonly ClusterRoleBinding[] {
    this.ensureAttached();
    return this.clusterRoleBindings.candidates('', user);
  }

  version(): number {
    this.ensureAttached();
    return this.changes;
  }

  /** Stops following the cache (server shutdown). */
  close(): void {
    for (const u of this.unsubscribe) u();
    this.unsubscribe = [];
    this.attached = false;
  }

  private ensureAttached(): void {
    if (!this.attached && this.cache.ready) this.attach();
  }

  /** Subscribes to the four prefixes and loads what the cache holds, in one synchronous turn. */
  private attach(): void {
    this.close();
    this.changes++;
    this.roles.clear();
    this.clusterRoles.clear();
    this.roleBindings.clear();
    this.clusterRoleBindings.clear();
    for (const kind of Object.keys(PREFIX) as Kind[]) {
      this.unsubscribe.push(
        this.cache.subscribe({
          prefix: PREFIX[kind],
          onEvents: (events) => this.apply(kind, events),
          onClose: () => {
            this.attached = false;
          },
        }),
      );
      for (const c of this.cache.list(PREFIX[kind], '')) this.put(kind, c.namespace, c.name, c.object());
    }
    this.attached = true;
  }

  private apply(kind: Kind, events: CachedEvent[]): void {
    this.changes++;
    for (const ev of events) {
      const { namespace, name } = ev.current;
      if (ev.type === 'DELETED') this.remove(kind, namespace, name);
      else this.put(kind, namespace, name, ev.current.object());
    }
  }

  private put(kind: Kind, namespace: string, name: string, object: unknown): void {
    switch (kind) {
      case 'roles':
        this.roles.set(`${namespace}/${name}`, object as Role);
        break;
      case 'clusterRoles':
        this.clusterRoles.set(name, object as ClusterRole);
        break;
      case 'roleBindings':
        this.roleBindings.set(object as RoleBinding);
        break;
      case 'clusterRoleBindings':
        this.clusterRoleBindings.set(withoutNamespace(object as ClusterRoleBinding));
        break;
    }
  }

  private remove(kind: Kind, namespace: string, name: string): void {
    switch (kind) {
      case 'roles':
        this.roles.delete(`${namespace}/${name}`);
        break;
      case 'clusterRoles':
        this.clusterRoles.delete(name);
        break;
      case 'roleBindings':
        this.roleBindings.delete(namespace, name);
        break;
      case 'clusterRoleBindings':
        this.clusterRoleBindings.delete('', name);
        break;
    }
  }
}
