import type { ClusterRole, ClusterRoleBinding, Role, RoleBinding } from 'kubernetes-types/rbac/v1.js';
import type { CachedEvent, WatchCache } from '../../watch-cache.js';
import type { RbacLister } from './rbac-lister.js';

const PREFIX = {
  roles: '/registry/rbac.authorization.k8s.io/roles/',
  roleBindings: '/registry/rbac.authorization.k8s.io/rolebindings/',
  clusterRoles: '/registry/rbac.authorization.k8s.io/clusterroles/',
  clusterRoleBindings: '/registry/rbac.authorization.k8s.io/clusterrolebindings/',
} as const;

type Kind = keyof typeof PREFIX;

/**
 * The RBAC objects of the watch cache, parsed once per change and kept by namespace and name, so
 * every lookup of the authorizer is a map read (no store read, no JSON parse per request).
 *
 *   watch cache ──events (4 RBAC prefixes)──► parsed maps ──► getRole / listRoleBindings / ...
 *
 * Subscribes on construction (the cache must be loaded). When the cache reloads after a broken
 * store watch it drops its subscribers; the next lookup then re-subscribes and re-reads the cache.
 */
export class WatchCacheRbacLister implements RbacLister {
  private readonly objects: Record<Kind, Map<string, unknown>> = {
    roles: new Map(),
    roleBindings: new Map(),
    clusterRoles: new Map(),
    clusterRoleBindings: new Map(),
  };
  /** RoleBindings by namespace and the ClusterRoleBindings as arrays, rebuilt on the first read after a change. */
  private bindingsByNamespace: Map<string, RoleBinding[]> | undefined;
  private clusterBindingList: ClusterRoleBinding[] | undefined;
  private unsubscribe: (() => void)[] = [];
  private attached = false;

  constructor(private readonly cache: WatchCache) {
    this.attach();
  }

  getRole(namespace: string, name: string): Role | undefined {
    this.ensureAttached();
    return this.objects.roles.get(`${namespace}/${name}`) as Role | undefined;
  }

  listRoleBindings(namespace: string): readonly RoleBinding[] {
    this.ensureAttached();
    if (!this.bindingsByNamespace) {
      const by = new Map<string, RoleBinding[]>();
      for (const b of this.objects.roleBindings.values() as IterableIterator<RoleBinding>) {
        const ns = b.metadata?.namespace ?? '';
        const list = by.get(ns);
        if (list) list.push(b);
        else by.set(ns, [b]);
      }
      this.bindingsByNamespace = by;
    }
    return this.bindingsByNamespace.get(namespace) ?? [];
  }

  getClusterRole(name: string): ClusterRole | undefined {
    this.ensureAttached();
    return this.objects.clusterRoles.get(`/${name}`) as ClusterRole | undefined;
  }

  listClusterRoleBindings(): readonly ClusterRoleBinding[] {
    this.ensureAttached();
    this.clusterBindingList ??= [...this.objects.clusterRoleBindings.values()] as ClusterRoleBinding[];
    return this.clusterBindingList;
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
    for (const kind of Object.keys(PREFIX) as Kind[]) {
      const map = this.objects[kind];
      map.clear();
      this.unsubscribe.push(
        this.cache.subscribe({
          prefix: PREFIX[kind],
          onEvents: (events) => this.apply(kind, events),
          onClose: () => {
            this.attached = false;
          },
        }),
      );
      for (const c of this.cache.list(PREFIX[kind], '')) map.set(`${c.namespace}/${c.name}`, c.object());
    }
    this.invalidate();
    this.attached = true;
  }

  private apply(kind: Kind, events: CachedEvent[]): void {
    const map = this.objects[kind];
    for (const ev of events) {
      const key = `${ev.current.namespace}/${ev.current.name}`;
      if (ev.type === 'DELETED') map.delete(key);
      else map.set(key, ev.current.object());
    }
    if (kind === 'roleBindings') this.bindingsByNamespace = undefined;
    if (kind === 'clusterRoleBindings') this.clusterBindingList = undefined;
  }

  private invalidate(): void {
    this.bindingsByNamespace = undefined;
    this.clusterBindingList = undefined;
  }
}
