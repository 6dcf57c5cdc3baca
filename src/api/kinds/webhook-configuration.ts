/**
 * admissionregistration.k8s.io/v1 MutatingWebhookConfiguration and ValidatingWebhookConfiguration:
 * defaults and validation as kube-apiserver's (pkg/apis/admissionregistration), and the
 * NAME / WEBHOOKS / AGE table. The webhooks themselves run in apiserver/admission/webhooks.
 */
import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import { fieldErrors, type FieldError } from '../errors.js';
import { isDNS1035Label, isDNS1123Subdomain, isQualifiedName } from '../validation/names.js';
import { invalidEach, more } from '../validation/field.js';
import { validateLabelSelector } from '../validation/label-selector.js';
import { ageColumn, col, nameColumn } from './columns.js';
import { ageOf, defineKind, nameOf } from './define-kind.js';
import type { KindStrategy } from '../kind-strategy.js';
import { type CelProgram, compileCel } from '../cel/index.js';

/** A rule as the API has it (kubernetes-types leaves out `resources` and `scope`). */
export interface WebhookRule {
  operations?: string[];
  apiGroups?: string[];
  apiVersions?: string[];
  resources?: string[];
  scope?: string;
}

export interface WebhookServiceReference {
  namespace: string;
  name: string;
  path?: string;
  port?: number;
}

export interface WebhookClientConfig {
  url?: string;
  service?: WebhookServiceReference;
  /** Base64 PEM of the CA that signed the webhook's serving certificate. */
  caBundle?: string;
}

export interface WebhookMatchCondition {
  name: string;
  expression: string;
}

/** One webhook of either configuration; `reinvocationPolicy` only on mutating ones. */
export interface Webhook {
  name: string;
  clientConfig: WebhookClientConfig;
  rules?: WebhookRule[];
  failurePolicy?: string;
  matchPolicy?: string;
  namespaceSelector?: LabelSelector;
  objectSelector?: LabelSelector;
  sideEffects?: string;
  timeoutSeconds?: number;
  admissionReviewVersions?: string[];
  reinvocationPolicy?: string;
  matchConditions?: WebhookMatchCondition[];
}

export interface WebhookConfiguration {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; creationTimestamp?: string; uid?: string };
  webhooks?: Webhook[];
}

export const ADMISSION_REGISTRATION_GROUP = 'admissionregistration.k8s.io';

/** Kubernetes' default timeout of a webhook call, and the most it may be. */
export const DEFAULT_WEBHOOK_TIMEOUT_SECONDS = 10;
const MAX_WEBHOOK_TIMEOUT_SECONDS = 30;

/** The variables a webhook's matchConditions may use (Kubernetes' webhook match condition environment). */
export const WEBHOOK_MATCH_VARIABLES: Readonly<Record<string, string>> = {
  object: 'dyn',
  oldObject: 'dyn',
  request: 'dyn',
  authorizer: 'dyn',
};

const MAX_MATCH_CONDITIONS = 64;

/** A matchCondition's program, or its compile error. Pure (compiled environments are cached). */
export function compileMatchCondition(expression: string): CelProgram | string {
  const c = compileCel(expression ?? '', WEBHOOK_MATCH_VARIABLES, { resultType: 'bool' });
  return c.ok ? c.program : c.error;
}

const FAILURE_POLICIES = ['Fail', 'Ignore'];
const MATCH_POLICIES = ['Equivalent', 'Exact'];
const SIDE_EFFECTS = ['None', 'NoneOnDryRun', 'Some', 'Unknown'];
const NO_SIDE_EFFECTS = ['None', 'NoneOnDryRun'];
const OPERATIONS = ['*', 'CONNECT', 'CREATE', 'DELETE', 'UPDATE'];
const REINVOCATION_POLICIES = ['IfNeeded', 'Never'];
const SCOPES = ['*', 'Cluster', 'Namespaced'];
/** AdmissionReview versions the server (and its predecessor) understand. */
const REVIEW_VERSIONS = ['v1', 'v1beta1'];

