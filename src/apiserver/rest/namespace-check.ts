import type { RestContext } from './rest-context.js';
import { errors, ApiError } from '../../api/errors.js';

/**
 * Before creating an object in a namespace: the namespace must exist and not be terminating,
 * as Kubernetes' NamespaceLifecycle admission requires.
 */
export async function checkNamespaceOpen(ctx: RestContext, namespace: string): Promise<void> {
  const ns = ctx.cache.get(`/registry/core/namespaces/${namespace}`);
  const stored = ns ? ns.object() : await readNamespace(ctx, namespace);
  if (!stored) throw errors.notFound('namespaces', namespace);
  const status = stored.status as { phase?: string } | undefined;
  if (stored.metadata.deletionTimestamp || status?.phase === 'Terminating') {
    throw new ApiError(403, 'Forbidden', `unable to create new content in namespace ${namespace} because it is being terminated`);
  }
}

async function readNamespace(ctx: RestContext, namespace: string) {
  const v = await ctx.store.get(`/registry/core/namespaces/${namespace}`);
  if (!v) return undefined;
  return JSON.parse(Buffer.from(v.value).toString('utf8')) as { metadata: { deletionTimestamp?: string }; status?: unknown };
}
