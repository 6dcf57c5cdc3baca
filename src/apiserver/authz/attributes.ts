import { parseFieldSelector } from '../../api/selectors/field-selector.js';
import type { RequestInfo } from '../request-info.js';
import type { Attributes, AuthzUser } from './authorizer.js';

/**
 * Authorization attributes of an API request (Kubernetes' WithAuthorization filter builds them
 * from RequestInfo). Differences from the routing verb that authorization needs:
 * - streaming subresources (exec, attach, portforward, proxy, log) are authorized by HTTP method,
 *   as Kubernetes does: GET/HEAD → get, POST → create, PUT → update, PATCH → patch, DELETE → delete;
 * - a list or watch pinned to one name by a `metadata.name=<name>` field selector carries that
 *   name, so a rule with resourceNames can allow `kubectl get pod web --watch`;
 * - a non-resource request's verb is the lower-case HTTP method.
 */
export function attributesFromRequest(user: AuthzUser, method: string, info: RequestInfo): Attributes {
  if (!info.isResource) return { resourceRequest: false, user, verb: method.toLowerCase(), path: info.path };
  let verb: string = info.verb;
  if (verb === 'connect') verb = METHOD_VERBS[method.toUpperCase()] ?? method.toLowerCase();
  let name = info.name;
  if (name === '' && (verb === 'list' || verb === 'watch')) name = nameFromFieldSelector(info.query) ?? '';
  return {
    resourceRequest: true,
    user,
    verb,
    apiGroup: info.group,
    apiVersion: info.version,
    resource: info.resource,
    subresource: info.subresource,
    namespace: info.namespace,
    name,
  };
}

const METHOD_VERBS: Record<string, string> = {
  GET: 'get',
  HEAD: 'get',
  POST: 'create',
  PUT: 'update',
  PATCH: 'patch',
  DELETE: 'delete',
};

/** The name of `metadata.name=<name>` in the fieldSelector, when it is a valid path segment. */
function nameFromFieldSelector(query: URLSearchParams): string | undefined {
  const text = query.get('fieldSelector');
  if (!text) return undefined;
  let name: string | undefined;
  try {
    name = parseFieldSelector(text, () => true).exact('metadata.name');
  } catch {
    return undefined; // the handler answers the malformed selector with its 400
  }
  if (name === undefined || name === '' || name === '.' || name === '..') return undefined;
  if (name.includes('/') || name.includes('%')) return undefined;
  return name;
}
