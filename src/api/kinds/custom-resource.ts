import type {
  CustomResourceColumnDefinition,
  CustomResourceDefinition,
  CustomResourceDefinitionVersion,
} from 'kubernetes-types/apiextensions/v1.js';
import type { ObjectMeta } from 'kubernetes-types/meta/v1.js';
import type { FieldError } from '../errors.js';
import type { KindStrategy, TableColumn } from '../kind-strategy.js';
import type { KubeObject } from '../object.js';
import type { CrdSchema, SchemaValidator } from '../schema/custom/index.js';
import {
  applyDefaults,
  compileValidator,
  defaultedCopy,
  hasDefaults,
  ruleEngineGeneration,
  schemaRuleEngine,
} from '../schema/custom/index.js';
import type { CustomResourceEntry } from '../resource-types.js';
import type { ResourceType } from '../resource-type.js';
import { NAME_DESCRIPTION, nameColumn } from './columns.js';
import { ageOf, defineKind, nameOf } from './define-kind.js';
import { translateTimestampSince } from './duration.js';
import { evaluateJsonPath } from './json-path.js';

/** Kubernetes' default printer column of a CRD without additionalPrinterColumns. */
const DEFAULT_COLUMNS: CustomResourceColumnDefinition[] = [
  { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
];

/**
 * The schema side of a version's strategy: defaults (on writes and on reads from storage) and
 * validation against the schema. The validator compiles on first use and again when another
 * x-kubernetes-validations engine registers (rules.ts).
 */
function schemaHooks(schema: CrdSchema | undefined): {
  defaults?: (obj: KubeObject) => void;
  check: (obj: KubeObject, old?: KubeObject) => FieldError[];
  defaultOnRead?: (obj: KubeObject) => KubeObject;
} {
  if (!schema) return { check: () => [] };
  let compiled: { validator: SchemaValidator; generation: number } | undefined;
  const validator = () => {
    if (!compiled || compiled.generation !== ruleEngineGeneration())
      compiled = { validator: compileValidator(schema, schemaRuleEngine()), generation: ruleEngineGeneration() };
    return compiled.validator;
  };
  return {
    defaults: (obj) => applyDefaults(obj, schema),
    check: (obj, old) => validator().validate(obj, old),
    // Stored objects were pruned and defaulted when written: only a default the schema gained
    // since can be missing, so a schema without defaults needs no walk on reads.
    ...(hasDefaults(schema) ? { defaultOnRead: (obj: KubeObject) => defaultedCopy(obj, schema) } : {}),
  };
}

/**
 * The strategy of one version of a custom resource: metadata validation, the version's schema
 * (defaults, validation; pruning happens at decode), a NAME column then the version's
 * additionalPrinterColumns (Kubernetes' default: AGE). Date cells are shown as ages, as
 * kube-apiserver's custom resource table convertor does. Pure.
 */
export function customResourceStrategy(namespaced: boolean, version: CustomResourceDefinitionVersion): KindStrategy {
  const hooks = schemaHooks(version.schema?.openAPIV3Schema as CrdSchema | undefined);
  const printer = version.additionalPrinterColumns?.length ? version.additionalPrinterColumns : DEFAULT_COLUMNS;
  const columns: TableColumn[] = [
    { ...nameColumn(), description: NAME_DESCRIPTION },
    ...printer.map(
      (c): TableColumn => ({
        name: c.name,
        type: (['integer', 'number', 'boolean', 'date'].includes(c.type) ? c.type : 'string') as TableColumn['type'],
        format: c.format ?? '',
        description: c.description ?? '',
        priority: c.priority ?? 0,
      }),
    ),
  ];
  const strategy = defineKind<{ metadata?: ObjectMeta }>({
    namespaced,
    ...(hooks.defaults ? { defaults: hooks.defaults as (obj: { metadata?: ObjectMeta }) => void } : {}),
    columns,
    row: (obj, now) => [nameOf(obj), ...printer.map((c) => cell(c, evaluateJsonPath(obj, c.jsonPath), obj, now))],
    // Conversion strategy None: versions differ only in apiVersion. With strategy Webhook the
    // REST paths convert through the webhook (version-conversion.ts) and never reach this.
    convert: (obj, toApiVersion) => ({ ...obj, apiVersion: toApiVersion }),
    ...(version.selectableFields?.length ? { selectableFields: selectable(version.selectableFields) } : {}),
  });
  const meta = { validate: strategy.validate, validateStatus: strategy.validateStatus };
  // The whole object is checked against the schema, also on status writes (as kube-apiserver).
  strategy.validate = (obj, old) => [...(meta.validate?.(obj, old) ?? []), ...hooks.check(obj, old)];
  strategy.validateStatus = (obj, old) => [...(meta.validateStatus?.(obj, old) ?? []), ...hooks.check(obj, old)];
  if (hooks.defaultOnRead) strategy.defaultOnRead = hooks.defaultOnRead;
  return strategy;
}

/** spec.versions[].selectableFields: `.spec.color` is selected as `spec.color` (absent: ""). */
function selectable(fields: { jsonPath: string }[]): (obj: object) => Record<string, string> {
  const paths = fields.map((f) => ({ path: f.jsonPath, name: f.jsonPath.replace(/^\./, '') }));
  return (obj) => {
    const out: Record<string, string> = {};
    for (const p of paths) {
      const v = evaluateJsonPath(obj, p.path)[0];
      out[p.name] = v === undefined || v === null || typeof v === 'object' ? '' : String(v);
    }
    return out;
  };
}

function cell(
  c: CustomResourceColumnDefinition,
  values: unknown[],
  obj: { metadata?: ObjectMeta },
  now: Date,
): unknown {
  if (values.length === 0) return null;
  if (c.type === 'date') {
    if (c.jsonPath === '.metadata.creationTimestamp') return ageOf(obj, now);
    return typeof values[0] === 'string' ? translateTimestampSince(values[0], now) : null;
  }
  if (values.length === 1 && (typeof values[0] !== 'object' || values[0] === null)) return values[0];
  return values.map((v) => (typeof v === 'object' ? JSON.stringify(v) : String(v))).join(',');
}

const KUBE_VERSION = /^v(\d+)(?:(alpha|beta)(\d+))?$/;

/**
 * Kubernetes' version priority (CompareKubeAwareVersionStrings), as discovery orders a CRD's
 * versions: GA before beta before alpha, higher numbers first (v2, v1, v1beta2, v1beta1,
 * v1alpha1), then other names alphabetically. Negative when `a` comes first.
 */
export function compareKubeVersions(a: string, b: string): number {
  const ma = KUBE_VERSION.exec(a);
  const mb = KUBE_VERSION.exec(b);
  if (!ma || !mb) return ma ? -1 : mb ? 1 : a.localeCompare(b);
  const rank = (m: RegExpExecArray) => (m[2] === undefined ? 2 : m[2] === 'beta' ? 1 : 0);
  if (rank(ma) !== rank(mb)) return rank(mb) - rank(ma);
  if (ma[1] !== mb[1]) return Number(mb[1]) - Number(ma[1]);
  return Number(mb[3] ?? 0) - Number(ma[3] ?? 0);
}

/**
 * The resources a CRD serves: one descriptor and strategy per served version, in version
 * priority (the first is the group's preferred version, as kube-apiserver's discovery has it),
 * the storage version's apiVersion as storage (conversion None: only apiVersion changes). Pure.
 */
export function customResourceEntries(crd: CustomResourceDefinition): CustomResourceEntry[] {
  const spec = crd.spec;
  const names = crd.status?.acceptedNames?.plural ? crd.status.acceptedNames : spec.names;
  const namespaced = spec.scope === 'Namespaced';
  const storage = spec.versions.find((v) => v.storage)?.name ?? spec.versions[0]?.name;
  return spec.versions
    .filter((v) => v.served)
    .sort((a, b) => compareKubeVersions(a.name, b.name))
    .map((v) => {
      const subresources: string[] = [];
      if (v.subresources?.status) subresources.push('status');
      const scale = v.subresources?.scale;
      if (scale) subresources.push('scale');
      const rt: ResourceType = {
        group: spec.group,
        version: v.name,
        kind: names.kind,
        listKind: names.listKind ?? `${names.kind}List`,
        plural: names.plural,
        singular: names.singular ?? names.kind.toLowerCase(),
        namespaced,
        shortNames: [...(names.shortNames ?? [])],
        categories: [...(names.categories ?? [])],
        subresources,
        storagePrefix: `/registry/${spec.group}/${names.plural}/`,
        storageApiVersion: `${spec.group}/${storage}`,
        custom: {
          crdName: crd.metadata?.name ?? '',
          scale: scale
            ? {
                specReplicasPath: scale.specReplicasPath,
                statusReplicasPath: scale.statusReplicasPath,
                labelSelectorPath: scale.labelSelectorPath,
              }
            : undefined,
          ...(v.schema?.openAPIV3Schema ? { schema: v.schema.openAPIV3Schema as CrdSchema } : {}),
          ...(crd.metadata?.deletionTimestamp ? { terminating: true } : {}),
          ...(spec.conversion?.strategy === 'Webhook' && spec.conversion.webhook?.clientConfig
            ? {
                conversionWebhook: {
                  clientConfig: spec.conversion.webhook.clientConfig,
                  conversionReviewVersions: [...(spec.conversion.webhook.conversionReviewVersions ?? [])],
                },
              }
            : {}),
        },
      };
      return { rt, strategy: customResourceStrategy(namespaced, v) };
    });
}