/** v1 defaults (SetDefaults_*Webhook, Rule, ServiceReference). */
export function defaultWebhook(w: Webhook, mutating: boolean): void {
  w.failurePolicy ??= 'Fail';
  w.matchPolicy ??= 'Equivalent';
  w.namespaceSelector ??= {};
  w.objectSelector ??= {};
  w.timeoutSeconds ??= DEFAULT_WEBHOOK_TIMEOUT_SECONDS;
  if (mutating) w.reinvocationPolicy ??= 'Never';
  for (const r of w.rules ?? []) r.scope ??= '*';
  if (w.clientConfig?.service) w.clientConfig.service.port ??= 443;
}

/** What an update keeps allowing because the stored object already had it (ValidateXUpdate's options). */
interface Leniency {
  sideEffects: boolean;
  reviewVersions: boolean;
  uniqueNames: boolean;
}

const STRICT: Leniency = { sideEffects: false, reviewVersions: false, uniqueNames: false };

/** Both kinds' checks of their webhooks (validateMutatingWebhookConfiguration and the validating one). */
export function validateWebhooks(
  webhooks: readonly Webhook[] | undefined,
  mutating: boolean,
  lenient: Leniency = STRICT,
): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  (webhooks ?? []).forEach((w, i) => {
    const p = `webhooks[${i}]`;
    errs.push(...validateWebhook(w, mutating, p, lenient));
    errs.push(
      ...validateReviewVersions(w.admissionReviewVersions, !lenient.reviewVersions, `${p}.admissionReviewVersions`),
    );
    if (!lenient.uniqueNames && w.name) {
      if (names.has(w.name)) errs.push(fieldErrors.duplicate(`${p}.name`, w.name));
      names.add(w.name);
    }
  });
  return errs;
}

function validateWebhook(w: Webhook, mutating: boolean, p: string, lenient: Leniency): FieldError[] {
  const errs = fullyQualifiedName(`${p}.name`, w.name);
  for (const [i, r] of (w.rules ?? []).entries()) errs.push(...validateRule(r, `${p}.rules[${i}]`));
  if (w.failurePolicy !== undefined && !FAILURE_POLICIES.includes(w.failurePolicy))
    errs.push(fieldErrors.notSupported(`${p}.failurePolicy`, w.failurePolicy, FAILURE_POLICIES));
  if (w.matchPolicy !== undefined && !MATCH_POLICIES.includes(w.matchPolicy))
    errs.push(fieldErrors.notSupported(`${p}.matchPolicy`, w.matchPolicy, MATCH_POLICIES));
  const allowed = lenient.sideEffects ? SIDE_EFFECTS : NO_SIDE_EFFECTS;
  if (w.sideEffects === undefined || w.sideEffects === null)
    errs.push(fieldErrors.required(`${p}.sideEffects`, `must specify one of ${allowed.join(', ')}`));
  else if (!allowed.includes(w.sideEffects))
    errs.push(fieldErrors.notSupported(`${p}.sideEffects`, w.sideEffects, allowed));
  if (w.timeoutSeconds !== undefined && (w.timeoutSeconds > MAX_WEBHOOK_TIMEOUT_SECONDS || w.timeoutSeconds < 1))
    errs.push(
      fieldErrors.invalid(
        `${p}.timeoutSeconds`,
        w.timeoutSeconds,
        'the timeout value must be between 1 and 30 seconds',
      ),
    );
  errs.push(...validateLabelSelector(w.namespaceSelector, `${p}.namespaceSelector`));
  errs.push(...validateLabelSelector(w.objectSelector, `${p}.objectSelector`));
  if (mutating && w.reinvocationPolicy !== undefined && !REINVOCATION_POLICIES.includes(w.reinvocationPolicy))
    errs.push(fieldErrors.notSupported(`${p}.reinvocationPolicy`, w.reinvocationPolicy, REINVOCATION_POLICIES));
  const cc = w.clientConfig ?? {};
  if ((cc.url === undefined) === (cc.service === undefined))
    errs.push(fieldErrors.required(`${p}.clientConfig`, 'exactly one of url or service is required'));
  else if (cc.url !== undefined) errs.push(...validateWebhookUrl(`${p}.clientConfig.url`, cc.url));
  else if (cc.service) errs.push(...validateWebhookService(`${p}.clientConfig.service`, cc.service));
  if (cc.caBundle !== undefined && !/^[A-Za-z0-9+/]*={0,2}$/.test(cc.caBundle))
    errs.push(fieldErrors.invalid(`${p}.clientConfig.caBundle`, '<value>', 'illegal base64 data'));
  errs.push(...validateMatchConditions(w.matchConditions, `${p}.matchConditions`));
  return errs;
}

