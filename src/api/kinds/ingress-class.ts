import type { Ingress, IngressClass } from 'kubernetes-types/networking/v1.js';
import { fieldErrors } from '../errors.js';
import { validateImmutable } from '../validation/field.js';
import { ageColumn, col, nameColumn } from './columns.js';
import { ageOf, defineKind, nameOf } from './define-kind.js';

/** networking.k8s.io/v1 IngressClass: controller required and immutable; parameters scope defaults to Cluster. */
export const ingressClassStrategy = defineKind<IngressClass>({
  namespaced: false,
  defaults(ic) {
    const p = ic.spec?.parameters;
    if (p) p.scope ??= 'Cluster';
  },
  validate: (ic) => (ic.spec?.controller ? [] : [fieldErrors.required('spec.controller')]),
  validateUpdate: (ic, old) => validateImmutable('spec.controller', ic.spec?.controller, old.spec?.controller),
  columns: [
    nameColumn(),
    col('Controller', 'string', 'Controller that is responsible for handling this class'),
    col('Parameters', 'string', 'A reference to a resource with additional parameters'),
    ageColumn(),
  ],
  row(ic, now) {
    const p = ic.spec?.parameters;
    const params = p ? `${p.apiGroup ? `${p.kind}.${p.apiGroup}` : p.kind}/${p.name}` : '<none>';
    return [nameOf(ic), ic.spec?.controller ?? '', params, ageOf(ic, now)];
  },
});

/** The built-in IngressClass every cluster has (created at start, the default class). */
export const FLOTILLA_INGRESS_CLASS = 'flotilla';
/** spec.controller of the built-in class: the node data plane (src/ingress) serves its Ingresses. */
export const FLOTILLA_INGRESS_CONTROLLER = 'flotilla.dev/ingress';
/** Annotation that marks an IngressClass as the default for Ingresses without a class. */
export const DEFAULT_INGRESS_CLASS_ANNOTATION = 'ingressclass.kubernetes.io/is-default-class';
/** The class annotation Ingresses used before spec.ingressClassName (still honoured, as ingress-nginx does). */
export const LEGACY_INGRESS_CLASS_ANNOTATION = 'kubernetes.io/ingress.class';

const isDefaultClass = (c: IngressClass): boolean =>
  c.metadata?.annotations?.[DEFAULT_INGRESS_CLASS_ANNOTATION] === 'true';

/**
 * Whether the controller `controller` serves `ing`, given every IngressClass: its class (spec
 * ingressClassName, else the legacy annotation) names a class of that controller; an Ingress
 * without a class is served when a default class of that controller exists and no default class of
 * another controller does. Pure.
 */
export function ingressServedBy(
  ing: { spec?: { ingressClassName?: string }; metadata?: { annotations?: Record<string, string> } },
  classes: IngressClass[],
  controller: string = FLOTILLA_INGRESS_CONTROLLER,
): boolean {
  const name = ing.spec?.ingressClassName ?? ing.metadata?.annotations?.[LEGACY_INGRESS_CLASS_ANNOTATION];
  if (name) return classes.some((c) => c.metadata?.name === name && c.spec?.controller === controller);
  const defaults = classes.filter(isDefaultClass);
  return defaults.length > 0 && defaults.every((c) => c.spec?.controller === controller);
}

/**
 * `<namespace>/<secretName>` of every spec.tls[].secretName of the Ingresses `controller` serves
 * (ingressServedBy): the TLS Secrets that controller's data plane needs. Pure.
 */
export function servedIngressTlsSecrets(
  ingresses: readonly Ingress[],
  classes: IngressClass[],
  controller: string = FLOTILLA_INGRESS_CONTROLLER,
): Set<string> {
  const out = new Set<string>();
  for (const ing of ingresses) {
    const namespace = ing.metadata?.namespace ?? '';
    const tls = ing.spec?.tls ?? [];
    if (tls.length === 0 || !ingressServedBy(ing, classes, controller)) continue;
    for (const t of tls) if (t.secretName) out.add(`${namespace}/${t.secretName}`);
  }
  return out;
}
