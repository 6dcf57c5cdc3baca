import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Registry } from 'prom-client';
import type { Logger } from 'pino';
import type { Store } from '../store/store.js';
import { ApiError, errors } from '../api/errors.js';
import { isStackOverflow, tooDeepMessage } from '../api/nesting-depth.js';
import { allResourceTypes, findResourceType, onResourceTypesChanged } from '../api/resource-types.js';
import { strategyOf } from '../api/kinds/index.js';
import { startCrdRegistrar } from './crd/crd-registrar.js';
import type { UserInfo } from './user-info.js';
import { requestInfoOf, type ResourceRequest } from './request-info.js';
import { negotiateFormat } from './negotiation.js';
import { Discovery } from './discovery.js';
import { type ExtraRoute, serveNonResource } from './non-resource.js';
import { addAuditAnnotation, type AuditRecorder } from './audit/audit-recorder.js';
import { sendError } from './send.js';
import { WatchCache } from './watch-cache.js';
import { serveWatch } from './watch-server.js';
import type { ResourceCall, RestContext } from './rest/rest-context.js';
import { WriteWorkerPool } from './write-workers/write-worker-pool.js';
import { storedFields } from './write-workers/stored-fields.js';
import { serveResource } from './rest/serve-resource.js';
import { findSubresource } from './rest/subresources.js';
import { serveUpgrade } from './rest/upgrade-proxy.js';
import { ApiMetrics } from './api-metrics.js';
import {
  bootstrapGatewayApiCrds,
  bootstrapGatewayClass,
  bootstrapObjects,
  bootstrapServiceAccounts,
} from './bootstrap.js';
import {
  builtInAdmission,
  WebhookMetrics,
  DEFAULT_TOLERATION_SECONDS,
  type DefaultTolerationSeconds,
  newAdmissionNotes,
  type AdmissionOptions,
} from './admission/index.js';
import { startCompactor } from './compactor.js';
import { MetricsApi, METRICS_GROUP, METRICS_RESOURCE_TYPES } from './metrics-api/index.js';
import {
  AUTHENTICATION_GROUP,
  AUTHORIZATION_GROUP,
  ReviewApi,
  REVIEW_RESOURCE_TYPES,
} from './review-api/review-api.js';
import { alwaysAllowAuthorizer } from './authz/always-allow.js';
import { privilegedGroupAuthorizer } from './authz/privileged-group.js';
import { RbacAuthorizer } from './authz/rbac/rbac-authorizer.js';
import { WatchCacheRbacLister } from './authz/rbac/watch-cache-lister.js';
import { checkRbacEscalation, rbacWrite, RBAC_GROUP } from './authz/rbac/escalation-check.js';
import { RequestGate } from './authz/request-gate.js';
import { checkCsrSignerPermission } from './authz/csr-signer-guard.js';
import { unionAuthorizer, unionRuleResolver } from './authz/union.js';
import { rejectUpgradeWithStatus } from './rest/upgrade-proxy.js';
import { deleteObsoleteRbac, reconcileRbacBootstrap } from './rbac-bootstrap.js';
import { bootstrapPolicy, obsoleteNodeAgentObjects, withNodeAgentPolicy } from '../api/rbac/index.js';
import { NodeAuthorizer } from './authz/node/node-authorizer.js';
import { WatchCacheNodeGraph } from './authz/node/watch-cache-node-graph.js';
import { WatchCacheServedTlsSecrets } from './authz/node/served-tls-secrets.js';
import type { TokenAuthentication } from './auth/token-authentication.js';
import { ServiceAccountTokenAuthenticator } from './serviceaccount/token-authenticator.js';
import { serviceAccountTokenConfig, type ServiceAccountTokenOptions } from './serviceaccount/token-config.js';
import { oidcDiscoveryRoutes } from './serviceaccount/oidc-discovery.js';

export type { UserInfo };

type ServeResource = (
  info: ResourceRequest,
  req: IncomingMessage,
  res: ServerResponse,
  user: UserInfo,
) => Promise<void>;

