/**
 * What the API server serves below an object, keyed by group, resource and subresource: the shape
 * of Kubernetes' REST storage map (`storage["pods/binding"] = ...`). Routing, discovery and the
 * upgrade proxy all read this one table; a subresource missing here is a 404, a verb without a
 * handler a 405.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GroupVersionKind } from '../../api/object.js';
import type { ResourceType } from '../../api/resource-type.js';
import { errors } from '../../api/errors.js';
import type { ResourceCall, RestContext } from './rest-context.js';
import { mediaType, parseDocument } from '../body.js';
import type { WriteOptions } from './write-options.js';
import { mutateObject } from './update-object.js';
import { applyPatch } from '../../api/patch/index.js';
import { toScale, applyScale, toCustomScale, applyCustomScale } from './scale.js';
import { bindPod } from './binding.js';
import { evictPod } from './eviction.js';
import { servePodLogs } from './pod-logs.js';
import { getObject, patchObject, replaceObject, type Reply } from './object-verbs.js';
import { createServiceAccountToken } from '../serviceaccount/token-request.js';

/** One subresource request, resolved: the object's call and the raw request. */
export interface SubresourceRequest {
  ctx: RestContext;
  call: ResourceCall;
  subresource: string;
  req: IncomingMessage;
  res: ServerResponse;
}

/** A write to a subresource: its body, options and (patch) the patch's media type. */
export interface SubresourceWrite {
  body: Buffer;
  opts: WriteOptions;
  patchType: string;
}

/** One subresource's storage: what discovery says of it and a handler per verb it serves. */
export interface Subresource {
  /** The kind a request and its reply carry (discovery's responseKind). */
  kind(rt: ResourceType): GroupVersionKind;
  /** Verbs as discovery lists them. */
  verbs: readonly string[];
  get?(r: SubresourceRequest): Promise<Reply>;
  create?(r: SubresourceRequest, w: SubresourceWrite): Promise<Reply>;
  update?(r: SubresourceRequest, w: SubresourceWrite): Promise<Reply>;
  patch?(r: SubresourceRequest, w: SubresourceWrite): Promise<Reply>;
  /** A stream the handler writes itself (pods/log). */
  connect?(r: SubresourceRequest): Promise<void>;
  /** Served on upgraded connections (WebSocket, SPDY) by the upgrade proxy. */
  upgrade?: boolean;
}

/** The object's own kind, in the request's version. */
const ownKind = (rt: ResourceType): GroupVersionKind => ({ group: rt.group, version: rt.version, kind: rt.kind });
const core = (kind: string) => (): GroupVersionKind => ({ group: '', version: 'v1', kind });

/** A view of the whole object whose writes may change only its part (status, ephemeralcontainers). */
function objectView(kind: Subresource['kind']): Subresource {
  return {
    kind,
    verbs: ['get', 'patch', 'update'],
    get: async ({ ctx, call }) => ({ code: 200, body: await getObject(ctx, call) }),
    update: ({ ctx, call, subresource, req }, { body, opts }) => replaceObject(ctx, call, subresource, body, req, opts),
    patch: ({ ctx, call, subresource }, { body, opts, patchType }) =>
      patchObject(ctx, call, subresource, patchType, body, opts),
  };
}

const status = objectView(ownKind);

/** autoscaling/v1 Scale of a workload: spec.replicas read and written through it. */
const scale: Subresource = {
  kind: () => ({ group: 'autoscaling', version: 'v1', kind: 'Scale' }),
  verbs: ['get', 'patch', 'update'],
  get: async ({ ctx, call }) => ({ code: 200, body: toScale(await getObject(ctx, call)) }),
  async update({ ctx, call }, { body, opts }) {
    const wanted = await parseDocument(body, 'json');
    const updated = await mutateObject(ctx, call, opts, '', (live) => applyScale(live, wanted));
    return { code: 200, body: toScale(updated) };
  },
  async patch({ ctx, call }, { body, opts, patchType }) {
    if (patchType === 'application/apply-patch+yaml')
      throw errors.methodNotAllowed(`apply is not supported on ${call.rt.plural}/scale`);
    const doc = await parseDocument(body, 'json');
    const updated = await mutateObject(ctx, call, opts, '', (live) =>
      applyScale(live, applyPatch(patchType, toScale(live), doc, undefined)),
    );
    return { code: 200, body: toScale(updated) };
  },
};