/** validateMatchConditions: at most 64, names qualified and unique, expressions that compile to bool. */
function validateMatchConditions(conditions: WebhookMatchCondition[] | undefined, field: string): FieldError[] {
  const list = conditions ?? [];
  const errs: FieldError[] = [];
  if (list.length > MAX_MATCH_CONDITIONS) errs.push(more.tooMany(field, list.length, MAX_MATCH_CONDITIONS));
  const seen = new Set<string>();
  list.forEach((mc, i) => {
    const f = `${field}[${i}]`;
    if (!mc?.name) errs.push(fieldErrors.required(`${f}.name`));
    else {
      for (const m of isQualifiedName(mc.name)) errs.push(fieldErrors.invalid(`${f}.name`, mc.name, m));
      if (seen.has(mc.name)) errs.push(fieldErrors.duplicate(`${f}.name`, mc.name));
      seen.add(mc.name);
    }
    if (!mc?.expression) {
      errs.push(fieldErrors.required(`${f}.expression`));
      return;
    }
    const program = compileMatchCondition(mc.expression);
    if (typeof program === 'string') errs.push(fieldErrors.invalid(`${f}.expression`, mc.expression, program));
  });
  return errs;
}

/** utilvalidation.IsFullyQualifiedName. */
function fullyQualifiedName(field: string, name: string | undefined): FieldError[] {
  if (!name) return [fieldErrors.required(field)];
  const problems = isDNS1123Subdomain(name);
  if (problems.length > 0) return [fieldErrors.invalid(field, name, problems.join(','))];
  if (name.split('.').length < 3)
    return [fieldErrors.invalid(field, name, 'should be a domain with at least three segments separated by dots')];
  return [];
}

function validateReviewVersions(versions: string[] | undefined, requireKnown: boolean, field: string): FieldError[] {
  if (!versions || versions.length === 0)
    return [fieldErrors.required(field, `must specify one of ${REVIEW_VERSIONS.join(', ')}`)];
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  versions.forEach((v, i) => {
    if (seen.has(v)) {
      errs.push(fieldErrors.invalid(`${field}[${i}]`, v, 'duplicate version'));
      return;
    }
    seen.add(v);
    errs.push(...invalidEach(`${field}[${i}]`, v, isDNS1035Label(v)));
  });
  if (requireKnown && !versions.some((v) => REVIEW_VERSIONS.includes(v)))
    errs.push(fieldErrors.invalid(field, versions, `must include at least one of ${REVIEW_VERSIONS.join(', ')}`));
  return errs;
}

