import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Registry } from 'prom-client';
import type { Logger } from 'pino';
import type { Store } from '../store/store.js';
import { ApiError, errors, toStatus } from '../api/errors.js';
import { findResourceType, RESOURCE_TYPES } from '../api/resource-types.js';
import { getStrategy } from '../api/kinds/index.js';
import {
  openApiV3Index,
  openApiV3DocumentJson,
  openApiV2Json,
  negotiateOpenApiV2,
  OPENAPI_V2_PROTOBUF_MEDIA_TYPE,
} from '../api/schema/index.js';
import type { UserInfo } from './user-info.js';
import { requestInfoOf, type ResourceRequest } from './request-info.js';
import { negotiateFormat } from './negotiation.js';
import { Discovery } from './discovery.js';
import { WatchCache } from './watch-cache.js';
import { serveWatch } from './watch-server.js';
import type { ResourceCall, RestContext } from './rest/rest-context.js';
import { WriteWorkerPool } from './write-workers/write-worker-pool.js';
import { storedFields } from './write-workers/stored-fields.js';
import { serveResource } from './rest/serve-resource.js';
import { serveUpgrade } from './rest/upgrade-proxy.js';
import { ApiMetrics } from './api-metrics.js';
import { bootstrapObjects } from './bootstrap.js';
import { createAdmission, DEFAULT_TOLERATION_SECONDS, type DefaultTolerationSeconds } from './admission/index.js';
import { startCompactor } from './compactor.js';
import { MetricsApi, METRICS_GROUP, METRICS_RESOURCE_TYPES } from './metrics-api/index.js';

export type { UserInfo };

export interface ApiHandler {
  /** Serves every Kubernetes API path (/api, /apis, /openapi/*, resources). Never throws; writes a Status on error. */
  handle(req: IncomingMessage, res: ServerResponse, user: UserInfo): void;
  /** Upgrade requests: pods/exec, pods/attach, pods/portforward (proxied to the node agent). */
  handleUpgrade?(req: IncomingMessage, socket: Duplex, head: Buffer, user: UserInfo): void;
  /** True once the watch cache has loaded the store. */
  isReady(): boolean;
  close(): Promise<void>;
}

export interface ApiHandlerOptions {
  store: Store;
  metrics?: Registry;
  /** Injectable clock (tests). */
  now?: () => Date;
  /** Store compaction interval (default 5 minutes, as kube-apiserver). */
  compactIntervalMs?: number;
  /** Where internal errors are reported (default: nowhere). */
  log?: Pick<Logger, 'error'>;
  /** tolerationSeconds given to new pods for the not-ready / unreachable taints (DefaultTolerationSeconds). */
  defaultTolerationSeconds?: DefaultTolerationSeconds;
  /**
   * Worker threads that prepare creates (decode, defaults, validation, managed fields, encoding)
   * beside the main thread, which keeps HTTP, the store and the watch cache. Default 0 (off);
   * the server sets availableParallelism() - 1.
   */
  writeWorkers?: number;
  /** How long metrics.k8s.io caches a node's stats summary (default 10 s). */
  metricsTtlMs?: number;
}

/**
 * The Kubernetes API over one Store: loads the watch cache, creates the default namespaces and the
 * `kubernetes` Service, and returns the request handler.
 */
export async function createApiHandler(options: ApiHandlerOptions): Promise<ApiHandler> {
  const cache = new WatchCache({ store: options.store, fieldsOf: storedFields });
  await cache.start();
  const ctx: RestContext = { store: options.store, cache, now: options.now ?? (() => new Date()) };
  ctx.admit = createAdmission(ctx, { defaultTolerationSeconds: options.defaultTolerationSeconds });
  if ((options.writeWorkers ?? 0) > 0) {
    ctx.writeWorkers = new WriteWorkerPool({
      size: options.writeWorkers ?? 0,
      config: { defaultTolerationSeconds: options.defaultTolerationSeconds ?? DEFAULT_TOLERATION_SECONDS },
      onCrash: (err) => options.log?.error({ err }, 'a write worker stopped; starting another'),
    });
  }
  await bootstrapObjects(ctx);
  const discovery = new Discovery([...RESOURCE_TYPES, ...METRICS_RESOURCE_TYPES]);
  const metricsApi = new MetricsApi(ctx, {
    ttlMs: options.metricsTtlMs,
    log: options.log && 'warn' in options.log ? (options.log as Pick<Logger, 'warn'>) : undefined,
  });
  const metrics = options.metrics ? new ApiMetrics(options.metrics) : undefined;
  const compactor = startCompactor({
    store: options.store,
    intervalMs: options.compactIntervalMs,
    onError: (err) => options.log?.error({ err }, 'store compaction failed'),
  });

  return {
    isReady: () => cache.ready,
    async close() {
      compactor.stop();
      cache.stop();
      await ctx.writeWorkers?.close();
    },
    handleUpgrade(req, socket, head) {
      void serveUpgrade(ctx, requestInfoOf(req), req, socket, head);
    },
    handle(req, res, user) {
      const started = process.hrtime.bigint();
      const info = requestInfoOf(req);
      res.on('finish', () =>
        metrics?.observe(
          info.isResource ? info.verb : 'nonresource',
          info.isResource ? info.resource : '',
          res.statusCode,
          started,
        ),
      );
      const run =
        info.isResource && info.group === METRICS_GROUP
          ? metricsApi.serve(info, res)
          : info.isResource
            ? routeResource(ctx, info, req, res, user)
            : routeNonResource(discovery, info.path, req, res);
      run.catch((err: unknown) => {
        if (!(err instanceof ApiError))
          options.log?.error({ err, method: req.method, url: req.url }, 'internal error serving a request');
        sendError(res, err);
      });
    },
  };
}

