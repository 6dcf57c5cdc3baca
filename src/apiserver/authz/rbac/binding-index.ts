import type { Subject } from 'kubernetes-types/rbac/v1.js';
import { serviceAccountUsername } from '../../../api/rbac/users.js';
import type { AuthzUser } from '../authorizer.js';

/** What the index needs of a RoleBinding or ClusterRoleBinding. */
interface BindingLike {
  metadata?: { name?: string; namespace?: string };
  subjects?: Subject[];
}

/** The bindings of one namespace ('' for ClusterRoleBindings): by name, and by subject key. */
interface NamespaceBindings<B> {
  byName: Map<string, { binding: B; keys: string[] }>;
  bySubject: Map<string, Map<string, B>>;
  /** byName's bindings as an array, built on the first list after a change. */
  list?: B[];
}

/**
 * RoleBindings or ClusterRoleBindings indexed by namespace and by subject, kept up to date one
 * binding at a time, so a request's authorization reads only the bindings that name its user or
 * one of its groups instead of every binding of the namespace (with thousands of RoleBindings the
 * scan dominates a SubjectAccessReview).
 *
 * Subject keys: a User and a ServiceAccount both become `u:<user name>` (a ServiceAccount's user
 * name is `system:serviceaccount:<ns>:<name>`, its namespace defaulting to the binding's); a Group
 * becomes `g:<name>`. Subjects that match nobody (a ServiceAccount without any namespace, unknown
 * kinds) are not indexed. Candidates are a superset filter only: the resolver still checks each
 * binding's subjects, as Kubernetes' appliesTo.
 */
export class BindingIndex<B extends BindingLike> {
  private readonly namespaces = new Map<string, NamespaceBindings<B>>();

  /** Adds or replaces one binding. */
  set(binding: B): void {
    const ns = binding.metadata?.namespace ?? '';
    const name = binding.metadata?.name ?? '';
    let entry = this.namespaces.get(ns);
    if (!entry) {
      entry = { byName: new Map(), bySubject: new Map() };
      this.namespaces.set(ns, entry);
    }
    this.unlink(entry, name);
    const keys = subjectKeys(binding.subjects, ns);
    entry.byName.set(name, { binding, keys });
    for (const k of keys) {
      let m = entry.bySubject.get(k);
      if (!m) {
        m = new Map();
        entry.bySubject.set(k, m);
      }
      m.set(name, binding);
    }
    entry.list = undefined;
  }

  /** Removes one binding; a missing one is ignored. */
  delete(namespace: string, name: string): void {
    const entry = this.namespaces.get(namespace);
    if (!entry) return;
    this.unlink(entry, name);
    entry.byName.delete(name);
    entry.list = undefined;
    if (entry.byName.size === 0) this.namespaces.delete(namespace);
  }

  clear(): void {
    this.namespaces.clear();
  }

  /** Every binding of a namespace ('' = the cluster-scoped ones). */
  list(namespace: string): readonly B[] {
    const entry = this.namespaces.get(namespace);
    if (!entry) return EMPTY;
    entry.list ??= [...entry.byName.values()].map((e) => e.binding);
    return entry.list;
  }

  /** The bindings of a namespace with a subject naming the user or one of its groups. */
  candidates(namespace: string, user: AuthzUser): readonly B[] {
    const entry = this.namespaces.get(namespace);
    if (!entry) return EMPTY;
    let only: Map<string, B> | undefined;
    let several: Map<string, B> | undefined;
    const visit = (key: string) => {
      const m = entry.bySubject.get(key);
      if (!m || m.size === 0) return;
      if (!only) {
        only = m;
        return;
      }
      if (!several) several = new Map(only);
      for (const [n, b] of m) several.set(n, b);
    };
    visit(`u:${user.name}`);
    for (const g of user.groups) visit(`g:${g}`);
    const found = several ?? only;
    return found ? [...found.values()] : EMPTY;
  }

  private unlink(entry: NamespaceBindings<B>, name: string): void {
    const old = entry.byName.get(name);
    if (!old) return;
    for (const k of old.keys) {
      const m = entry.bySubject.get(k);
      m?.delete(name);
      if (m && m.size === 0) entry.bySubject.delete(k);
    }
  }
}

const EMPTY: readonly never[] = Object.freeze([]);

/** The index keys of a binding's subjects (de-duplicated). */
function subjectKeys(subjects: readonly Subject[] | undefined, bindingNamespace: string): string[] {
  const keys = new Set<string>();
  for (const s of subjects ?? []) {
    switch (s.kind) {
      case 'User':
        keys.add(`u:${s.name}`);
        break;
      case 'Group':
        keys.add(`g:${s.name}`);
        break;
      case 'ServiceAccount': {
        const ns = s.namespace || bindingNamespace;
        if (ns) keys.add(`u:${serviceAccountUsername(ns, s.name)}`);
        break;
      }
    }
  }
  return [...keys];
}
