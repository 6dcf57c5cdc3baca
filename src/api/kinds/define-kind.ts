import type { FieldError } from '../errors.js';
import type { KindStrategy, RequestUser, TableColumn } from '../kind-strategy.js';
import type { KubeObject } from '../object.js';
import type { NameValidator } from '../validation/names.js';
import { validateObjectMeta, validateObjectMetaUpdate } from '../validation/metadata.js';
import { translateTimestampSince } from './duration.js';

/** What a kind file declares; `T` is the kubernetes-types interface of the kind. */
export interface KindDefinition<T> {
  namespaced: boolean;
  /** Name rule (default DNS-1123 subdomain). */
  nameValidator?: NameValidator;
  defaults?(obj: T): void;
  /** Server-owned fields from the creating user (see KindStrategy.prepareForCreate). */
  prepareForCreate?(obj: T, user: RequestUser | undefined): void;
  /** What an update of the object or of a subresource may not change (see KindStrategy.prepareForUpdate). */
  prepareForUpdate?(obj: T, old: T, subresource: string, now: Date): void;
  /** Spec checks, run on create and update (metadata checks are added by defineKind). */
  validate?(obj: T): FieldError[];
  /** Extra checks on update only (immutable fields...). */
  validateUpdate?(obj: T, old: T): FieldError[];
  validateStatus?(obj: T, old: T): FieldError[];
  columns: TableColumn[];
  /** The full row, one cell per column (Kubernetes' printers always render the wide columns). */
  row(obj: T, now: Date): unknown[];
  selectableFields?(obj: T): Record<string, string>;
  convert?(obj: KubeObject, toApiVersion: string): KubeObject;
}

/**
 * Builds a KindStrategy from a typed definition: metadata validation (create and update rules)
 * is added in front of the kind's own checks. The casts from KubeObject live only here.
 */
export function defineKind<T>(def: KindDefinition<T>): KindStrategy {
  const typed = (o: KubeObject): T => o as unknown as T;
  const rules = { namespaced: def.namespaced, nameValidator: def.nameValidator };
  const strategy: KindStrategy = {
    applyDefaults: def.defaults ? (obj) => def.defaults?.(typed(obj)) : undefined,
    validate(obj, old) {
      const errs = old
        ? validateObjectMetaUpdate(obj.metadata, old.metadata, rules)
        : validateObjectMeta(obj.metadata, rules);
      if (def.validate) errs.push(...def.validate(typed(obj)));
      if (old && def.validateUpdate) errs.push(...def.validateUpdate(typed(obj), typed(old)));
      return errs;
    },
    validateStatus(obj, old) {
      const errs = validateObjectMetaUpdate(obj.metadata, old.metadata, rules);
      if (def.validateStatus) errs.push(...def.validateStatus(typed(obj), typed(old)));
      return errs;
    },
    table: { columns: def.columns, row: (obj, now) => def.row(typed(obj), now) },
  };
  if (def.prepareForCreate) strategy.prepareForCreate = (obj, user) => def.prepareForCreate?.(typed(obj), user);
  if (def.prepareForUpdate)
    strategy.prepareForUpdate = (obj, old, sub, now) => def.prepareForUpdate?.(typed(obj), typed(old), sub, now);
  if (def.selectableFields) strategy.selectableFields = (obj) => def.selectableFields?.(typed(obj)) ?? {};
  if (def.convert) strategy.convert = def.convert;
  if (!def.defaults) delete strategy.applyDefaults;
  return strategy;
}

/** The NAME cell. */
export const nameOf = (obj: { metadata?: { name?: string } }): string => obj.metadata?.name ?? '';

/** The AGE cell. */
export const ageOf = (obj: { metadata?: { creationTimestamp?: string } }, now: Date): string =>
  translateTimestampSince(obj.metadata?.creationTimestamp, now);

/** Sets `obj.status` (typed read-only in kubernetes-types) and returns it, creating it when absent. */
export function mutableStatus<S extends object>(obj: unknown, init: S): S {
  const rec = obj as { status?: S };
  rec.status ??= init;
  return rec.status;
}

/** The CREATED AT cell (roles, limit ranges): the creation time in RFC 3339, UTC. */
export const createdAtOf = (obj: { metadata?: { creationTimestamp?: string } }): string => {
  const t = obj.metadata?.creationTimestamp ? Date.parse(obj.metadata.creationTimestamp) : NaN;
  return Number.isNaN(t) ? '' : new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');
};
