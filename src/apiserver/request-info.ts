/**
 * What an API request is about, parsed from its method and path the way Kubernetes'
 * RequestInfoFactory does: `/api/v1/namespaces/ns/pods/web/status`, `/apis/apps/v1/deployments`,
 * the legacy `/api/v1/watch/...` prefix, and non-resource paths (`/api`, `/apis/apps`, `/openapi/v3`).
 */
export interface ResourceRequest {
  isResource: true;
  verb: 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection' | 'connect';
  group: string;
  version: string;
  namespace: string;   // '' when cluster-scoped or across all namespaces
  resource: string;    // plural, e.g. 'pods'
  name: string;        // '' for collections
  subresource: string; // '' when none
  query: URLSearchParams;
}

export interface NonResourceRequest {
  isResource: false;
  path: string;
  query: URLSearchParams;
}

export type RequestInfo = ResourceRequest | NonResourceRequest;

/** Parses a request. Never throws; unknown shapes come back as non-resource requests. */
export function parseRequestInfo(method: string, rawUrl: string): RequestInfo {
  const url = new URL(rawUrl, 'http://x');
  const query = url.searchParams;
  const parts = url.pathname.split('/').filter((p) => p !== '').map(decodeURIComponent);
  const nonResource: NonResourceRequest = { isResource: false, path: url.pathname, query };

  let rest: string[];
  let group: string;
  let version: string;
  if (parts[0] === 'api' && parts.length >= 3) {
    group = '';
    version = parts[1];
    rest = parts.slice(2);
  } else if (parts[0] === 'apis' && parts.length >= 4) {
    group = parts[1];
    version = parts[2];
    rest = parts.slice(3);
  } else {
    return nonResource;
  }

  let legacyWatch = false;
  if (rest[0] === 'watch') {
    legacyWatch = true;
    rest = rest.slice(1);
  }
  let namespace = '';
  // `namespaces/<ns>/<resource>...` is namespaced, but `namespaces/<ns>` and `namespaces/<ns>/status|finalize` are the namespace itself.
  if (rest[0] === 'namespaces' && rest.length >= 3 && !(rest.length === 3 && (rest[2] === 'status' || rest[2] === 'finalize'))) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  if (rest.length === 0 || rest.length > 3) return nonResource;
  const [resource, name = '', subresource = ''] = rest;

  const watchParam = query.get('watch');
  const isWatch = legacyWatch || watchParam === 'true' || watchParam === '1';
  let verb: ResourceRequest['verb'];
  switch (method) {
    case 'GET':
    case 'HEAD':
      verb = name === '' ? (isWatch ? 'watch' : 'list') : isWatch ? 'watch' : subresource !== '' && CONNECT_SUBRESOURCES.has(subresource) ? 'connect' : 'get';
      break;
    case 'POST': verb = subresource !== '' && CONNECT_SUBRESOURCES.has(subresource) ? 'connect' : 'create'; break;
    case 'PUT': verb = 'update'; break;
    case 'PATCH': verb = 'patch'; break;
    case 'DELETE': verb = name === '' ? 'deletecollection' : 'delete'; break;
    default: return nonResource;
  }
  return { isResource: true, verb, group, version, namespace, resource, name, subresource, query };
}

/** Subresources that are streams rather than objects. */
const CONNECT_SUBRESOURCES = new Set(['exec', 'attach', 'portforward', 'proxy', 'log']);
