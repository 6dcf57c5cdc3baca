/**
 * ValidatingAdmissionPolicy as an admission plugin: for each binding whose policy matches the
 * request, the policy's CEL validations run against the object (with the binding's params) and
 * their failures are enforced by the binding's validationActions.
 *
 *   request -> bindings (watch cache) -> policy + matchConstraints -> binding matchResources
 *           -> params (paramKind + paramRef) -> evaluatePolicy -> Deny: 4xx | Warn: warning | Audit: annotation
 *
 * Policies are compiled once per resourceVersion. Kubernetes runs this plugin after the mutating
 * webhooks and before the validating ones and ResourceQuota; the admissionregistration resources
 * themselves are exempt, as in Kubernetes.
 */
import type {
  ParamRef,
  ValidatingAdmissionPolicy,
  ValidatingAdmissionPolicyBinding,
} from 'kubernetes-types/admissionregistration/v1.js';
import { toCel } from '../../../api/cel/index.js';
import { ApiError, type StatusReason } from '../../../api/errors.js';
import { type CompiledPolicy, compilePolicy } from '../../../api/kinds/validating-admission-policy.js';
import type { KubeObject } from '../../../api/object.js';
import type { ResourceType } from '../../../api/resource-type.js';
import { allResourceTypes, findResourceType } from '../../../api/resource-types.js';
import { selectorMatches } from '../../../api/validation/label-selector.js';
import type { CachedObject, WatchCache } from '../../watch-cache.js';
import { admissionSubject } from '../limit-ranger.js';
import { type AdmissionOperation, type AdmissionPlugin, type AdmissionRequest, annotate } from '../plugin.js';
import { type Decision, evaluatePolicy, type PolicyActivation } from './evaluate.js';
import { type MatchAttributes, matchesResources } from './matching.js';

const POLICIES = findResourceType('admissionregistration.k8s.io', 'v1', 'validatingadmissionpolicies');
const BINDINGS = findResourceType('admissionregistration.k8s.io', 'v1', 'validatingadmissionpolicybindings');
const NAMESPACES = findResourceType('', 'v1', 'namespaces');

/** Resources no admission policy applies to (Kubernetes' exempt admission configuration resources). */
const EXEMPT = new Set([
  'validatingadmissionpolicies',
  'validatingadmissionpolicybindings',
  'mutatingadmissionpolicies',
  'mutatingadmissionpolicybindings',
  'validatingwebhookconfigurations',
  'mutatingwebhookconfigurations',
]);

const REASON_CODES: Record<string, number> = {
  Unauthorized: 401,
  Forbidden: 403,
  Invalid: 422,
  RequestEntityTooLarge: 413,
};

export const VALIDATION_FAILURE_ANNOTATION = 'validation.policy.admission.k8s.io/validation_failure';

interface CompiledEntry {
  resourceVersion: string;
  compiled: CompiledPolicy;
}

