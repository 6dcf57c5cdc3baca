import type { ObjectMeta, OwnerReference } from 'kubernetes-types/meta/v1.js';
import { fieldErrors, type FieldError } from '../errors.js';
import { isDNS1123Label, isQualifiedName, nameIsDNSSubdomain, type NameValidator } from './names.js';
import { invalidEach, validateImmutable } from './field.js';
import { validateAnnotations, validateLabels } from './labels.js';

/** How a kind's metadata is validated. */
export interface MetadataRules {
  /** Whether the kind lives in a namespace (metadata.namespace required) or not (forbidden). */
  namespaced: boolean;
  /** Name check; Kubernetes' default is a DNS-1123 subdomain. */
  nameValidator?: NameValidator;
}

/** ValidateObjectMeta: name or generateName, namespace, labels, annotations, finalizers, ownerReferences. */
export function validateObjectMeta(meta: ObjectMeta | undefined, rules: MetadataRules): FieldError[] {
  const m = meta ?? {};
  const nameFn = rules.nameValidator ?? nameIsDNSSubdomain;
  const errs: FieldError[] = [];
  if (m.generateName) errs.push(...invalidEach('metadata.generateName', m.generateName, nameFn(m.generateName, true)));
  if (!m.name) {
    if (!m.generateName) errs.push(fieldErrors.required('metadata.name', 'name or generateName is required'));
  } else {
    errs.push(...invalidEach('metadata.name', m.name, nameFn(m.name, false)));
  }
  if (rules.namespaced) {
    if (!m.namespace) errs.push(fieldErrors.required('metadata.namespace'));
    else errs.push(...invalidEach('metadata.namespace', m.namespace, isDNS1123Label(m.namespace)));
  } else if (m.namespace) {
    errs.push(fieldErrors.forbidden('metadata.namespace', 'not allowed on this type'));
  }
  if (m.generation !== undefined && m.generation < 0)
    errs.push(fieldErrors.invalid('metadata.generation', m.generation, 'must be greater than or equal to 0'));
  errs.push(...validateLabels(m.labels, 'metadata.labels'));
  errs.push(...validateAnnotations(m.annotations, 'metadata.annotations'));
  errs.push(...validateFinalizers(m.finalizers, 'metadata.finalizers'));
  errs.push(...validateOwnerReferences(m.ownerReferences, 'metadata.ownerReferences'));
  return errs;
}

/** Finalizer names are qualified names (`example.com/cleanup`, or the standard `kubernetes`). */
export function validateFinalizers(finalizers: string[] | undefined, field: string): FieldError[] {
  return (finalizers ?? []).flatMap((f) => invalidEach(field, f, isQualifiedName(f)));
}

/** apiVersion, kind, name and uid are required; at most one controller reference. */
export function validateOwnerReferences(refs: OwnerReference[] | undefined, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const controllers: string[] = [];
  for (const ref of refs ?? []) {
    if (!ref.apiVersion)
      errs.push(
        fieldErrors.invalid('metadata.ownerReferences.apiVersion', ref.apiVersion ?? '', 'version must not be empty'),
      );
    if (!ref.kind)
      errs.push(fieldErrors.invalid('metadata.ownerReferences.kind', ref.kind ?? '', 'kind must not be empty'));
    if (!ref.name)
      errs.push(fieldErrors.invalid('metadata.ownerReferences.name', ref.name ?? '', 'name must not be empty'));
    if (!ref.uid)
      errs.push(fieldErrors.invalid('metadata.ownerReferences.uid', ref.uid ?? '', 'uid must not be empty'));
    if (ref.controller) controllers.push(`${ref.kind}/${ref.name}`);
  }
  if (controllers.length > 1) {
    errs.push(
      fieldErrors.invalid(
        field,
        refs,
        `Only one reference can have Controller set to true. Found "true" in references for ${controllers.join(' and ')}`,
      ),
    );
  }
  return errs;
}

/** ValidateObjectMetaUpdate: the new metadata is valid and name, namespace, uid, creationTimestamp did not change. */
export function validateObjectMetaUpdate(
  meta: ObjectMeta | undefined,
  old: ObjectMeta | undefined,
  rules: MetadataRules,
): FieldError[] {
  const m = meta ?? {};
  const o = old ?? {};
  const errs = validateObjectMeta(m, rules);
  errs.push(...validateImmutable('metadata.name', m.name, o.name));
  errs.push(...validateImmutable('metadata.namespace', m.namespace, o.namespace));
  if (m.uid !== undefined) errs.push(...validateImmutable('metadata.uid', m.uid, o.uid));
  if (m.creationTimestamp !== undefined)
    errs.push(...validateImmutable('metadata.creationTimestamp', m.creationTimestamp, o.creationTimestamp));
  if (o.deletionTimestamp && (m.finalizers ?? []).some((f) => !(o.finalizers ?? []).includes(f))) {
    errs.push(
      fieldErrors.forbidden('metadata.finalizers', 'no new finalizers can be added if the object is being deleted'),
    );
  }
  return errs;
}
