import type { FieldError } from './errors.js';
import type { KubeObject } from './object.js';

/** A column of a `kubectl get` table (meta.k8s.io/v1 TableColumnDefinition). */
export interface TableColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  /** 'name' for the NAME column, otherwise '' or e.g. 'date'. */
  format: string;
  description: string;
  /** 0: always shown; 1 or more: shown with `-o wide` only. */
  priority: number;
}

/** The requesting user as a strategy sees it (the authenticator's user info). */
export interface RequestUser {
  name: string;
  groups: string[];
  uid?: string;
  extra?: Record<string, string[]>;
}

/**
 * Per-kind behaviour the generic API machinery calls. One implementation per kind in
 * src/api/kinds/<kind>.ts, registered in src/api/kinds/index.ts by `group/Kind` ('' group for core:
 * `/Pod`, `apps/Deployment`). Every method is pure (no I/O) and must not throw for bad input:
 * validation problems are returned as FieldErrors.
 */
export interface KindStrategy {
  /** Applies Kubernetes' defaults in place; idempotent. Called before validation on create,
   *  update, patch and apply, in the object's served version. */
  applyDefaults?(obj: KubeObject): void;
  /** Sets what the server owns from the creating user (CertificateSigningRequest's spec.username,
   *  groups, uid, extra); runs after the generic create preparation, before defaults. Kinds with this
   *  hook are prepared on the request's thread (write workers do not know the user). */
  prepareForCreate?(obj: KubeObject, user: RequestUser | undefined): void;
  /** Resets on update what the written part ('' for the object, or a subresource such as 'status'
   *  or 'approval') may not change; runs after the generic update preparation, before defaults. */
  prepareForUpdate?(obj: KubeObject, old: KubeObject, subresource: string, now: Date): void;
  /** Semantic validation (names, required fields, enums, ranges, immutable fields when `old` is
   *  given on update). Structural validation (types, unknown fields) happens elsewhere, from the
   *  OpenAPI schemas. */
  validate?(obj: KubeObject, old?: KubeObject): FieldError[];
  /** Validation of a status-subresource update. */
  validateStatus?(obj: KubeObject, old: KubeObject): FieldError[];
  /** Columns and row cells for Table responses, as Kubernetes' own printers show them.
   *  `now` is injected so AGE cells are testable. */
  table: {
    columns: TableColumn[];
    row(obj: KubeObject, now: Date): unknown[];
  };
  /** Fields selectable with fieldSelector besides metadata.name and metadata.namespace
   *  (pods: spec.nodeName, status.phase, ...; events: involvedObject.*). Values as strings. */
  selectableFields?(obj: KubeObject): Record<string, string>;
  /** Defaults applied to an object read from storage before it is served (custom resources:
   *  the schema's defaults, as kube-apiserver applies them on every read). Returns `obj` itself
   *  when nothing changes, else a defaulted copy: `obj` may be shared (watch cache) and must not
   *  be mutated. */
  defaultOnRead?(obj: KubeObject): KubeObject;
  /** Converts between two served versions of the same resource (autoscaling/v1 <-> v2,
   *  events.k8s.io/v1 <-> core v1 Event). Returns a new object with apiVersion set. */
  convert?(obj: KubeObject, toApiVersion: string): KubeObject;
}