export function validatingAdmissionPolicyPlugin(cache: WatchCache | undefined): AdmissionPlugin {
  const compiledByName = new Map<string, CompiledEntry>();

  const compiledOf = (policy: ValidatingAdmissionPolicy): CompiledPolicy => {
    const name = policy.metadata?.name ?? '';
    const rv = policy.metadata?.resourceVersion ?? '';
    const hit = compiledByName.get(name);
    if (hit && hit.resourceVersion === rv) return hit.compiled;
    const compiled = compilePolicy(policy);
    compiledByName.set(name, { resourceVersion: rv, compiled });
    return compiled;
  };

  // Parsed bindings and policies by store key, kept while their revision holds (object() parses JSON).
  const parsed = new Map<string, { revision: number; object: KubeObject }>();
  const objectOf = <T>(c: CachedObject | undefined): T | undefined => {
    if (!c) return undefined;
    const hit = parsed.get(c.key);
    if (hit && hit.revision === c.revision) return hit.object as T;
    const object = c.object();
    parsed.set(c.key, { revision: c.revision, object });
    return object as T;
  };

  return {
    name: 'ValidatingAdmissionPolicy',
    kind: 'validating',
    pure: false,
    handles: (rt) =>
      !!cache &&
      !!BINDINGS &&
      !(rt.group === 'admissionregistration.k8s.io' && EXEMPT.has(rt.plural)) &&
      cache.count(BINDINGS.storagePrefix) > 0,
    admit(operation, rt, obj, old, request) {
      if (!cache || !BINDINGS || !POLICIES) return;
      const cached = cache.list(BINDINGS.storagePrefix, '');
      if (parsed.size > 4 * (cached.length + cache.count(POLICIES.storagePrefix)) + 64) parsed.clear();
      const bindings = cached.map(
        (o) => objectOf<ValidatingAdmissionPolicyBinding>(o) as ValidatingAdmissionPolicyBinding,
      );
      if (bindings.length === 0) return;
      const object = operation === 'delete' ? undefined : obj;
      const oldObject = operation === 'create' ? undefined : old;
      const namespace = request.namespace ?? obj.metadata?.namespace ?? '';
      const namespaceObject =
        rt.namespaced && namespace && NAMESPACES
          ? cache.get(`${NAMESPACES.storagePrefix}${namespace}`)?.object()
          : undefined;
      const attrs: MatchAttributes = {
        operation: operation.toUpperCase(),
        group: rt.group,
        version: rt.version,
        resource: rt.plural,
        subresource: request.subresource,
        namespaced: rt.namespaced,
        name: request.name || obj.metadata?.name || '',
        namespace,
        namespaceLabels: isNamespace(rt) ? (object ?? oldObject)?.metadata?.labels : namespaceObject?.metadata?.labels,
        objectLabels: object?.metadata?.labels,
        oldObjectLabels: oldObject?.metadata?.labels,
        isNamespace: isNamespace(rt),
      };
      const base: Omit<PolicyActivation, 'params'> = {
        object: object ? toCel(object) : null,
        oldObject: oldObject ? toCel(oldObject) : null,
        request: toCel(requestVariable(operation, rt, attrs, request)),
        namespaceObject: namespaceObject ? toCel(namespaceObject) : null,
      };
      const denials: string[] = [];
      let denyReason: string | undefined;
      const audits: {
        message: string;
        policy: string;
        binding: string;
        expressionIndex: number;
        validationActions: string[];
      }[] = [];

      for (const binding of bindings) {
        const policyName = binding.spec?.policyName;
        if (!policyName) continue;
        const policy = objectOf<ValidatingAdmissionPolicy>(cache.get(`${POLICIES.storagePrefix}${policyName}`));
        if (!policy?.spec) continue;
        if (!matchesResources(policy.spec.matchConstraints, attrs, true)) continue;
        if (!matchesResources(binding.spec?.matchResources, attrs, false)) continue;
        const actions = binding.spec?.validationActions ?? [];
        const ignoreErrors = policy.spec.failurePolicy === 'Ignore';
        const bindingName = binding.metadata?.name ?? '';
        const enforce = (decision: Decision, expressionIndex: number) => {
          if (decision.kind === 'error' && ignoreErrors) return;
          const message = decision.message;
          const prefix = `ValidatingAdmissionPolicy '${policyName}' with binding '${bindingName}'`;
          if (actions.includes('Deny')) {
            denials.push(`${prefix} denied request: ${message}`);
            denyReason ??= decision.kind === 'fail' ? decision.reason : 'Invalid';
          }
          if (actions.includes('Warn')) request.notes.warnings.push(`Validation failed for ${prefix}: ${message}`);
          if (actions.includes('Audit'))
            audits.push({
              message,
              policy: policyName,
              binding: bindingName,
              expressionIndex,
              validationActions: actions,
            });
        };

        const params = paramsFor(cache, policy, binding.spec?.paramRef, namespace);
        if (typeof params === 'string') {
          enforce({ kind: 'error', message: `failed to configure binding: ${params}` }, 0);
          continue;
        }
        const compiled = compiledOf(policy);
        for (const param of params) {
          const result = evaluatePolicy(compiled, { ...base, params: param === null ? null : toCel(param) });
          if (!result.matched) continue;
          for (const d of result.decisions) enforce(d, d.kind === 'fail' ? d.index : 0);
          for (const [key, value] of Object.entries(result.auditAnnotations))
            annotate(request.notes, `${policyName}/${key}`, value);
        }
        if (denials.length > 0) break;
      }
      if (audits.length > 0) annotate(request.notes, VALIDATION_FAILURE_ANNOTATION, JSON.stringify(audits));
      if (denials.length > 0) throw denied(rt, obj, denials[0], denyReason ?? 'Invalid');
    },
  };
}