/** autoscaling/v1 Scale of a custom resource, through its CRD's scale paths. */
function customScale(paths: NonNullable<NonNullable<ResourceType['custom']>['scale']>): Subresource {
  return {
    kind: () => ({ group: 'autoscaling', version: 'v1', kind: 'Scale' }),
    verbs: ['get', 'patch', 'update'],
    get: async ({ ctx, call }) => ({ code: 200, body: toCustomScale(await getObject(ctx, call), paths) }),
    async update({ ctx, call }, { body, opts }) {
      const wanted = await parseDocument(body, 'json');
      const updated = await mutateObject(ctx, call, opts, '', (live) => applyCustomScale(live, wanted, paths));
      return { code: 200, body: toCustomScale(updated, paths) };
    },
    async patch({ ctx, call }, { body, opts, patchType }) {
      if (patchType === 'application/apply-patch+yaml')
        throw errors.methodNotAllowed(`apply is not supported on ${call.rt.plural}/scale`);
      const doc = await parseDocument(body, 'json');
      const updated = await mutateObject(ctx, call, opts, '', (live) =>
        applyCustomScale(live, applyPatch(patchType, toCustomScale(live, paths), doc, undefined), paths),
      );
      return { code: 200, body: toCustomScale(updated, paths) };
    },
  };
}

/** PUT namespaces/<name>/finalize: sets spec.finalizers; the namespace goes once none are left. */
const finalize: Subresource = {
  kind: core('Namespace'),
  verbs: ['update'],
  async update({ ctx, call }, { body, opts }) {
    const wanted =
      ((await parseDocument(body, 'json')) as { spec?: { finalizers?: string[] } })?.spec?.finalizers ?? [];
    const updated = await mutateObject(ctx, call, opts, '', (live) => {
      (live.spec as { finalizers?: string[] }) = { ...(live.spec as object), finalizers: wanted };
      return live;
    });
    return { code: 200, body: updated };
  },
};

const binding: Subresource = {
  kind: core('Binding'),
  verbs: ['create'],
  async create({ ctx, call, req }, { body, opts }) {
    const format = mediaType(req.headers['content-type']) === 'application/yaml' ? 'yaml' : 'json';
    return { code: 201, body: await bindPod(ctx, call, await parseDocument(body, format), opts) };
  },
};

const eviction: Subresource = {
  kind: () => ({ group: 'policy', version: 'v1', kind: 'Eviction' }),
  verbs: ['create'],
  create: async ({ ctx, call }, { body }) => ({
    code: 201,
    body: await evictPod(ctx, call, await parseDocument(body, 'json')),
  }),
};

const log: Subresource = {
  kind: core('Pod'),
  verbs: ['get'],
  connect: ({ ctx, call, req, res }) => servePodLogs(ctx, call, req, res),
};

/** Streams proxied to the pod's node agent on an upgraded connection (upgrade-proxy.ts). */
const stream = (kind: string): Subresource => ({ kind: core(kind), verbs: ['create', 'get'], upgrade: true });

