/**
 * MutatingAdmissionWebhook and ValidatingAdmissionWebhook as admission plugins: the webhooks of the
 * Mutating/ValidatingWebhookConfigurations in the watch cache, called with AdmissionReview v1.
 *
 * ```
 *  admit(op, rt, obj, old, request)
 *    exempt? (webhook configurations; the server's own writes, see isExemptRequest) -> done
 *    hooks of every configuration, configurations by name   (memoized per cache revision)
 *    match: rules + matchPolicy -> namespaceSelector -> objectSelector
 *    dry run and sideEffects Some/Unknown -> 400 "does not support dry run"
 *    mutating:   one after the other; JSONPatch applied to obj; IfNeeded hooks called again once
 *                when a later hook changed the object; then defaults + validation again
 *    validating: all at once; the first refusal in order wins
 *    call failed -> failurePolicy: Fail = 500 "failed calling webhook", Ignore = go on
 * ```
 */
import { randomUUID } from 'node:crypto';
import type { KubeObject } from '../../../api/object.js';
import type { ResourceType } from '../../../api/resource-type.js';
import { ApiError, errors, type StatusReason } from '../../../api/errors.js';
import { allResourceTypes } from '../../../api/resource-types.js';
import { strategyOf } from '../../../api/kinds/index.js';
import { applyJsonPatch } from '../../../api/patch/json-patch.js';
import { type CelProgram, PER_CALL_LIMIT, toCel, valueShape } from '../../../api/cel/index.js';
import {
  ADMISSION_REGISTRATION_GROUP,
  compileMatchCondition,
  DEFAULT_WEBHOOK_TIMEOUT_SECONDS,
  type Webhook,
  type WebhookConfiguration,
} from '../../../api/kinds/webhook-configuration.js';
import type { WatchCache } from '../../watch-cache.js';
import { type AdmissionOperation, type AdmissionPlugin, type AdmissionRequest, annotate } from '../plugin.js';
import {
  type MatchAttributes,
  type WebhookOperation,
  matchingResource,
  namespaceSelectorMatches,
  objectSelectorMatches,
} from './matching.js';
import { admissionReviewRequest, InvalidResponse, kindOf, verifyAdmissionResponse } from './admission-review.js';
import { CallFailed, postJson } from './call-webhook.js';
import { serviceTarget, urlTarget } from './service-target.js';
import type { WebhookMetrics } from './webhook-metrics.js';

/** One webhook with the configuration it belongs to. */
interface ConfiguredHook {
  configuration: string;
  hook: Webhook;
  /** Compiled matchConditions (a string: the compile error). */
  conditions: { name: string; program: CelProgram | string }[];
  /** Decoded caBundle (PEM), undefined for system roots. */
  caPem?: string;
}

/** What the plugins read and call: the watch cache, and the HTTPS call (replaceable in tests). */
export interface WebhookDeps {
  cache: WatchCache;
  post?: typeof postJson;
  /** Called when a webhook call fails and its failurePolicy is Ignore (the server logs it). */
  onFailOpen?: (webhook: string, err: Error) => void;
  /** Latency, refusals and fail-open counts per webhook (kube-apiserver's metric names). */
  metrics?: WebhookMetrics;
}

const MUTATING_PREFIX = '/registry/admissionregistration.k8s.io/mutatingwebhookconfigurations/';
const VALIDATING_PREFIX = '/registry/admissionregistration.k8s.io/validatingwebhookconfigurations/';

/** Resources never sent to webhooks, so a bad webhook can always be removed (rules.IsExemptAdmissionConfigurationResource). */
const EXEMPT_KINDS = new Set([
  'MutatingWebhookConfiguration',
  'ValidatingWebhookConfiguration',
  'ValidatingAdmissionPolicy',
  'ValidatingAdmissionPolicyBinding',
  'MutatingAdmissionPolicy',
  'MutatingAdmissionPolicyBinding',
]);

/** Namespaces whose writes by the control plane's own identities never wait on webhooks. */
const SYSTEM_NAMESPACES = new Set(['kube-system', 'kube-node-lease']);

/**
 * True for requests webhooks do not see:
 * - webhook and policy configurations themselves (as Kubernetes);
 * - writes the server makes for itself without a user (bootstrap objects at start, the CRD
 *   registrar's status writes): they run before any webhook could be served and must not wait on one;
 * - writes in kube-system and kube-node-lease (and to those Namespaces) by the control plane: the
 *   server (system:apiserver, its loopback controllers), system:kube-controller-manager,
 *   system:kube-scheduler, kube-system ServiceAccounts (per-controller identities) and nodes.
 *   Kubernetes leaves this to the webhook author's namespaceSelector; here a webhook that matches
 *   everything cannot wedge the cluster's own machinery. Users' writes to kube-system still go through.
 */