function validateRule(r: WebhookRule, p: string): FieldError[] {
  const errs: FieldError[] = [];
  const ops = r.operations ?? [];
  if (ops.length === 0) errs.push(fieldErrors.required(`${p}.operations`));
  if (ops.length > 1 && ops.includes('*'))
    errs.push(fieldErrors.invalid(`${p}.operations`, ops, "if '*' is present, must not specify other operations"));
  ops.forEach((o, i) => {
    if (!OPERATIONS.includes(o)) errs.push(fieldErrors.notSupported(`${p}.operations[${i}]`, o, OPERATIONS));
  });
  const groups = r.apiGroups ?? [];
  if (groups.length === 0) errs.push(fieldErrors.required(`${p}.apiGroups`));
  if (groups.length > 1 && groups.includes('*'))
    errs.push(fieldErrors.invalid(`${p}.apiGroups`, groups, "if '*' is present, must not specify other API groups"));
  const versions = r.apiVersions ?? [];
  if (versions.length === 0) errs.push(fieldErrors.required(`${p}.apiVersions`));
  if (versions.length > 1 && versions.includes('*'))
    errs.push(
      fieldErrors.invalid(`${p}.apiVersions`, versions, "if '*' is present, must not specify other API versions"),
    );
  versions.forEach((v, i) => {
    if (v === '') errs.push(fieldErrors.required(`${p}.apiVersions[${i}]`));
  });
  errs.push(...validateResources(r.resources ?? [], `${p}.resources`));
  if (r.scope !== undefined && !SCOPES.includes(r.scope))
    errs.push(fieldErrors.notSupported(`${p}.scope`, r.scope, SCOPES));
  return errs;
}

/** Resources with subresources: `x`, `x/y`, `x/*`, `*`, `*\/y`, `*\/*` and the combinations Kubernetes refuses. */
function validateResources(resources: string[], field: string): FieldError[] {
  const errs: FieldError[] = [];
  if (resources.length === 0) errs.push(fieldErrors.required(field));
  const wildcardSubOf = new Set<string>();
  const wildcardResourceOf = new Set<string>();
  let doubleWildcard = false;
  let singleWildcard = false;
  let plainResource = false;
  resources.forEach((rs, i) => {
    if (rs === '') {
      errs.push(fieldErrors.required(`${field}[${i}]`));
      return;
    }
    if (rs === '*/*') doubleWildcard = true;
    if (rs === '*') singleWildcard = true;
    const slash = rs.indexOf('/');
    if (slash < 0) {
      plainResource = rs !== '*';
      return;
    }
    const res = rs.slice(0, slash);
    const sub = rs.slice(slash + 1);
    if (wildcardSubOf.has(res))
      errs.push(fieldErrors.invalid(`${field}[${i}]`, rs, `if '${res}/*' is present, must not specify ${rs}`));
    if (wildcardResourceOf.has(sub))
      errs.push(fieldErrors.invalid(`${field}[${i}]`, rs, `if '*/${sub}' is present, must not specify ${rs}`));
    if (sub === '*') wildcardSubOf.add(res);
    if (res === '*') wildcardResourceOf.add(sub);
  });
  if (resources.length > 1 && doubleWildcard)
    errs.push(fieldErrors.invalid(field, resources, "if '*/*' is present, must not specify other resources"));
  if (singleWildcard && plainResource)
    errs.push(
      fieldErrors.invalid(field, resources, "if '*' is present, must not specify other resources without subresources"),
    );
  return errs;
}

const URL_FORM = '; desired format: https://host[/path]';

/** webhook.ValidateWebhookURL with https forced. */
export function validateWebhookUrl(field: string, raw: string): FieldError[] {
  let u: URL;
  try {
    u = new URL(raw);
  } catch (err) {
    return [fieldErrors.required(field, `url must be a valid URL: ${(err as Error).message}${URL_FORM}`)];
  }
  const errs: FieldError[] = [];
  const scheme = u.protocol.replace(/:$/, '');
  if (scheme !== 'https')
    errs.push(fieldErrors.invalid(field, scheme, `'https' is the only allowed URL scheme${URL_FORM}`));
  if (!u.host) errs.push(fieldErrors.invalid(field, u.host, `host must be provided${URL_FORM}`));
  if (u.username || u.password)
    errs.push(fieldErrors.invalid(field, u.username, 'user information is not permitted in the URL'));
  if (u.hash) errs.push(fieldErrors.invalid(field, u.hash.slice(1), 'fragments are not permitted in the URL'));
  if (u.search)
    errs.push(fieldErrors.invalid(field, u.search.slice(1), 'query parameters are not permitted in the URL'));
  return errs;
}