export interface ApiHandler {
  /**
   * Serves every Kubernetes API path (/api, /apis, /openapi/*, resources). Never throws; writes a
   * Status on error. Authorizes first (impersonation, then the authorizer; 403 when denied).
   */
  handle(req: IncomingMessage, res: ServerResponse, user: UserInfo): void;
  /**
   * Authorization of a request served outside `handle` (the HTTPS server's /metrics): the user
   * it runs as, or a thrown 403 ApiError. Optional: a handler without it allows everything.
   */
  authorize?(req: IncomingMessage, user: UserInfo): UserInfo;
  /** Upgrade requests: pods/exec, pods/attach, pods/portforward (proxied to the node agent). */
  handleUpgrade?(req: IncomingMessage, socket: Duplex, head: Buffer, user: UserInfo): void;
  /**
   * A ServiceAccount JWT checked against this server's key and watch cache, for `audiences`
   * (undefined: the API's). Synchronous and cheap: the request authenticator asks it per request.
   */
  authenticateServiceAccountToken?(token: string, audiences?: readonly string[]): TokenAuthentication;
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
  /**
   * Authorization modes (`--authorization-mode`). Default ['AlwaysAllow']. With 'RBAC': the
   * system:masters bypass then RBAC over the watch cache, and the bootstrap policy reconciled
   * before this resolves. 'Node' (with RBAC) puts the Node authorizer before RBAC.
   */
  authorizationModes?: readonly string[];
  /** The audit log (`--audit-policy-file`, `--audit-log-path`); default none. */
  audit?: AuditRecorder;
  /** Non-resource paths other parts of the server process serve (secrets encryption admin). */
  extraRoutes?: readonly ExtraRoute[];
  /** ServiceAccount tokens: signing key PEM (default: one generated in memory), issuer, API audiences. */
  serviceAccountTokens?: ServiceAccountTokenOptions;
  /**
   * TokenReview's authenticator: the server's whole token authentication (cluster tokens and
   * ServiceAccount tokens). Default: ServiceAccount tokens only.
   */
  authenticateToken?: (token: string, audiences?: readonly string[]) => TokenAuthentication;
  /** PodSecurity admission: cluster defaults, exemptions, newest policy version (default: privileged everywhere). */
  podSecurity?: AdmissionOptions['podSecurity'];
  /**
   * Kubernetes' ServiceAccount admission: pods get a ServiceAccount that must exist and the
   * kube-api-access-* token volume. Default false: it needs the serviceaccount controller, which
   * in-process tests of the REST core do not run; the server turns it on.
   */
  serviceAccountAdmission?: boolean;
  /** The client certificate presented to agents (logs, exec, attach, port-forward, stats). */
  agentClientTls?: { cert: string; key: string };
  /** The CA agents' serving certificates must chain to (the cluster CA, which signs kubelet-serving requests). */
  agentCaPem?: string;
}

/**
 * The Kubernetes API over one Store: loads the watch cache, creates the default namespaces and the
 * `kubernetes` Service, and returns the request handler.
 */