/** Listed in discovery as Kubernetes serves them; not served yet (every verb is a 405). */
const proxy: Subresource = {
  kind: (rt) => ({ group: '', version: 'v1', kind: `${rt.kind}ProxyOptions` }),
  verbs: ['create', 'delete', 'get', 'patch', 'update'],
};
/** POST serviceaccounts/<name>/token: a TokenRequest answered with a signed, bound token (nothing stored). */
const token: Subresource = {
  kind: () => ({ group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest' }),
  verbs: ['create'],
  async create({ ctx, call, req }, { body }) {
    if (!ctx.serviceAccountTokens) throw errors.methodNotAllowed('create is not supported on serviceaccounts/token');
    const request = {
      namespace: call.namespace,
      name: call.name,
      body,
      contentType: req.headers['content-type'],
      user: call.user,
    };
    return { code: 201, body: await createServiceAccountToken(ctx, ctx.serviceAccountTokens, request) };
  },
};

/** group -> resource (plural) -> subresource -> storage. Order is discovery's. */
export const SUBRESOURCES: Readonly<Record<string, Readonly<Record<string, Readonly<Record<string, Subresource>>>>>> = {
  '': {
    namespaces: { status, finalize },
    pods: {
      status,
      binding,
      eviction,
      log,
      exec: stream('PodExecOptions'),
      attach: stream('PodAttachOptions'),
      portforward: stream('PodPortForwardOptions'),
      proxy,
      ephemeralcontainers: objectView(core('Pod')),
    },
    nodes: { status, proxy },
    services: { status, proxy },
    serviceaccounts: { token },
    persistentvolumes: { status },
    persistentvolumeclaims: { status },
    resourcequotas: { status },
  },
  apps: {
    deployments: { status, scale },
    replicasets: { status, scale },
    statefulsets: { status, scale },
    daemonsets: { status },
  },
  batch: { jobs: { status }, cronjobs: { status } },
  // A CertificateSigningRequest's approval: a view of the object whose writes change only its
  // Approved/Denied conditions (the kind's strategy narrows it).
  'certificates.k8s.io': { certificatesigningrequests: { status, approval: objectView(ownKind) } },
  autoscaling: { horizontalpodautoscalers: { status } },
  'networking.k8s.io': { ingresses: { status } },
  policy: { poddisruptionbudgets: { status } },
  'apiextensions.k8s.io': { customresourcedefinitions: { status } },
  'admissionregistration.k8s.io': { validatingadmissionpolicies: { status } },
};

const NONE: Readonly<Record<string, Subresource>> = {};

const customSubresources = new WeakMap<NonNullable<ResourceType['custom']>, Readonly<Record<string, Subresource>>>();

/** A custom resource's subresources, from its CRD version's spec.subresources (kept per descriptor). */
function subresourcesOfCustom(
  rt: Pick<ResourceType, 'subresources' | 'custom'>,
): Readonly<Record<string, Subresource>> {
  const custom = rt.custom as NonNullable<ResourceType['custom']>;
  let subs = customSubresources.get(custom);
  if (!subs) {
    const built: Record<string, Subresource> = {};
    if (rt.subresources.includes('status')) built.status = status;
    if (custom.scale) built.scale = customScale(custom.scale);
    subs = built;
    customSubresources.set(custom, subs);
  }
  return subs;
}

/** The subresources of a resource (empty when it has none). */
export function subresourcesOf(
  rt: Pick<ResourceType, 'group' | 'plural'> & Partial<Pick<ResourceType, 'subresources' | 'custom'>>,
): Readonly<Record<string, Subresource>> {
  if (rt.custom) return subresourcesOfCustom({ subresources: rt.subresources ?? [], custom: rt.custom });
  const group = Object.hasOwn(SUBRESOURCES, rt.group) ? SUBRESOURCES[rt.group] : undefined;
  return group && Object.hasOwn(group, rt.plural) ? group[rt.plural] : NONE;
}

/** One subresource of a resource, or undefined when it is not served. */
export function findSubresource(
  rt: Pick<ResourceType, 'group' | 'plural'> & Partial<Pick<ResourceType, 'subresources' | 'custom'>>,
  name: string,
): Subresource | undefined {
  const subs = subresourcesOf(rt);
  return Object.hasOwn(subs, name) ? subs[name] : undefined;
}