async function routeNonResource(
  discovery: Discovery,
  path: string,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const p = path.replace(/\/+$/, '') || '/';
  const accept = req.headers.accept ?? '';
  if (p === '/api' || p === '/apis') {
    const agg = accept.includes('as=APIGroupDiscoveryList')
      ? accept.includes('v=v2;') || /v=v2(,|$|;)/.test(accept)
        ? 'v2'
        : accept.includes('v=v2beta1')
          ? 'v2beta1'
          : undefined
      : undefined;
    if (agg) {
      return sendJson(
        res,
        200,
        discovery.aggregated(p === '/api', agg),
        `application/json;g=apidiscovery.k8s.io;v=${agg};as=APIGroupDiscoveryList`,
      );
    }
    return sendJson(res, 200, p === '/api' ? discovery.apiVersions() : discovery.apiGroupList());
  }
  if (p === '/api/v1') return sendJson(res, 200, discovery.resourceList('', 'v1') as string);
  let m = p.match(/^\/apis\/([^/]+)$/);
  if (m) {
    const g = discovery.apiGroup(m[1]);
    if (g) return sendJson(res, 200, g);
  }
  m = p.match(/^\/apis\/([^/]+)\/([^/]+)$/);
  if (m) {
    const rl = discovery.resourceList(m[1], m[2]);
    if (rl) return sendJson(res, 200, rl);
  }
  if (p === '/openapi/v3') return sendJson(res, 200, JSON.stringify(openApiV3Index()));
  m = p.match(/^\/openapi\/v3\/(.+)$/);
  if (m) {
    const doc = openApiV3DocumentJson(m[1]);
    if (doc) {
      if (req.headers['if-none-match'] === doc.etag) {
        res.writeHead(304, { ETag: doc.etag });
        res.end();
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/json', ETag: doc.etag, 'Cache-Control': 'public, immutable' });
      res.end(doc.json);
      return;
    }
  }
  if (p === '/openapi/v2' || p === '/swagger.json' || p === '/swagger-2.0.0.pb-v1') {
    // kubectl <= 1.27 reads v2 as gnostic protobuf (apply validation, patch metadata, explain).
    const format =
      p === '/swagger-2.0.0.pb-v1' ? 'protobuf' : p === '/swagger.json' ? 'json' : negotiateOpenApiV2(accept);
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
    return sendJson(res, 200, doc.json, 'application/json', headers);
  }
  throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
}

async function routeResource(
  ctx: RestContext,
  info: ResourceRequest,
  req: IncomingMessage,
  res: ServerResponse,
  user: UserInfo,
): Promise<void> {
  const rt = findResourceType(info.group, info.version, info.resource);
  if (!rt) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
  if (!rt.namespaced && info.namespace !== '')
    throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
  if (info.subresource !== '' && !rt.subresources.includes(info.subresource))
    throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
  const call: ResourceCall = {
    rt,
    strategy: getStrategy(rt.group, rt.kind),
    namespace: info.namespace,
    name: info.name,
    query: info.query,
    user,
  };
  const format = negotiateFormat(req.headers.accept);
  if (info.verb === 'watch') {
    if (info.name)
      call.query.set(
        'fieldSelector',
        [call.query.get('fieldSelector'), `metadata.name=${info.name}`].filter(Boolean).join(','),
      );
    serveWatch(ctx, call, format, req, res);
    return;
  }
  await serveResource(ctx, call, info, format, req, res);
}

/** Writes a JSON body. */
export function sendJson(
  res: ServerResponse,
  code: number,
  body: string,
  contentType = 'application/json',
  headers: Record<string, string> = {},
): void {
  res.writeHead(code, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

/** Writes an error as a Kubernetes Status (unless the response has already started). */
export function sendError(res: ServerResponse, err: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const { code, body } = toStatus(err);
  sendJson(res, code, JSON.stringify(body));
}