/** webhook.ValidateWebhookService. */
export function validateWebhookService(field: string, s: WebhookServiceReference): FieldError[] {
  const errs: FieldError[] = [];
  if (!s.name) errs.push(fieldErrors.required(`${field}.name`, 'service name is required'));
  if (!s.namespace) errs.push(fieldErrors.required(`${field}.namespace`, 'service namespace is required'));
  const port = s.port ?? 443;
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    errs.push(fieldErrors.invalid(`${field}.port`, port, 'port is not valid: must be between 1 and 65535, inclusive'));
  const path = s.path;
  if (path === undefined || path === '' || path === '/') return errs;
  if (path === '//') return [...errs, fieldErrors.invalid(`${field}.path`, path, 'segment[0] may not be empty')];
  if (!path.startsWith('/')) errs.push(fieldErrors.invalid(`${field}.path`, path, "must start with a '/'"));
  let rest = path.slice(1);
  if (rest.endsWith('/')) rest = rest.slice(0, -1);
  rest.split('/').forEach((step, i) => {
    if (step === '') {
      errs.push(fieldErrors.invalid(`${field}.path`, path, `segment[${i}] may not be empty`));
      return;
    }
    for (const f of isDNS1123Subdomain(step))
      errs.push(fieldErrors.invalid(`${field}.path`, path, `segment[${i}]: ${f}`));
  });
  return errs;
}

/** On update: what the stored configuration already had stays allowed (kube's ValidateXUpdate). */
function leniencyOf(old: WebhookConfiguration): Leniency {
  const hooks = old.webhooks ?? [];
  const names = hooks.map((h) => h.name);
  return {
    sideEffects: !hooks.every((h) => h.sideEffects !== undefined && NO_SIDE_EFFECTS.includes(h.sideEffects)),
    reviewVersions: !hooks.every(
      (h) =>
        (h.admissionReviewVersions ?? []).length === 0 ||
        h.admissionReviewVersions?.some((v) => REVIEW_VERSIONS.includes(v)),
    ),
    uniqueNames: new Set(names).size !== names.length,
  };
}

function webhookConfigurationStrategy(mutating: boolean): KindStrategy {
  return defineKind<WebhookConfiguration>({
    namespaced: false,
    defaults(c) {
      for (const w of c.webhooks ?? []) if (w && typeof w === 'object') defaultWebhook(w, mutating);
    },
    // Update checks replace the create checks with the leniency of the stored object (below).
    validate: () => [],
    validateUpdate: (c, old) => validateWebhooks(c.webhooks, mutating, leniencyOf(old)),
    columns: [nameColumn(), col('Webhooks', 'integer', 'Webhooks'), ageColumn()],
    row: (c, now) => [nameOf(c), (c.webhooks ?? []).length, ageOf(c, now)],
  });
}

/** Adds the create-only checks (defineKind runs `validate` on create and update alike). */
function withCreateChecks(strategy: KindStrategy, mutating: boolean): KindStrategy {
  const validate = strategy.validate;
  return {
    ...strategy,
    validate(obj, old) {
      const errs = validate?.(obj, old) ?? [];
      if (!old) errs.push(...validateWebhooks((obj as WebhookConfiguration).webhooks, mutating));
      return errs;
    },
  };
}

export const mutatingWebhookConfigurationStrategy = withCreateChecks(webhookConfigurationStrategy(true), true);
export const validatingWebhookConfigurationStrategy = withCreateChecks(webhookConfigurationStrategy(false), false);
