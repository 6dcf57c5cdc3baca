import type { IncomingMessage } from 'node:http';
import { boolParam } from '../machinery/params/query-params.js';

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
  namespace: string; // '' when cluster-scoped or across all namespaces
  resource: string; // plural, e.g. 'pods'
  name: string; // '' for collections
  subresource: string; // '' when none
  query: URLSearchParams;
}

export interface NonResourceRequest {
  isResource: false;
  path: string;
  query: URLSearchParams;
}

export type RequestInfo = ResourceRequest | NonResourceRequest;

const parsed = new WeakMap<IncomingMessage, RequestInfo>();

/** parseRequestInfo of a request, parsed once however many layers ask (routing, metrics). */
export function requestInfoOf(req: IncomingMessage): RequestInfo {
  let info = parsed.get(req);
  if (!info) {
    info = parseRequestInfo(req.method ?? 'GET', req.url ?? '/');
    parsed.set(req, info);
  }
  return info;
}

/** Parses a request. Never throws; unknown shapes come back as non-resource requests. */
export function parseRequestInfo(method: string, rawUrl: string): RequestInfo {
  const { pathname, query } = splitUrl(rawUrl);
  let parts: string[];
  try {
    parts = pathname
      .split('/')
      .filter((p) => p !== '')
      .map(decodeURIComponent);
  } catch {
    return { isResource: false, path: pathname, query }; // a malformed %-escape: no resource
  }
  const nonResource: NonResourceRequest = { isResource: false, path: pathname, query };

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
  if (
    rest[0] === 'namespaces' &&
    rest.length >= 3 &&
    !(rest.length === 3 && (rest[2] === 'status' || rest[2] === 'finalize'))
  ) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  if (rest.length === 0 || rest.length > 3) return nonResource;
  const [resource, name = '', subresource = ''] = rest;

  const isWatch = legacyWatch || boolParam(query, 'watch');
  let verb: ResourceRequest['verb'];
  switch (method) {
    case 'GET':
    case 'HEAD':
      verb =
        name === ''
          ? isWatch
            ? 'watch'
            : 'list'
          : isWatch
            ? 'watch'
            : subresource !== '' && CONNECT_SUBRESOURCES.has(subresource)
              ? 'connect'
              : 'get';
      break;
    case 'POST':
      verb = subresource !== '' && CONNECT_SUBRESOURCES.has(subresource) ? 'connect' : 'create';
      break;
    case 'PUT':
      verb = 'update';
      break;
    case 'PATCH':
      verb = 'patch';
      break;
    case 'DELETE':
      verb = name === '' ? 'deletecollection' : 'delete';
      break;
    default:
      return nonResource;
  }
  return { isResource: true, verb, group, version, namespace, resource, name, subresource, query };
}

/**
 * Path and query of a request target. The usual origin-form (`/path?query`) is split by hand: a
 * WHATWG URL parse per request showed in the create path's profile. Other forms go through URL.
 */
function splitUrl(rawUrl: string): { pathname: string; query: URLSearchParams } {
  if (rawUrl.startsWith('/') && !rawUrl.startsWith('//') && !rawUrl.includes('#') && !rawUrl.includes('\\')) {
    const q = rawUrl.indexOf('?');
    return q < 0
      ? { pathname: rawUrl, query: new URLSearchParams() }
      : { pathname: rawUrl.slice(0, q), query: new URLSearchParams(rawUrl.slice(q + 1)) };
  }
  const url = new URL(rawUrl, 'http://x');
  return { pathname: url.pathname, query: url.searchParams };
}

/** Subresources that are streams rather than objects. */
const CONNECT_SUBRESOURCES = new Set(['exec', 'attach', 'portforward', 'proxy', 'log']);
