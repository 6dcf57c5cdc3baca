import type { RestContext } from './rest-context.js';
import type { CachedObject } from '../watch-cache.js';
import { errors, ApiError } from '../../api/errors.js';

/** Whether each cached namespace version is terminating: creates ask on every request. */
const terminatingByVersion = new WeakMap<CachedObject, boolean>();

/**
 * Before creating an object in a namespace: the namespace must exist and not be terminating,
 * as Kubernetes' NamespaceLifecycle admission requires.
 */
export async function checkNamespaceOpen(ctx: RestContext, namespace: string): Promise<void> {
  const cached = ctx.cache.get(`/registry/core/namespaces/${namespace}`);
  let terminating = cached && terminatingByVersion.get(cached);
  if (terminating === undefined) {
    const stored = cached ? cached.object() : await readNamespace(ctx, namespace);
    if (!stored) throw errors.notFound('namespaces', namespace);
    terminating = isTerminating(stored);
    if (cached) terminatingByVersion.set(cached, terminating);
  }
  if (terminating) {
    throw new ApiError(
      403,
      'Forbidden',
      `unable to create new content in namespace ${namespace} because it is being terminated`,
    );
  }
}

function isTerminating(ns: { metadata: { deletionTimestamp?: string }; status?: unknown }): boolean {
  return (
    Boolean(ns.metadata.deletionTimestamp) || (ns.status as { phase?: string } | undefined)?.phase === 'Terminating'
  );
}

async function readNamespace(ctx: RestContext, namespace: string) {
  const v = await ctx.store.get(`/registry/core/namespaces/${namespace}`);
  if (!v) return undefined;
  return JSON.parse(Buffer.from(v.value).toString('utf8')) as {
    metadata: { deletionTimestamp?: string };
    status?: unknown;
  };
}
