/**
 * The first half of a create: everything that needs no I/O (decode, namespace and name checks,
 * server-owned metadata, defaults, validation, managed fields, the admission chain, storage
 * encoding). The same functions run on the main thread and in write workers; the second half
 * (namespace check, store write, retry, reply) is commitCreate in create-object.ts.
 *
 *   body --decode--> object --namespace--> | early errors end here
 *        --name, metadata, defaults, validate, managed fields, admit, encode--> PreparedCreate
 */
import type { KubeObject } from '../../api/object.js';
import type { ResourceType } from '../../api/resource-type.js';
import type { KindStrategy, RequestUser } from '../../api/kind-strategy.js';
import { errors, fieldErrors } from '../../api/errors.js';
import { updateManagedFields } from '../../api/patch/index.js';
import { typeInfoFor } from '../../api/schema/index.js';
import type { ObjectSummary } from '../watch-cache.js';
import type { AdmissionAssumption, AdmissionChain, AdmissionRequest } from '../admission/plugin.js';
import type { WriteOptions } from './write-options.js';
import { decodeObject } from './decode-object.js';
import { prepareForCreate, timestamp } from './object-lifecycle.js';
import { servedApiVersion, toStorage } from './version-conversion.js';
import { encodeObject } from './storage-key.js';

/** What a create is prepared from, besides the object: the URL's resource, namespace and name, and the request's options. */
export interface CreateInput {
  rt: ResourceType;
  strategy: KindStrategy;
  /** The URL's namespace and name ('' when absent). */
  namespace: string;
  name: string;
  opts: WriteOptions;
  now: Date;
  admission: AdmissionChain;
  /** The caller and the request's admission notes (in a write worker a copy: pure plugins add no notes). */
  request?: AdmissionRequest;
  /** The move to the storage version when it is asynchronous (a CRD's conversion webhook); else toStorage. */
  toStorage?: (obj: KubeObject) => Promise<KubeObject>;
}

/** A create ready for the store: prepare's result, commit's input. */
export interface PreparedCreate {
  namespace: string;
  name: string;
  /** True when the name came from generateName (a collision is retried with a new one). */
  generatedName: boolean;
  /** encodeObject's bytes of the stored form (metadata first, no resourceVersion); a Buffer on the committing thread. */
  bytes: Uint8Array;
  /** The stored form as an object. Only on the thread that prepared it: write workers send `summary` instead. */
  object?: KubeObject;
  /** What the watch cache keeps beside the bytes when `object` is absent. */
  summary?: ObjectSummary;
  warnings: string[];
  /** What admission assumed of the server's state (write workers only; the main thread checks it before committing). */
  assumed?: AdmissionAssumption[];
}

/**
 * A prepare's result. Errors are thrown values kept as data, split where the main thread checks
 * that the namespace is open: an early error (decoding, the URL's namespace against the body's)
 * wins over a closed namespace, a late one (name, validation, admission) does not.
 */
export type CreateOutcome =
  | { kind: 'early-error'; error: unknown }
  | { kind: 'late-error'; namespace: string; error: unknown }
  | { kind: 'prepared'; prepared: PreparedCreate };

/** Prepares a create from a request body (JSON, YAML or protobuf). Never throws (errors are outcomes). */
export async function prepareCreateFromBody(
  input: CreateInput,
  body: Uint8Array,
  contentType: string | undefined,
): Promise<CreateOutcome> {
  let decoded: { obj: KubeObject; warnings: string[] };
  try {
    const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    decoded = await decodeObject(bytes, contentType, input.rt, input.opts.fieldValidation);
  } catch (error) {
    return { kind: 'early-error', error };
  }
  return prepareCreateFromObject(input, decoded.obj, decoded.warnings);
}

/**
 * Prepares a create from an object already decoded and structurally checked (in the served
 * version); mutates it. `managedFieldsDone`: the caller wrote managedFields itself (server-side
 * apply). Never throws (errors are outcomes).
 */
export async function prepareCreateFromObject(
  input: CreateInput,
  obj: KubeObject,
  warnings: string[],
  managedFieldsDone = false,
): Promise<CreateOutcome> {
  const { rt, strategy, opts } = input;
  let namespace: string;
  try {
    namespace = createNamespaceOf(rt, input.namespace, obj);
  } catch (error) {
    return { kind: 'early-error', error };
  }
  try {
    checkCreateName(rt, input.name, obj);
    const generatedName = !obj.metadata.name;
    const managed = prepareNewObject(
      obj,
      rt,
      strategy,
      namespace,
      input.now,
      opts,
      managedFieldsDone,
      input.request?.user,
    );
    const assumed = await input.admission.admit('create', rt, managed, undefined, input.request);
    const stored = input.toStorage ? await input.toStorage(managed) : toStorage(managed, rt, strategy);
    const name = stored.metadata.name as string;
    const prepared: PreparedCreate = {
      namespace,
      name,
      generatedName,
      bytes: encodeObject(stored),
      object: stored,
      warnings,
    };
    if (assumed) prepared.assumed = assumed;
    return { kind: 'prepared', prepared };
  } catch (error) {
    return { kind: 'late-error', namespace, error };
  }
}

/**
 * The namespace a create goes to: the URL's, else the object's (namespaced kinds only; '' for
 * cluster-scoped ones). Throws 400 when they differ or neither names one. Pure.
 */
export function createNamespaceOf(rt: ResourceType, urlNamespace: string, obj: KubeObject): string {
  if (!rt.namespaced) return urlNamespace;
  const m = obj.metadata;
  if (m.namespace && urlNamespace && m.namespace !== urlNamespace) {
    throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
  const namespace = urlNamespace || (m.namespace ?? '');
  if (!namespace) throw errors.badRequest('the server could not find the requested resource: a namespace is required');
  return namespace;
}

/** Checks the name of an object to create (after the namespace checks): 422 without name or generateName, 400 when it differs from the URL's. Pure. */
export function checkCreateName(rt: ResourceType, urlName: string, obj: KubeObject): void {
  const m = obj.metadata;
  if (!m.name && !m.generateName) {
    throw errors.invalid(
      rt.kind,
      '',
      [fieldErrors.required('metadata.name', 'name or generateName is required')],
      rt.group,
    );
  }
  if (urlName && m.name && urlName !== m.name)
    throw errors.badRequest(`the name of the object (${m.name}) does not match the name on the URL (${urlName})`);
}

/**
 * One create attempt up to admission: server-owned metadata (a name from generateName), defaults,
 * validation (422), managed fields. Mutates and returns `candidate`'s managed form. Pure apart from
 * the random uid and name.
 */
export function prepareNewObject(
  candidate: KubeObject,
  rt: ResourceType,
  strategy: KindStrategy,
  namespace: string,
  now: Date,
  opts: WriteOptions,
  managedFieldsDone = false,
  user?: RequestUser,
): KubeObject {
  prepareForCreate(candidate, rt, namespace, now);
  strategy.prepareForCreate?.(candidate, user);
  strategy.applyDefaults?.(candidate);
  const problems = strategy.validate?.(candidate) ?? [];
  if (problems.length > 0) throw errors.invalid(rt.kind, candidate.metadata.name ?? '', problems, rt.group);
  if (managedFieldsDone) return candidate;
  const type = typeInfoFor({ group: rt.group, version: rt.version, kind: rt.kind });
  return updateManagedFields(undefined, candidate, {
    manager: opts.fieldManager,
    operation: 'Update',
    apiVersion: servedApiVersion(rt),
    now: timestamp(now),
    type,
  });
}