export function isExemptRequest(
  rt: ResourceType,
  namespace: string,
  request: AdmissionRequest,
  objectName?: string,
): boolean {
  if (rt.group === ADMISSION_REGISTRATION_GROUP && EXEMPT_KINDS.has(rt.kind)) return true;
  const user = request.user;
  if (!user) return true;
  const target = rt.group === '' && rt.plural === 'namespaces' ? request.name || objectName || '' : namespace;
  if (!SYSTEM_NAMESPACES.has(target)) return false;
  const n = user.name;
  return (
    n === 'system:apiserver' ||
    n === 'system:kube-controller-manager' ||
    n === 'system:kube-scheduler' ||
    n.startsWith('system:serviceaccount:kube-system:') ||
    n.startsWith('system:node:')
  );
}

const OPERATIONS: Record<AdmissionOperation, WebhookOperation> = {
  create: 'CREATE',
  update: 'UPDATE',
  delete: 'DELETE',
};

/**
 * The hooks of every configuration under `prefix`, configurations in name order; parsed again only
 * when a configuration changed (other writes move the cache's revision but not these objects').
 */
function hookSource(cache: WatchCache, prefix: string): () => readonly ConfiguredHook[] {
  let seen = '';
  let hooks: ConfiguredHook[] = [];
  return () => {
    if (cache.count(prefix) === 0) return [];
    const configs = cache.list(prefix, '');
    const key = configs.map((c) => `${c.name}@${c.revision}`).join(',');
    if (key === seen) return hooks;
    seen = key;
    hooks = [];
    for (const c of configs) {
      const cfg = c.object() as WebhookConfiguration;
      for (const hook of cfg.webhooks ?? []) {
        const ca = hook.clientConfig?.caBundle;
        hooks.push({
          configuration: cfg.metadata?.name ?? '',
          hook,
          conditions: (hook.matchConditions ?? []).map((m) => ({
            name: m.name,
            program: compileMatchCondition(m.expression),
          })),
          caPem: ca ? Buffer.from(ca, 'base64').toString('utf8') : undefined,
        });
      }
    }
    return hooks;
  };
}

/** One matched webhook for this request. */
interface Invocation extends ConfiguredHook {
  index: number;
  rt: ResourceType;
}

/** The dispatcher both plugins share. */
class WebhookDispatcher {
  private readonly post: typeof postJson;

  constructor(
    private readonly deps: WebhookDeps,
    readonly hooks: () => readonly ConfiguredHook[],
    private readonly mutating: boolean,
  ) {
    this.post = deps.post ?? postJson;
  }

  /** Cheap pre-check per request: some hook's rules match (selectors are checked in admit). */
  mayMatch(rt: ResourceType, operation: AdmissionOperation, request: AdmissionRequest | undefined): boolean {
    const hooks = this.hooks();
    if (hooks.length === 0) return false;
    const namespace = rt.namespaced ? (request?.namespace ?? '') || '-' : '';
    if (request && isExemptRequest(rt, namespace, request)) return false;
    const a: MatchAttributes = {
      operation: OPERATIONS[operation],
      rt,
      subresource: request?.subresource ?? '',
      namespace,
    };
    const served = allResourceTypes();
    return hooks.some((h) => matchingResource(h.hook, a, served) !== undefined);
  }

  /** The hooks this request goes to, in order. */
  invocations(
    a: MatchAttributes,
    obj: KubeObject | undefined,
    old: KubeObject | undefined,
    request: AdmissionRequest,
  ): Invocation[] {
    const served = allResourceTypes();
    const out: Invocation[] = [];
    let nsLabels: Record<string, string> | undefined | null = null;
    const namespaceLabels = () => {
      if (nsLabels === null) nsLabels = this.deps.cache.get(`/registry/core/namespaces/${a.namespace}`)?.labels;
      return nsLabels;
    };
    this.hooks().forEach((h, index) => {
      const rt = matchingResource(h.hook, a, served);
      if (!rt) return;
      if (!namespaceSelectorMatches(h.hook, a, (obj ?? old)?.metadata.labels ?? {}, namespaceLabels)) return;
      if (
        !objectSelectorMatches(
          h.hook,
          obj?.metadata.labels ?? (obj ? {} : undefined),
          old?.metadata.labels ?? (old ? {} : undefined),
        )
      )
        return;
      if (h.conditions.length > 0 && !conditionsHold(h, a, obj, old, request)) return;
      out.push({ ...h, index, rt });
    });
    return out;
  }