function isNamespace(rt: ResourceType): boolean {
  return rt.group === '' && rt.plural === 'namespaces';
}

/** `deployments.apps "web" is forbidden: <message>` with the validation's reason and code, as Kubernetes builds it. */
function denied(rt: ResourceType, obj: KubeObject, message: string, reason: string): ApiError {
  const code = REASON_CODES[reason] ?? 422;
  return new ApiError(code, reason as StatusReason, `${admissionSubject(rt, obj)} is forbidden: ${message}`, {
    name: obj.metadata?.name ?? '',
    group: rt.group,
    kind: rt.plural,
    causes: [{ reason: '', message }],
  });
}

/** The `request` variable: admission.k8s.io AdmissionRequest fields. */
function requestVariable(
  operation: AdmissionOperation,
  rt: ResourceType,
  a: MatchAttributes,
  request: AdmissionRequest,
): Record<string, unknown> {
  const kind = { group: rt.group, version: rt.version, kind: rt.kind };
  const resource = { group: rt.group, version: rt.version, resource: rt.plural };
  const user = request.user;
  return {
    kind,
    resource,
    subResource: request.subresource,
    requestKind: kind,
    requestResource: resource,
    requestSubResource: request.subresource,
    name: a.name,
    namespace: a.namespace,
    operation: operation.toUpperCase(),
    userInfo: user ? { username: user.name, uid: user.uid ?? '', groups: user.groups, extra: user.extra ?? {} } : {},
    dryRun: request.dryRun,
  };
}

/**
 * The params a binding evaluates its policy with: [null] without paramKind; the object named by
 * paramRef, or every object its selector picks; an error text when the binding is misconfigured or
 * no params exist and parameterNotFoundAction is Deny; [] when none exist and the action is Allow.
 */
function paramsFor(
  cache: WatchCache,
  policy: ValidatingAdmissionPolicy,
  ref: ParamRef | undefined,
  requestNamespace: string,
): (KubeObject | null)[] | string {
  const kind = policy.spec?.paramKind;
  if (!kind) return [null];
  if (!ref) return `policy binding must set paramRef because policy '${policy.metadata?.name}' has paramKind set`;
  const [group, version] = kind.apiVersion?.includes('/') ? kind.apiVersion.split('/') : ['', kind.apiVersion ?? ''];
  const rt = allResourceTypes().find((r) => r.group === group && r.version === version && r.kind === kind.kind);
  if (!rt) return `failed to find resource referenced by paramKind: '${kind.apiVersion}, Kind=${kind.kind}'`;
  let namespace = '';
  if (rt.namespaced) {
    namespace = ref.namespace || requestNamespace;
    if (!namespace) return 'cannot use a namespaced paramRef without a namespace on a cluster-scoped request';
  }
  let found: KubeObject[];
  if (ref.name) {
    const key = rt.namespaced ? `${rt.storagePrefix}${namespace}/${ref.name}` : `${rt.storagePrefix}${ref.name}`;
    const one = cache.get(key)?.object();
    found = one ? [one] : [];
  } else {
    const sel = ref.selector ?? {};
    found = cache
      .list(rt.storagePrefix, namespace)
      .filter((o) => selectorMatches(sel, o.labels))
      .map((o) => o.object());
  }
  if (found.length > 0) return found;
  if (ref.parameterNotFoundAction === 'Allow') return [];
  return 'no params found for policy binding with `Deny` parameterNotFoundAction';
}