export async function createApiHandler(options: ApiHandlerOptions): Promise<ApiHandler> {
  const cache = new WatchCache({ store: options.store, fieldsOf: storedFields });
  await cache.start();
  const admissionOptions: AdmissionOptions = {
    defaultTolerationSeconds: options.defaultTolerationSeconds ?? DEFAULT_TOLERATION_SECONDS,
    podSecurity: options.podSecurity,
    serviceAccount: options.serviceAccountAdmission ?? false,
    nodeRestriction: (options.authorizationModes ?? []).includes('Node'),
  };
  const tokenConfig = serviceAccountTokenConfig(options.serviceAccountTokens);
  const ctx: RestContext = {
    store: options.store,
    cache,
    now: options.now ?? (() => new Date()),
    admission: builtInAdmission(admissionOptions, {
      cache,
      store: options.store,
      webhooks: {
        metrics: options.metrics ? new WebhookMetrics(options.metrics) : undefined,
        onFailOpen: (webhook, err) =>
          (options.log as Partial<Pick<Logger, 'warn'>> | undefined)?.warn?.(
            { webhook, err: err.message },
            'admission webhook call failed; failing open',
          ),
      },
    }),
    serviceAccountTokens: tokenConfig,
    agentClientTls: options.agentClientTls,
    agentCaPem: options.agentCaPem,
  };
  const serviceAccountTokens = new ServiceAccountTokenAuthenticator({ cache, config: tokenConfig });
  const extraRoutes = [...oidcDiscoveryRoutes(tokenConfig), ...(options.extraRoutes ?? [])];
  const authenticateServiceAccountToken = (token: string, audiences?: readonly string[]) =>
    serviceAccountTokens.authenticate(token, audiences);
  if ((options.writeWorkers ?? 0) > 0) {
    ctx.createPreparer = new WriteWorkerPool({
      size: options.writeWorkers ?? 0,
      config: admissionOptions,
      onCrash: (err) => options.log?.error({ err }, 'a write worker stopped; starting another'),
    });
  }
  await bootstrapObjects(ctx);
  await bootstrapGatewayApiCrds(ctx);
  if (admissionOptions.serviceAccount) await bootstrapServiceAccounts(ctx);
  const rbacOn = (options.authorizationModes ?? []).includes('RBAC');
  const nodeOn = (options.authorizationModes ?? []).includes('Node');
  // The namespaces of the namespaced policy objects were created just above.
  if (rbacOn) {
    await reconcileRbacBootstrap(ctx, withNodeAgentPolicy(bootstrapPolicy(), nodeOn));
    await deleteObsoleteRbac(ctx, obsoleteNodeAgentObjects(nodeOn));
  }
  const rbacLister = rbacOn ? new WatchCacheRbacLister(cache) : undefined;
  const rbac = rbacLister ? new RbacAuthorizer(rbacLister) : undefined;
  const nodeGraph = nodeOn ? new WatchCacheNodeGraph(cache) : undefined;
  const allowAll = alwaysAllowAuthorizer();
  // Kubernetes' order: the system:masters bypass, then Node, then RBAC.
  const servedTlsSecrets = nodeOn ? new WatchCacheServedTlsSecrets(cache) : undefined;
  const node = nodeGraph ? new NodeAuthorizer(nodeGraph, servedTlsSecrets) : undefined;
  const gate = rbac
    ? node
      ? new RequestGate(unionAuthorizer(privilegedGroupAuthorizer(), node, rbac), unionRuleResolver(node, rbac))
      : new RequestGate(unionAuthorizer(privilegedGroupAuthorizer(), rbac), rbac)
    : new RequestGate(allowAll, allowAll);
  const reviews = new ReviewApi({
    authorizer: gate.authorizer,
    ruleResolver: gate.ruleResolver,
    authenticateToken: options.authenticateToken ?? authenticateServiceAccountToken,
  });
  const escalation = rbacLister ? { authorizer: gate.authorizer, lister: rbacLister } : undefined;
  ctx.checkUpdate = (call, subresource, next, old) => {
    checkCsrSignerPermission(gate.authorizer, call.user, call.rt, subresource, next, old);
    if (escalation && call.rt.group === RBAC_GROUP)
      checkRbacEscalation(escalation, call.user, rbacWrite(call, next, old));
  };
  if (escalation) {
    ctx.checkCreate = {
      appliesTo: (rt) => rt.group === RBAC_GROUP,
      check: (call, obj, generatedName) =>
        checkRbacEscalation(escalation, call.user, rbacWrite(call, obj, undefined, generatedName)),
    };
  }
  // Discovery is rebuilt whenever CustomResourceDefinitions change what is served.
  const buildDiscovery = () =>
    new Discovery([...allResourceTypes(), ...METRICS_RESOURCE_TYPES, ...REVIEW_RESOURCE_TYPES]);
  let discovery = buildDiscovery();
  const stopDiscoveryUpdates = onResourceTypesChanged(() => {
    discovery = buildDiscovery();
  });
  const crds = await startCrdRegistrar(ctx, (err) =>
    options.log?.error({ err }, 'CustomResourceDefinition sync failed'),
  );
  await bootstrapGatewayClass(ctx);
  const metricsApi = new MetricsApi(ctx, {
    ttlMs: options.metricsTtlMs,
    log: options.log && 'warn' in options.log ? (options.log as Pick<Logger, 'warn'>) : undefined,
  });
  const metrics = options.metrics ? new ApiMetrics(options.metrics) : undefined;
  // Resource requests by API group: the groups other parts of the server serve, else the built-in resources.
  const serveBuiltIn: ServeResource = (info, req, res, user) => routeResource(ctx, info, req, res, user);
  const groupServers = new Map<string, ServeResource>([
    [METRICS_GROUP, (info, _req, res) => metricsApi.serve(info, res)],
    [AUTHORIZATION_GROUP, (info, req, res, user) => reviews.serve(info, req, res, user)],
    [AUTHENTICATION_GROUP, (info, req, res, user) => reviews.serve(info, req, res, user)],
  ]);
  const compactor = startCompactor({
    store: options.store,
    intervalMs: options.compactIntervalMs,
    onError: (err) => options.log?.error({ err }, 'store compaction failed'),
  });

  return {
    isReady: () => cache.ready,
    authenticateServiceAccountToken,
    async close() {
      compactor.stop();
      metricsApi.close();
      crds.stop();
      stopDiscoveryUpdates();
      rbacLister?.close();
      nodeGraph?.close();
      servedTlsSecrets?.close();
      cache.stop();
      await ctx.createPreparer?.close();
    },
    authorize(req, user) {
      return gate.admit(req, requestInfoOf(req), user);
    },
    handleUpgrade(req, socket, head, user) {
      const info = requestInfoOf(req);
      try {
        gate.admit(req, info, user);
      } catch (err) {
        socket.on('error', () => socket.destroy());
        rejectUpgradeWithStatus(socket, err);
        return;
      }
      void serveUpgrade(ctx, info, req, socket, head);
    },
    handle(req, res, authenticated) {
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
      let user: UserInfo;
      try {
        user = gate.admit(req, info, authenticated);
      } catch (err) {
        options.audit?.begin(req, res, info, authenticated, undefined);
        sendError(res, err);
        return;
      }
      options.audit?.begin(req, res, info, authenticated, user);
      const run = info.isResource
        ? (groupServers.get(info.group) ?? serveBuiltIn)(info, req, res, user)
        : serveNonResource(discovery, info.path, req, res, extraRoutes);
      run.catch((err: unknown) => {
        if (!(err instanceof ApiError))
          options.log?.error({ err, method: req.method, url: req.url }, 'internal error serving a request');
        // Bodies and stored objects are depth-limited, so a walk that still overflows the stack was
        // handed input nested too deeply for it: the client's input, not a server fault.
        sendError(res, isStackOverflow(err) ? errors.badRequest(`object nested too deeply: ${tooDeepMessage()}`) : err);
      });
    },
  };
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
  const subresource = info.subresource === '' ? undefined : findSubresource(rt, info.subresource);
  if (info.subresource !== '' && !subresource)
    throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
  if (rt.custom?.terminating && info.verb === 'create')
    throw errors.methodNotAllowed('create not allowed while custom resource definition is terminating');
  const call: ResourceCall = {
    rt,
    strategy: strategyOf(rt),
    namespace: info.namespace,
    name: info.name,
    query: info.query,
    user,
    subresource: info.subresource,
    admission: newAdmissionNotes((key, value) => addAuditAnnotation(req, key, value)),
  };
  // A stream its handler writes itself (pods/log: text/plain) answers whatever the client accepts.
  const format = subresource?.connect ? 'json' : negotiateFormat(req.headers.accept);
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
