/**
 * The API server's non-resource paths: discovery (/api, /apis, /api/v1, /apis/<group>[/<version>])
 * and the OpenAPI documents (v3 index and per group-version, v2 as JSON or gnostic protobuf), as one
 * route table. Everything else is a 404 Status.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, errors } from '../api/errors.js';
import {
  openApiV3Index,
  openApiV3DocumentJson,
  openApiV2Json,
  negotiateOpenApiV2,
  OPENAPI_V2_PROTOBUF_MEDIA_TYPE,
} from '../api/schema/index.js';
import type { Discovery } from './discovery.js';
import { RouteTable } from './route-table.js';
import { sendJson } from './send.js';

interface NonResourceRequest {
  discovery: Discovery;
  req: IncomingMessage;
  res: ServerResponse;
  params: Record<string, string>;
}

type Serve = (r: NonResourceRequest) => void | Promise<void>;

/** A non-resource path served by another part of the server process (authorized like the others). */
export interface ExtraRoute {
  method: 'GET' | 'POST';
  path: string;
  serve(req: IncomingMessage, res: ServerResponse): Promise<void>;
}

const ROUTES = new RouteTable<Serve>([
  { pattern: '/api', serve: (r) => serveRootDiscovery(r, true) },
  { pattern: '/apis', serve: (r) => serveRootDiscovery(r, false) },
  { pattern: '/api/v1', serve: ({ discovery, res }) => sendJson(res, 200, discovery.resourceList('', 'v1') ?? '') },
  {
    pattern: '/apis/:group',
    serve: ({ discovery, res, params }) => sendJson(res, 200, found(discovery.apiGroup(params.group))),
  },
  {
    pattern: '/apis/:group/:version',
    serve: ({ discovery, res, params }) =>
      sendJson(res, 200, found(discovery.resourceList(params.group, params.version))),
  },
  { pattern: '/openapi/v3', serve: ({ res }) => sendJson(res, 200, JSON.stringify(openApiV3Index())) },
  { pattern: '/openapi/v3/*path', serve: serveOpenApiV3 },
  { pattern: '/openapi/v2', serve: (r) => serveOpenApiV2(r, negotiateOpenApiV2(r.req.headers.accept ?? '')) },
  // kubectl <= 1.27 reads v2 as gnostic protobuf (apply validation, patch metadata, explain).
  { pattern: '/swagger.json', serve: (r) => serveOpenApiV2(r, 'json') },
  { pattern: '/swagger-2.0.0.pb-v1', serve: (r) => serveOpenApiV2(r, 'protobuf') },
]);

/** Serves one non-resource path; throws an ApiError (404 for an unknown path) for the caller to answer. */
export async function serveNonResource(
  discovery: Discovery,
  path: string,
  req: IncomingMessage,
  res: ServerResponse,
  extraRoutes: readonly ExtraRoute[] = [],
): Promise<void> {
  const extra = extraRoutes.find((r) => r.path === path);
  if (extra) {
    if (req.method !== extra.method)
      throw new ApiError(405, 'MethodNotAllowed', `${req.method} is not supported on ${path}`);
    return extra.serve(req, res);
  }
  const route = ROUTES.match(path);
  if (!route) throw notFound();
  await route.serve({ discovery, req, res, params: route.params });
}

function notFound(): ApiError {
  return new ApiError(404, 'NotFound', 'the server could not find the requested resource');
}

function found(json: string | undefined): string {
  if (json === undefined) throw notFound();
  return json;
}

/** /api or /apis: aggregated discovery (v2 or v2beta1) when the client asks for it, else the legacy document. */
function serveRootDiscovery({ discovery, req, res }: NonResourceRequest, core: boolean): void {
  const agg = aggregatedDiscoveryVersion(req.headers.accept ?? '');
  if (agg) {
    const type = `application/json;g=apidiscovery.k8s.io;v=${agg};as=APIGroupDiscoveryList`;
    sendJson(res, 200, discovery.aggregated(core, agg), type);
  } else {
    sendJson(res, 200, core ? discovery.apiVersions() : discovery.apiGroupList());
  }
}

/** The apidiscovery.k8s.io version an Accept header asks for (`as=APIGroupDiscoveryList`), if any. */
function aggregatedDiscoveryVersion(accept: string): 'v2' | 'v2beta1' | undefined {
  if (!accept.includes('as=APIGroupDiscoveryList')) return undefined;
  if (accept.includes('v=v2;') || /v=v2(,|$|;)/.test(accept)) return 'v2';
  return accept.includes('v=v2beta1') ? 'v2beta1' : undefined;
}

function serveOpenApiV3({ req, res, params }: NonResourceRequest): void {
  const doc = openApiV3DocumentJson(params.path);
  if (!doc) throw notFound();
  if (req.headers['if-none-match'] === doc.etag) {
    res.writeHead(304, { ETag: doc.etag });
    res.end();
    return;
  }
  res.writeHead(200, { 'Content-Type': 'application/json', ETag: doc.etag, 'Cache-Control': 'public, immutable' });
  res.end(doc.json);
}

async function serveOpenApiV2({ req, res }: NonResourceRequest, format: 'json' | 'protobuf' | undefined) {
  if (!format)
    throw errors.notAcceptable(
      `only application/json and ${OPENAPI_V2_PROTOBUF_MEDIA_TYPE} are available for /openapi/v2`,
    );
  const doc =
    format === 'protobuf'
      ? (await import('../api/schema/openapi-v2-protobuf.js')).openApiV2Protobuf()
      : openApiV2Json();
  const headers = { ETag: doc.etag, Vary: 'Accept', 'Cache-Control': 'no-cache, private' };
  if (req.headers['if-none-match'] === doc.etag) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  if ('bytes' in doc) {
    res.writeHead(200, {
      'Content-Type': OPENAPI_V2_PROTOBUF_MEDIA_TYPE,
      'Content-Length': doc.bytes.length,
      ...headers,
    });
    res.end(doc.bytes);
    return;
  }
  sendJson(res, 200, doc.json, 'application/json', headers);
}