  /**
   * Calls one webhook; resolves with its verdict, or undefined when the call failed and the
   * webhook fails open. Throws the refusal, the dry-run refusal or (failing closed) the call's failure.
   */
  async call(
    inv: Invocation,
    a: MatchAttributes,
    obj: KubeObject | undefined,
    old: KubeObject | undefined,
    request: AdmissionRequest,
    round: number,
  ) {
    const { hook } = inv;
    if (request.dryRun && hook.sideEffects !== 'None' && hook.sideEffects !== 'NoneOnDryRun')
      throw errors.badRequest(`admission webhook "${hook.name}" does not support dry run`);
    const uid = randomUUID();
    const requestKind = kindOf(obj ?? old, { group: a.rt.group, version: a.rt.version, kind: a.rt.kind });
    const convert = (o: KubeObject | undefined) => (o ? inVersion(o, inv.rt) : undefined);
    const review = admissionReviewRequest({
      uid,
      operation: a.operation,
      rt: inv.rt,
      requestRt: a.rt,
      subresource: a.subresource,
      name: request.name || (obj ?? old)?.metadata.name || '',
      namespace: a.namespace,
      user: request.user,
      object: a.operation === 'DELETE' ? undefined : convert(obj),
      oldObject: a.operation === 'CREATE' ? undefined : convert(old),
      requestKind,
      dryRun: request.dryRun,
    });
    const type = this.mutating ? 'admit' : 'validating';
    const started = performance.now();
    const observe = (refusal?: Parameters<WebhookMetrics['observe']>[4]) =>
      this.deps.metrics?.observe(hook.name, type, a.operation, (performance.now() - started) / 1000, refusal);
    try {
      const timeoutSeconds = hook.timeoutSeconds ?? DEFAULT_WEBHOOK_TIMEOUT_SECONDS;
      const cc = hook.clientConfig;
      const target = cc.url ? urlTarget(cc.url) : serviceTarget(this.deps.cache, cc, timeoutSeconds);
      const reply = await this.post(target, review, { caPem: inv.caPem, timeoutSeconds });
      const verdict = verifyAdmissionResponse(reply, uid, this.mutating);
      for (const [k, v] of Object.entries(verdict.auditAnnotations)) annotate(request.notes, `${hook.name}/${k}`, v);
      request.notes.warnings.push(...verdict.warnings);
      if (!verdict.allowed) {
        const refusal = denied(hook.name, verdict.status, a, request.name || (obj ?? old)?.metadata.name);
        observe({ errorType: 'no_error', code: refusal.code });
        throw refusal;
      }
      observe();
      return verdict;
    } catch (err) {
      if (!(err instanceof CallFailed) && !(err instanceof InvalidResponse)) throw err;
      const reason =
        err instanceof CallFailed ? `failed to call webhook: ${err.message}` : (err as InvalidResponse).message;
      const failure = new Error(`failed calling webhook "${hook.name}": ${reason}`);
      if (hook.failurePolicy === 'Ignore') {
        observe();
        const kind = this.mutating ? 'mutation' : 'validating';
        annotate(
          request.notes,
          `failed-open.${kind}.webhook.admission.k8s.io/round_${round}_index_${inv.index}`,
          hook.name,
        );
        this.deps.metrics?.failOpen(hook.name, type);
        this.deps.onFailOpen?.(hook.name, failure);
        return undefined;
      }
      observe({ errorType: 'calling_webhook_error', code: 500 });
      throw errors.internal(failure.message);
    }
  }
}

/**
 * A webhook's matchConditions (CEL over object, oldObject and request): all true calls it, one
 * false skips it. An error skips it under failurePolicy Ignore and refuses the request under Fail
 * (Kubernetes' matchconditions matcher).
 */
