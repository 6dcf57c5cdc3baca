import type { KubeObject } from '../../api/object.js';
import type { ResourceType } from '../../api/resource-type.js';
import { ApiError } from '../../api/errors.js';
import { findResourceType } from '../../api/resource-types.js';
import { getStrategy } from '../../api/kinds/index.js';
import { addDefaultTolerations } from '../admission/default-toleration-seconds.js';
import { addProtectionFinalizer } from '../../controllers/volume-protection/volume-protection.js';
import { decodeObject } from '../rest/decode-object.js';
import { createNamespaceOf, checkCreateName, prepareNewObject } from '../rest/create-object.js';
import { toServed, toStorage } from '../rest/version-conversion.js';
import { encodeObject } from '../rest/storage-key.js';
import { storedFields } from './stored-fields.js';
import type { CreateJob, CreateOutcome, SerializedError, WriteWorkerConfig } from './protocol.js';

/**
 * The CPU-heavy, pure part of a create, as createObject and serveResource do it on the main
 * thread: decode and structure checks (with warnings), namespace and name checks, server-owned
 * metadata, defaults, validation, managed fields, the pure admission plugins, storage encoding.
 * Never throws: every failure is an outcome carrying the Status the main thread would have sent.
 * Only for kinds whose admission is pure (not core Services) and whose served version is stored.
 */
export async function prepareCreate(job: CreateJob, config: WriteWorkerConfig): Promise<CreateOutcome> {
  const rt = findResourceType(job.group, job.version, job.resource);
  if (!rt)
    return {
      id: job.id,
      kind: 'early-error',
      error: { code: 404, reason: 'NotFound', message: 'the server could not find the requested resource' },
    };
  const strategy = getStrategy(rt.group, rt.kind);
  let obj: KubeObject;
  let warnings: string[];
  let namespace: string;
  try {
    const body = Buffer.from(job.body.buffer, job.body.byteOffset, job.body.byteLength);
    ({ obj, warnings } = await decodeObject(body, job.contentType, rt, job.opts.fieldValidation));
    namespace = createNamespaceOf(rt, job.namespace, obj);
  } catch (err) {
    return { id: job.id, kind: 'early-error', error: serializeError(err) };
  }
  try {
    checkCreateName(rt, job.name, obj);
    const generatedName = !obj.metadata.name;
    const managed = prepareNewObject(obj, rt, strategy, namespace, new Date(job.nowMs), job.opts);
    admitPure(rt, managed, config);
    const stored = toStorage(managed, rt, strategy);
    const name = stored.metadata.name as string;
    const fields = storedFields(rt.storagePrefix, stored);
    const labels = stored.metadata.labels ?? {};
    if (job.opts.dryRun) {
      const dryRunJson = JSON.stringify(toServed(stored, rt, strategy));
      return {
        id: job.id,
        kind: 'prepared',
        prepared: { namespace, name, generatedName, bytes: new Uint8Array(0), dryRunJson, labels, fields, warnings },
      };
    }
    const encoded = encodeObject(stored);
    // Buffer.from(string) may hand out a slice of a shared pool: give the transfer its own memory.
    const bytes =
      encoded.byteOffset === 0 && encoded.byteLength === encoded.buffer.byteLength ? encoded : new Uint8Array(encoded);
    return {
      id: job.id,
      kind: 'prepared',
      prepared: { namespace, name, generatedName, bytes, labels, fields, warnings },
    };
  } catch (err) {
    return { id: job.id, kind: 'late-error', namespace, error: serializeError(err) };
  }
}

/**
 * The server's built-in mutating admission for creates, minus Service address allocation (which
 * reads the watch cache and so stays on the main thread): see admission/index.ts createAdmission.
 */
function admitPure(rt: ResourceType, obj: KubeObject, config: WriteWorkerConfig): void {
  if (rt.group !== '') return;
  if (rt.kind === 'Service') throw new Error('Service creates are not prepared by write workers');
  if (rt.kind === 'Pod') addDefaultTolerations(obj, config.defaultTolerationSeconds);
  else addProtectionFinalizer(rt.kind, obj);
}

export function serializeError(err: unknown): SerializedError {
  if (err instanceof ApiError)
    return { code: err.code, reason: err.reason, message: err.message, details: err.details };
  return { message: err instanceof Error ? err.message : String(err) };
}
