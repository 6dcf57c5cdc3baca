/**
 * The PodSecurity admission plugin, as Kubernetes' pod-security-admission: namespace labels (or
 * the cluster defaults) choose a level and version per mode; pods that break the enforce level are
 * refused (403), those that break the warn level get a warning, and the audit level's violations
 * become an audit annotation. Workloads (Deployments, Jobs, ... anything with a pod template) only
 * get warnings and audit annotations: their pods meet enforce when they are created. Namespace
 * writes have their labels validated, and a stricter enforce level answers with warnings naming
 * the existing pods that would break it.
 *
 *   pod / workload / namespace --exempt? --> namespace labels (watch cache) + defaults --> Policy
 *        --> Evaluator(enforce | audit | warn) --> 403 | notes.warnings | notes.auditAnnotations
 *
 * Not pure: it reads namespaces and pods from the watch cache, so these writes never run in a
 * write worker. While the cluster defaults are privileged and no namespace has a pod-security
 * label (Kubernetes' default), it handles nothing, so pod creates keep the write workers; a label
 * set while such a create is being prepared may miss that create, as a lagging informer can in
 * Kubernetes. Namespace creates (label validation only) are checked by a second, pure plugin.
 */
import type { Pod, PodSpec, PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import { ApiError, errors } from '../../../api/errors.js';
import type { KubeObject } from '../../../api/object.js';
import type { ResourceType } from '../../../api/resource-type.js';
import { type AdmissionNotes, type AdmissionPlugin, type AdmissionRequest, annotate } from '../plugin.js';
import { byteOrder, type PodMeta } from './check-helpers.js';
import { Evaluator, type Evaluation, forbiddenDetail, forbiddenReason } from './evaluator.js';
import type { PodSecuritySettings } from './pod-security-config.js';
import {
  AUDIT_ANNOTATION_ENFORCE_POLICY,
  AUDIT_ANNOTATION_ERROR,
  AUDIT_ANNOTATION_EXEMPT,
  AUDIT_ANNOTATION_VIOLATIONS,
  compareLevels,
  type LevelVersion,
  levelVersionString,
  type Policy,
  policyToEvaluate,
  sameLevelVersion,
} from './policy-levels.js';

/** What the plugin reads of the server's state: a namespace's labels and a namespace's pods. */
export interface PodSecurityState {
  /**
   * The labels of a namespace; undefined when the namespace does not exist. From the watch cache,
   * falling back to the store for a namespace the cache has not seen yet (as Kubernetes falls back
   * from its informer to a live GET).
   */
  namespaceLabels(name: string): Record<string, string> | undefined | Promise<Record<string, string> | undefined>;
  /** The pods of a namespace (a namespace label change checks them). */
  pods(namespace: string): Pod[];
  /** Whether any namespace has a pod-security.kubernetes.io/ label (cheap: asked per request). */
  anyNamespaceLabelled(): boolean;
}

export interface PodSecurityAdmissionOptions {
  settings: PodSecuritySettings;
  /** The newest policy version this server knows (its Kubernetes minor version): `latest` and newer pins evaluate as it. */
  maxVersion: number;
  /** Injectable clock for the namespace check's time budget (tests). */
  nowMs?: () => number;
}

/** Pod subresources whose writes cannot change what the policy looks at. */
const IGNORED_POD_SUBRESOURCES = new Set([
  'exec',
  'attach',
  'binding',
  'eviction',
  'log',
  'portforward',
  'proxy',
  'status',
]);

/** Resources with a pod template, by `group/Kind`: they get warnings and audit annotations, never a refusal. */
const POD_CONTROLLERS = new Set([
  '/ReplicationController',
  '/PodTemplate',
  'apps/ReplicaSet',
  'apps/Deployment',
  'apps/StatefulSet',
  'apps/DaemonSet',
  'batch/Job',
  'batch/CronJob',
]);

/** Kubernetes checks at most this many existing pods, for at most this long, when a namespace's enforce level tightens. */
const NAMESPACE_MAX_PODS_TO_CHECK = 3000;
const NAMESPACE_POD_CHECK_TIMEOUT_MS = 1000;

/**
 * The PodSecurity plugins (validating): one for pods, workloads and namespace updates (not pure),
 * one for namespace creates (pure: only the labels are checked). `state` is undefined in write
 * workers, which only ever run the pure one.
 */
export function podSecurityAdmission(
  options: PodSecurityAdmissionOptions,
  state: PodSecurityState | undefined,
): AdmissionPlugin[] {
  const evaluator = new Evaluator(options.maxVersion);
  const psa = new PodSecurity(options, evaluator, () => {
    if (!state) throw new Error('PodSecurity admission needs the watch cache (it never runs in a write worker)');
    return state;
  });
  const defaultsPrivileged = isFullyPrivileged(options.settings.defaults);
  const active = () => !defaultsPrivileged || (state?.anyNamespaceLabelled() ?? false);
  return [
    {
      name: 'PodSecurity',
      kind: 'validating',
      pure: false,
      handles(rt, operation) {
        if (operation === 'delete') return false;
        const kind = kindOf(rt);
        if (kind === 'Namespace') return operation === 'update';
        return (kind === 'Pod' || POD_CONTROLLERS.has(kind)) && active();
      },
      admit(operation, rt, obj, old, request) {
        if (operation === 'delete') return;
        const kind = kindOf(rt);
        if (kind === 'Namespace') psa.validateNamespace(operation, obj, old, request);
        else if (kind === 'Pod') return psa.validatePod(operation, obj, old, request);
        else return psa.validatePodController(rt, obj, request);
      },
    },
    {
      name: 'PodSecurityNamespaceLabels',
      kind: 'validating',
      pure: true,
      handles: (rt, operation) => kindOf(rt) === 'Namespace' && operation === 'create',
      admit(operation, _rt, obj, old, request) {
        if (operation !== 'delete') psa.validateNamespace(operation, obj, old, request);
      },
    },
  ];
}

function kindOf(rt: ResourceType): string {
  return rt.group === '' && (rt.kind === 'Pod' || rt.kind === 'Namespace') ? rt.kind : `${rt.group}/${rt.kind}`;
}

class PodSecurity {
  private readonly exemptNamespaces: Set<string>;
  private readonly exemptUsers: Set<string>;
  private readonly exemptRuntimeClasses: Set<string>;
  private readonly nowMs: () => number;

  constructor(
    private readonly options: PodSecurityAdmissionOptions,
    private readonly evaluator: Evaluator,
    private readonly state: () => PodSecurityState,
  ) {
    const ex = options.settings.exemptions;
    this.exemptNamespaces = new Set(ex.namespaces);
    this.exemptUsers = new Set(ex.usernames);
    this.exemptRuntimeClasses = new Set(ex.runtimeClasses);
    this.nowMs = options.nowMs ?? Date.now;
  }

  private policyOf(labels: Record<string, string> | undefined) {
    return policyToEvaluate(labels, this.options.settings.defaults);
  }

  /** Label values must parse; a stricter enforce level warns about the pods already there that break it. */
  validateNamespace(
    operation: 'create' | 'update',
    ns: KubeObject,
    old: KubeObject | undefined,
    request: AdmissionRequest,
  ): void {
    if (request.subresource !== '') return;
    const name = ns.metadata.name ?? '';
    const next = this.policyOf(ns.metadata.labels);
    if (operation === 'create' || !old) {
      if (next.errors.length > 0) throw errors.invalid('Namespace', name, next.errors);
      return;
    }
    const prev = this.policyOf(old.metadata.labels);
    const sameErrors =
      prev.errors.length === next.errors.length &&
      prev.errors.every((e, i) => e.field === next.errors[i].field && e.message === next.errors[i].message);
    if (next.errors.length > 0 && (prev.errors.length === 0 || !sameErrors))
      throw errors.invalid('Namespace', name, next.errors);
    const enforce = next.policy.enforce;
    const oldEnforce = prev.policy.enforce;
    if (sameLevelVersion(enforce, oldEnforce)) return;
    if (enforce.level === 'privileged') return;
    if (enforce.version === oldEnforce.version && compareLevels(enforce.level, oldEnforce.level) < 1) return;
    if (this.exemptNamespaces.has(name)) return;
    request.notes.warnings.push(...this.evaluatePodsInNamespace(name, enforce));
  }

  /** Pods: enforce, audit and warn, unless exempt or the update changes nothing the policy reads. */
  async validatePod(
    operation: 'create' | 'update',
    pod: KubeObject,
    old: KubeObject | undefined,
    request: AdmissionRequest,
  ): Promise<void> {
    if (IGNORED_POD_SUBRESOURCES.has(request.subresource)) return;
    const namespace = pod.metadata.namespace ?? '';
    if (this.exempt(namespace, request)) return;
    const { policy, errors: labelErrors } = await this.namespacePolicy(namespace);
    if (labelErrors.length === 0 && isFullyPrivileged(policy)) return;
    if (operation === 'update' && old && !isSignificantPodUpdate(pod as Pod, old as Pod)) return;
    this.evaluatePod(policy, labelErrors, pod.metadata, (pod.spec ?? {}) as PodSpec, request, {
      enforce: true,
      resource: 'pods',
      name: pod.metadata.name ?? '',
    });
  }

  /** Workloads: warnings and audit annotations for their pod template (never a refusal). */
  async validatePodController(rt: ResourceType, obj: KubeObject, request: AdmissionRequest): Promise<void> {
    if (request.subresource !== '') return;
    const namespace = obj.metadata.namespace ?? '';
    if (this.exempt(namespace, request)) return;
    let policy: Policy;
    let labelErrors: { field: string; message: string }[];
    try {
      ({ policy, errors: labelErrors } = await this.namespacePolicy(namespace));
    } catch {
      // Kubernetes lets the workload through and notes why it could not be evaluated.
      annotate(
        request.notes,
        AUDIT_ANNOTATION_ERROR,
        `failed to lookup namespace ${namespace}: namespaces "${namespace}" not found`,
      );
      return;
    }
    if (labelErrors.length === 0 && policy.warn.level === 'privileged' && policy.audit.level === 'privileged') return;
    const template = podTemplateOf(rt, obj);
    if (!template) return;
    this.evaluatePod(policy, labelErrors, template.metadata ?? {}, template.spec ?? ({} as PodSpec), request, {
      enforce: false,
      resource: rt.plural,
      name: obj.metadata.name ?? '',
    });
  }

  private exempt(namespace: string, request: AdmissionRequest): boolean {
    if (namespace !== '' && this.exemptNamespaces.has(namespace)) {
      annotate(request.notes, AUDIT_ANNOTATION_EXEMPT, 'namespace');
      return true;
    }
    const user = request.user?.name ?? '';
    if (user !== '' && this.exemptUsers.has(user)) {
      annotate(request.notes, AUDIT_ANNOTATION_EXEMPT, 'user');
      return true;
    }
    return false;
  }

  /** The namespace's policy; a namespace the cache does not know is a 500, as Kubernetes answers. */
  private async namespacePolicy(namespace: string) {
    const labels = await this.state().namespaceLabels(namespace);
    if (labels === undefined) throw errors.internal(`failed to lookup namespace ${namespace}`);
    return this.policyOf(labels);
  }

  private evaluatePod(
    policy: Policy,
    labelErrors: { field: string; message: string }[],
    meta: PodMeta,
    spec: PodSpec,
    request: AdmissionRequest,
    target: { enforce: boolean; resource: string; name: string },
  ): void {
    const notes: AdmissionNotes = request.notes;
    if (spec.runtimeClassName && this.exemptRuntimeClasses.has(spec.runtimeClassName)) {
      annotate(notes, AUDIT_ANNOTATION_EXEMPT, 'runtimeClass');
      return;
    }
    const annotations: Record<string, string> = {};
    if (labelErrors.length > 0) {
      // As Go's field.ErrorList.ToAggregate() prints: one error bare, several in brackets.
      const texts = labelErrors.map((e) => `${e.field}: ${e.message}`);
      annotations[AUDIT_ANNOTATION_ERROR] =
        `Failed to parse policy: ${texts.length === 1 ? texts[0] : `[${texts.join(', ')}]`}`;
    }
    const cached: { lv: LevelVersion; result: Evaluation }[] = [];
    const evaluate = (lv: LevelVersion) => {
      const hit = cached.find((c) => sameLevelVersion(c.lv, lv));
      if (hit) return hit.result;
      const result = this.evaluator.evaluate(lv, meta, spec);
      cached.push({ lv, result });
      return result;
    };
    let refusal: ApiError | undefined;
    if (target.enforce) {
      annotations[AUDIT_ANNOTATION_ENFORCE_POLICY] = levelVersionString(policy.enforce);
      const result = evaluate(policy.enforce);
      if (!result.allowed) {
        const what = target.name ? `${target.resource} "${target.name}"` : target.resource;
        refusal = new ApiError(
          403,
          'Forbidden',
          `${what} is forbidden: violates PodSecurity "${levelVersionString(policy.enforce)}": ${forbiddenDetail(result)}`,
          { name: target.name, group: '', kind: target.resource },
        );
      }
    }
    const audit = evaluate(policy.audit);
    if (!audit.allowed)
      annotations[AUDIT_ANNOTATION_VIOLATIONS] =
        `would violate PodSecurity "${levelVersionString(policy.audit)}": ${forbiddenDetail(audit)}`;
    if (!refusal) {
      const warn = evaluate(policy.warn);
      if (!warn.allowed)
        notes.warnings.push(`would violate PodSecurity "${levelVersionString(policy.warn)}": ${forbiddenDetail(warn)}`);
    }
    for (const [key, value] of Object.entries(annotations)) annotate(notes, key, value);
    if (refusal) throw refusal;
  }

  /**
   * The warnings for a namespace whose enforce level tightens: one per distinct violation, naming
   * the first pod (by name) and how many others share it. Pods of one controller are checked once
   * before their siblings; at most 3000 pods, for at most a second.
   */
  evaluatePodsInNamespace(namespace: string, enforce: LevelVersion): string[] {
    const deadline = this.nowMs() + NAMESPACE_POD_CHECK_TIMEOUT_MS;
    let pods: Pod[];
    try {
      pods = this.prioritizePods(this.state().pods(namespace));
    } catch {
      return ['failed to list pods while checking new PodSecurity enforce level'];
    }
    const total = pods.length;
    if (pods.length > NAMESPACE_MAX_PODS_TO_CHECK) pods = pods.slice(0, NAMESPACE_MAX_PODS_TO_CHECK);
    let checked = pods.length;
    const byWarning = new Map<string, { podName: string; count: number }>();
    const order: string[] = [];
    for (let i = 0; i < pods.length; i++) {
      const pod = pods[i];
      const r = this.evaluator.evaluate(enforce, pod.metadata ?? {}, pod.spec ?? ({} as PodSpec));
      if (!r.allowed) {
        const warning = forbiddenReason(r);
        const name = pod.metadata?.name ?? '';
        const seen = byWarning.get(warning);
        if (!seen) {
          byWarning.set(warning, { podName: name, count: 1 });
          order.push(warning);
        } else {
          seen.count++;
          if (name < seen.podName) seen.podName = name;
        }
      }
      if (this.nowMs() > deadline) {
        checked = i + 1;
        break;
      }
    }
    const warnings: string[] = [];
    if (checked < total)
      warnings.push(
        `new PodSecurity enforce level only checked against the first ${checked} of ${total} existing pods`,
      );
    if (order.length > 0)
      warnings.push(
        `existing pods in namespace "${namespace}" violate the new PodSecurity enforce level "${levelVersionString(enforce)}"`,
      );
    const podWarnings = order.map((w) => {
      const c = byWarning.get(w) as { podName: string; count: number };
      if (c.count === 1) return `${c.podName}: ${w}`;
      if (c.count === 2) return `${c.podName} (and 1 other pod): ${w}`;
      return `${c.podName} (and ${c.count - 1} other pods): ${w}`;
    });
    return [...warnings, ...podWarnings.sort(byteOrder)];
  }

  /** Exempt runtime classes dropped; the first pod of each controller first, its siblings after all others. */
  private prioritizePods(pods: Pod[]): Pod[] {
    const first: Pod[] = [];
    const duplicates: Pod[] = [];
    const seenControllers = new Set<string>();
    for (const pod of pods) {
      const rc = pod.spec?.runtimeClassName;
      if (rc && this.exemptRuntimeClasses.has(rc)) continue;
      const controller = (pod.metadata?.ownerReferences ?? []).find((o) => o.controller === true);
      if (!controller) first.push(pod);
      else if (seenControllers.has(controller.uid)) duplicates.push(pod);
      else {
        seenControllers.add(controller.uid);
        first.push(pod);
      }
    }
    return [...first, ...duplicates];
  }
}

function isFullyPrivileged(p: Policy): boolean {
  return p.enforce.level === 'privileged' && p.audit.level === 'privileged' && p.warn.level === 'privileged';
}

/** The pod template of a workload (undefined when it has none, e.g. a ReplicationController without template). */
function podTemplateOf(rt: ResourceType, obj: KubeObject): PodTemplateSpec | undefined {
  const o = obj as unknown as {
    template?: PodTemplateSpec;
    spec?: { template?: PodTemplateSpec; jobTemplate?: { spec?: { template?: PodTemplateSpec } } };
  };
  if (rt.kind === 'PodTemplate') return o.template ?? undefined;
  if (rt.kind === 'CronJob') return o.spec?.jobTemplate?.spec?.template ?? undefined;
  return o.spec?.template ?? undefined;
}

/**
 * Whether a pod update changes what the policy reads. Pods are mostly immutable: only images, the
 * seccomp annotations and added ephemeral containers can change, so other updates are let through.
 */
export function isSignificantPodUpdate(pod: Pod, old: Pod): boolean {
  const seccompPod = 'seccomp.security.alpha.kubernetes.io/pod';
  const ann = pod.metadata?.annotations ?? {};
  const oldAnn = old.metadata?.annotations ?? {};
  if (ann[seccompPod] !== oldAnn[seccompPod]) return true;
  const spec = pod.spec ?? ({ containers: [] } as PodSpec);
  const oldSpec = old.spec ?? ({ containers: [] } as PodSpec);
  const containers = spec.containers ?? [];
  const oldContainers = oldSpec.containers ?? [];
  const inits = spec.initContainers ?? [];
  const oldInits = oldSpec.initContainers ?? [];
  if (containers.length !== oldContainers.length || inits.length !== oldInits.length) return true;
  const changed = (c: { name: string; image?: string }, o: { name: string; image?: string }) => {
    if (c.image !== o.image) return true;
    const key = `container.seccomp.security.alpha.kubernetes.io/${c.name}`;
    return ann[key] !== oldAnn[key];
  };
  for (let i = 0; i < containers.length; i++) if (changed(containers[i], oldContainers[i])) return true;
  for (let i = 0; i < inits.length; i++) if (changed(inits[i], oldInits[i])) return true;
  for (const c of spec.ephemeralContainers ?? []) {
    const o = (oldSpec.ephemeralContainers ?? []).find((e) => e.name === c.name);
    if (!o || changed(c, o)) return true;
  }
  return false;
}