function conditionsHold(
  h: ConfiguredHook,
  a: MatchAttributes,
  obj: KubeObject | undefined,
  old: KubeObject | undefined,
  request: AdmissionRequest,
): boolean {
  const kind = { group: a.rt.group, version: a.rt.version, kind: a.rt.kind };
  const resource = { group: a.rt.group, version: a.rt.version, resource: a.rt.plural };
  const user = request.user;
  const activation: Record<string, unknown> = {
    object: obj ? toCel(obj) : null,
    oldObject: old ? toCel(old) : null,
    request: toCel({
      kind,
      resource,
      subResource: a.subresource,
      requestKind: kind,
      requestResource: resource,
      requestSubResource: a.subresource,
      name: request.name || (obj ?? old)?.metadata.name || '',
      namespace: a.namespace,
      operation: a.operation,
      userInfo: user ? { username: user.name, uid: user.uid ?? '', groups: user.groups, extra: user.extra ?? {} } : {},
      dryRun: request.dryRun,
    }),
    authorizer: null,
  };
  const shapes: Record<string, ReturnType<typeof valueShape>> = {};
  for (const k of ['object', 'oldObject', 'request']) shapes[k] = valueShape(activation[k]);
  for (const c of h.conditions) {
    const r =
      typeof c.program === 'string'
        ? { error: `compilation error: ${c.program}` }
        : c.program.evaluate(activation, { shapes, costLimit: PER_CALL_LIMIT });
    if ('error' in r) {
      if (h.hook.failurePolicy === 'Ignore') return false;
      throw errors.internal(
        `failed calling webhook "${h.hook.name}": matchCondition '${c.name}' resulted in error: ${r.error}`,
      );
    }
    if (r.value !== true) return false;
  }
  return true;
}

/** `obj` in `rt`'s version (matchPolicy Equivalent may match another version of the resource). */
function inVersion(obj: KubeObject, rt: ResourceType): KubeObject {
  const apiVersion = rt.group ? `${rt.group}/${rt.version}` : rt.version;
  if (obj.apiVersion === apiVersion || obj.kind !== rt.kind) return obj;
  const convert = strategyOf(rt).convert;
  return convert ? convert(obj, apiVersion) : obj;
}

/** A webhook's refusal as Kubernetes words it (webhookerrors.ToStatusErr). */
function denied(
  webhook: string,
  status: { code?: number; reason?: string; message?: string; details?: Record<string, unknown> } | undefined,
  a: MatchAttributes,
  name: string | undefined,
): ApiError {
  const code = status?.code || 403;
  const deniedBy = `admission webhook "${webhook}" denied the request`;
  const why = status?.message
    ? `${deniedBy}: ${status.message}`
    : status?.reason
      ? `${deniedBy}: ${status.reason}`
      : `${deniedBy} without explanation`;
  const shownName = name || 'Unknown';
  const gr = a.rt.group ? `${a.rt.plural}.${a.rt.group}` : a.rt.plural;
  const prefix = code === 500 ? 'Internal error occurred' : `${gr} "${shownName}" is forbidden`;
  const reason = (status?.reason || (code === 500 ? 'InternalError' : 'Forbidden')) as StatusReason;
  const details =
    (status?.details as ApiError['details']) ??
    (code === 500
      ? { causes: [{ reason: '', message: why }] }
      : { name: shownName, group: a.rt.group, kind: a.rt.plural });
  return new ApiError(code, reason, `${prefix}: ${why}`, details);
}

function attributes(
  operation: AdmissionOperation,
  rt: ResourceType,
  obj: KubeObject,
  request: AdmissionRequest,
): MatchAttributes {
  const namespace = rt.namespaced ? (request.namespace ?? obj.metadata.namespace ?? '') : '';
  return { operation: OPERATIONS[operation], rt, subresource: request.subresource, namespace };
}

/** Replaces `target`'s content with `source`'s (a mutating plugin changes the object in place). */
function replaceContent(target: KubeObject, source: KubeObject): void {
  for (const k of Object.keys(target)) delete (target as unknown as Record<string, unknown>)[k];
  Object.assign(target, source);
}

/**
 * The webhooks of `dispatcher` that this request goes to, with the request's attributes and the
 * object sent (none for a delete); undefined when the request is exempt or none match.
 */
function matchingWebhooks(
  dispatcher: WebhookDispatcher,
  operation: AdmissionOperation,
  rt: ResourceType,
  obj: KubeObject,
  old: KubeObject | undefined,
  request: AdmissionRequest,
) {
  const a = attributes(operation, rt, obj, request);
  if (isExemptRequest(rt, a.namespace, request, obj.metadata.name)) return undefined;
  const subject = operation === 'delete' ? undefined : obj;
  const invocations = dispatcher.invocations(a, subject, operation === 'create' ? undefined : old, request);
  return invocations.length === 0 ? undefined : { a, subject, invocations };
}

