import type { CustomResourceDefinition, CustomResourceDefinitionNames } from 'kubernetes-types/apiextensions/v1.js';
import { type FieldError, fieldErrors } from '../errors.js';
import type { CrdSchema } from '../schema/custom/index.js';
import { checkCrdSchema, schemaRuleEngine } from '../schema/custom/index.js';
import { isDNS1035Label, isDNS1123Subdomain } from '../validation/names.js';
import { col, nameColumn } from './columns.js';
import { validateWebhookService, validateWebhookUrl } from './webhook-configuration.js';
import { createdAtOf, defineKind, nameOf } from './define-kind.js';

export type { CustomResourceDefinition };

/** The finalizer that makes a CRD's deletion wait until its custom objects are gone. */
export const CRD_CLEANUP_FINALIZER = 'customresourcecleanup.apiextensions.k8s.io';

const SCOPES = ['Cluster', 'Namespaced'];

/** Kubernetes' SetDefaults_CustomResourceDefinition: singular, listKind and the conversion strategy. */
function defaults(crd: CustomResourceDefinition): void {
  const spec = crd.spec as Mutable<CustomResourceDefinition['spec']> | undefined;
  if (!spec) return;
  const names = spec.names as Mutable<CustomResourceDefinitionNames> | undefined;
  if (names?.kind) {
    names.singular ||= names.kind.toLowerCase();
    names.listKind ||= `${names.kind}List`;
  }
  spec.conversion ??= { strategy: 'None' };
  const service = spec.conversion.webhook?.clientConfig?.service as Mutable<{ port?: number }> | undefined;
  if (service) service.port ??= 443;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** kube-apiserver's ValidateCustomResourceDefinition for what this server serves (schemas: their own checks). */
function validate(crd: CustomResourceDefinition): FieldError[] {
  const errs: FieldError[] = [];
  const spec = crd.spec;
  if (!spec) return [fieldErrors.required('spec')];
  const group = spec.group ?? '';
  if (!group) errs.push(fieldErrors.required('spec.group'));
  else {
    for (const m of isDNS1123Subdomain(group)) errs.push(fieldErrors.invalid('spec.group', group, m));
    if (group.split('.').length < 2)
      errs.push(fieldErrors.invalid('spec.group', group, 'should be a domain with at least one dot'));
  }
  const plural = spec.names?.plural ?? '';
  if (crd.metadata?.name !== `${plural}.${group}`)
    errs.push(
      fieldErrors.invalid('metadata.name', crd.metadata?.name ?? '', 'must be spec.names.plural+"."+spec.group'),
    );
  if (!spec.scope) errs.push(fieldErrors.required('spec.scope'));
  else if (!SCOPES.includes(spec.scope)) errs.push(fieldErrors.notSupported('spec.scope', spec.scope, SCOPES));
  if (spec.preserveUnknownFields)
    errs.push(
      fieldErrors.invalid(
        'spec.preserveUnknownFields',
        true,
        'cannot set to true, set x-kubernetes-preserve-unknown-fields to true in spec.versions[*].schema instead',
      ),
    );
  errs.push(...validateVersions(spec.versions ?? []));
  errs.push(...validateNames(spec.names, 'spec.names'));
  errs.push(...validateConversion(spec));
  return errs;
}

const CONVERSION_STRATEGIES = ['None', 'Webhook'];
const CONVERSION_REVIEW_VERSIONS = ['v1', 'v1beta1'];

/**
 * validateCustomResourceConversion: the strategy, and for Webhook exactly one of url or service,
 * the URL or Service reference, and conversionReviewVersions. Field paths are the internal
 * type's (`spec.conversion.webhookClientConfig`), as kube-apiserver reports them.
 */
function validateConversion(spec: CustomResourceDefinition['spec']): FieldError[] {
  const conversion = spec.conversion;
  if (!conversion) return [];
  const f = 'spec.conversion';
  const errs: FieldError[] = [];
  const strategy = conversion.strategy ?? '';
  if (!strategy) errs.push(fieldErrors.required(`${f}.strategy`));
  else if (!CONVERSION_STRATEGIES.includes(strategy))
    errs.push(fieldErrors.notSupported(`${f}.strategy`, strategy, CONVERSION_STRATEGIES));
  const cc = conversion.webhook?.clientConfig;
  const reviewVersions = conversion.webhook?.conversionReviewVersions ?? [];
  if (strategy !== 'Webhook') {
    if (cc)
      errs.push(
        fieldErrors.forbidden(`${f}.webhookClientConfig`, 'should not be set when strategy is not set to Webhook'),
      );
    if (reviewVersions.length > 0)
      errs.push(
        fieldErrors.forbidden(`${f}.conversionReviewVersions`, 'should not be set when strategy is not set to Webhook'),
      );
    return errs;
  }
  if (!cc) errs.push(fieldErrors.required(`${f}.webhookClientConfig`, 'required when strategy is set to Webhook'));
  else if ((cc.url === undefined) === (cc.service === undefined))
    errs.push(fieldErrors.required(`${f}.webhookClientConfig`, 'exactly one of url or service is required'));
  else if (cc.url !== undefined) errs.push(...validateWebhookUrl(`${f}.webhookClientConfig.url`, cc.url));
  else if (cc.service) errs.push(...validateWebhookService(`${f}.webhookClientConfig.service`, cc.service));
  errs.push(...validateConversionReviewVersions(reviewVersions, `${f}.conversionReviewVersions`));
  return errs;
}

function validateConversionReviewVersions(versions: string[], field: string): FieldError[] {
  if (versions.length === 0) return [fieldErrors.required(field)];
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  versions.forEach((v, i) => {
    if (seen.has(v)) {
      errs.push(fieldErrors.invalid(`${field}[${i}]`, v, 'duplicate version'));
      return;
    }
    seen.add(v);
    for (const m of isDNS1035Label(v)) errs.push(fieldErrors.invalid(`${field}[${i}]`, v, m));
  });
  if (!versions.some((v) => CONVERSION_REVIEW_VERSIONS.includes(v)))
    errs.push(
      fieldErrors.invalid(field, versions, `must include at least one of ${CONVERSION_REVIEW_VERSIONS.join(', ')}`),
    );
  return errs;
}

function validateVersions(versions: CustomResourceDefinition['spec']['versions']): FieldError[] {
  const errs: FieldError[] = [];
  if (versions.length === 0) return [fieldErrors.required('spec.versions')];
  const seen = new Set<string>();
  versions.forEach((v, i) => {
    const f = `spec.versions[${i}]`;
    if (!v.name) errs.push(fieldErrors.required(`${f}.name`));
    else {
      for (const m of isDNS1035Label(v.name)) errs.push(fieldErrors.invalid(`${f}.name`, v.name, m));
      if (seen.has(v.name)) errs.push(fieldErrors.duplicate(`${f}.name`, v.name));
      seen.add(v.name);
    }
    if (!v.schema?.openAPIV3Schema)
      errs.push(fieldErrors.required(`${f}.schema.openAPIV3Schema`, 'schemas are required'));
    else
      errs.push(
        ...checkCrdSchema(v.schema.openAPIV3Schema as CrdSchema, `${f}.schema.openAPIV3Schema`, schemaRuleEngine()),
      );
    const scale = v.subresources?.scale;
    if (scale) {
      if (!scale.specReplicasPath) errs.push(fieldErrors.required(`${f}.subresources.scale.specReplicasPath`));
      else if (!scale.specReplicasPath.startsWith('.spec.'))
        errs.push(
          fieldErrors.invalid(
            `${f}.subresources.scale.specReplicasPath`,
            scale.specReplicasPath,
            'should be a json path under .spec',
          ),
        );
      if (!scale.statusReplicasPath) errs.push(fieldErrors.required(`${f}.subresources.scale.statusReplicasPath`));
      else if (!scale.statusReplicasPath.startsWith('.status.'))
        errs.push(
          fieldErrors.invalid(
            `${f}.subresources.scale.statusReplicasPath`,
            scale.statusReplicasPath,
            'should be a json path under .status',
          ),
        );
    }
  });
  if (versions.filter((v) => v.storage).length !== 1)
    errs.push(
      fieldErrors.invalid(
        'spec.versions',
        versions.map((v) => v.name),
        'must have exactly one version marked as storage version',
      ),
    );
  if (!versions.some((v) => v.served))
    errs.push(
      fieldErrors.invalid(
        'spec.versions',
        versions.map((v) => v.name),
        'must have at least one served version',
      ),
    );
  return errs;
}

/** ValidateCustomResourceDefinitionNames. */
function validateNames(names: CustomResourceDefinitionNames | undefined, f: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!names) return [fieldErrors.required(f)];
  const label = (field: string, value: string | undefined, required: boolean) => {
    if (!value) {
      if (required) errs.push(fieldErrors.required(field));
      return;
    }
    for (const m of isDNS1035Label(value)) errs.push(fieldErrors.invalid(field, value, m));
  };
  label(`${f}.plural`, names.plural, true);
  label(`${f}.singular`, names.singular, true);
  if (!names.kind) errs.push(fieldErrors.required(`${f}.kind`));
  else {
    for (const m of isDNS1035Label(names.kind.toLowerCase()))
      errs.push(fieldErrors.invalid(`${f}.kind`, names.kind, `may have mixed case, but should otherwise match: ${m}`));
    if (names.kind === 'List') errs.push(fieldErrors.invalid(`${f}.kind`, names.kind, 'kind cannot be List'));
  }
  if (!names.listKind) errs.push(fieldErrors.required(`${f}.listKind`));
  else if (names.listKind === names.kind)
    errs.push(fieldErrors.invalid(`${f}.listKind`, names.listKind, 'kind and listKind cannot be the same'));
  for (const [i, s] of (names.shortNames ?? []).entries()) label(`${f}.shortNames[${i}]`, s, true);
  for (const [i, c] of (names.categories ?? []).entries()) label(`${f}.categories[${i}]`, c, true);
  return errs;
}

function validateUpdate(crd: CustomResourceDefinition, old: CustomResourceDefinition): FieldError[] {
  if (old.spec?.scope && crd.spec?.scope !== old.spec.scope)
    return [fieldErrors.invalid('spec.scope', crd.spec?.scope, 'field is immutable')];
  return [];
}

/** apiextensions.k8s.io/v1 CustomResourceDefinition: `kubectl get crd` prints NAME and CREATED AT. */
export const customResourceDefinitionStrategy = defineKind<CustomResourceDefinition>({
  namespaced: false,
  defaults,
  validate,
  validateUpdate,
  columns: [
    nameColumn(),
    col(
      'Created At',
      'date',
      'CreationTimestamp is a timestamp representing the server time when this object was created.',
    ),
  ],
  row: (crd) => [nameOf(crd), createdAtOf(crd)],
});