/**
 * MutatingAdmissionWebhook: runs after the built-in mutating plugins. A webhook's JSONPatch is
 * applied to the object in the version the webhook saw; webhooks with reinvocationPolicy IfNeeded
 * are called once more when a later webhook changed the object (Kubernetes also re-runs its
 * built-in mutating plugins then; here they are not run again). The patched object is defaulted
 * and validated again, so a webhook cannot store what the API would refuse.
 */
export function mutatingWebhookAdmission(deps: WebhookDeps | undefined): AdmissionPlugin {
  const dispatcher = deps && new WebhookDispatcher(deps, hookSource(deps.cache, MUTATING_PREFIX), true);
  return {
    name: 'MutatingAdmissionWebhook',
    kind: 'mutating',
    pure: false,
    handles: (rt, operation, request) => dispatcher?.mayMatch(rt, operation, request) ?? false,
    async admit(operation, rt, obj, old, request) {
      const matched = dispatcher && matchingWebhooks(dispatcher, operation, rt, obj, old, request);
      if (!matched) return;
      const { a, subject, invocations } = matched;
      let changedAny = false;
      const previouslyInvoked: Invocation[] = [];
      const reinvoke = new Set<Invocation>();
      const run = async (inv: Invocation, round: number) => {
        const verdict = await dispatcher.call(inv, a, subject, old, request, round);
        let changed = false;
        if (verdict?.patch && verdict.patch.length > 0) {
          if (!subject)
            throw errors.internal(
              `admission webhook "${inv.hook.name}" attempted to modify the object, which is not supported for this operation`,
            );
          const seen = inVersion(subject, inv.rt);
          let patched: KubeObject;
          try {
            patched = applyJsonPatch(seen, verdict.patch) as KubeObject;
          } catch (err) {
            throw errors.internal(err instanceof Error ? err.message : String(err));
          }
          const back = patched.apiVersion === subject.apiVersion ? patched : inVersion(patched, rt);
          changed = JSON.stringify(back) !== JSON.stringify(subject);
          if (changed) replaceContent(subject, back);
        }
        annotate(
          request.notes,
          `mutation.webhook.admission.k8s.io/round_${round}_index_${inv.index}`,
          JSON.stringify({ configuration: inv.configuration, webhook: inv.hook.name, mutated: changed }),
        );
        return changed;
      };
      for (const inv of invocations) {
        if (await run(inv, 0)) {
          changedAny = true;
          for (const p of previouslyInvoked) reinvoke.add(p);
        }
        if (inv.hook.reinvocationPolicy === 'IfNeeded') previouslyInvoked.push(inv);
      }
      for (const inv of invocations) if (reinvoke.has(inv)) changedAny = (await run(inv, 1)) || changedAny;
      if (changedAny && subject) revalidate(rt, subject, old, operation, request.subresource);
    },
  };
}

/** Defaults and validation of a webhook-patched object, as the API applies them to any request's. */
function revalidate(
  rt: ResourceType,
  obj: KubeObject,
  old: KubeObject | undefined,
  operation: AdmissionOperation,
  subresource: string,
): void {
  const strategy = strategyOf(rt);
  strategy.applyDefaults?.(obj);
  const status = subresource === 'status';
  const problems =
    operation === 'update' && old
      ? status
        ? (strategy.validateStatus?.(obj, old) ?? [])
        : (strategy.validate?.(obj, old) ?? [])
      : (strategy.validate?.(obj) ?? []);
  if (problems.length > 0) throw errors.invalid(rt.kind, obj.metadata.name ?? '', problems, rt.group);
}

/**
 * ValidatingAdmissionWebhook: every matching webhook is called at once (as Kubernetes does); the
 * first refusal in configuration order is the answer.
 */
export function validatingWebhookAdmission(deps: WebhookDeps | undefined): AdmissionPlugin {
  const dispatcher = deps && new WebhookDispatcher(deps, hookSource(deps.cache, VALIDATING_PREFIX), false);
  return {
    name: 'ValidatingAdmissionWebhook',
    kind: 'validating',
    pure: false,
    handles: (rt, operation, request) => dispatcher?.mayMatch(rt, operation, request) ?? false,
    async admit(operation, rt, obj, old, request) {
      const matched = dispatcher && matchingWebhooks(dispatcher, operation, rt, obj, old, request);
      if (!matched) return;
      const { a, subject, invocations } = matched;
      const outcomes = await Promise.allSettled(
        invocations.map((inv) => dispatcher.call(inv, a, subject, old, request, 0)),
      );
      for (const o of outcomes) if (o.status === 'rejected') throw o.reason;
    },
  };
}
