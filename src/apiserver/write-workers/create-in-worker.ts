import type { ServerResponse } from 'node:http';
import { ApiError, errors, type StatusReason } from '../../api/errors.js';
import type { ResourceCall, RestContext } from '../rest/rest-context.js';
import type { WriteOptions } from '../rest/write-options.js';
import { mediaType } from '../body.js';
import { checkNamespaceOpen } from '../rest/namespace-check.js';
import { servedApiVersion } from '../rest/version-conversion.js';
import { storageKey } from '../rest/storage-key.js';
import { warningHeader } from '../rest/serve-resource.js';
import type { WriteWorkerPool } from './write-worker-pool.js';
import type { PreparedCreate, SerializedError } from './protocol.js';

/** Tries per create with a generated name, as createObject does (the first and 8 retries). */
const GENERATED_NAME_ATTEMPTS = 9;

/**
 * Whether a create can be prepared by a write worker with the same outcome as on the main thread:
 * a JSON body of a kind whose admission is pure (core Services allocate addresses from the watch
 * cache) and whose served version is the stored one, answered as JSON (not a Table).
 */
export function canCreateInWorker(
  pool: WriteWorkerPool | undefined,
  call: ResourceCall,
  contentType: string | undefined,
  format: 'json' | 'table',
): pool is WriteWorkerPool {
  if (!pool || format !== 'json') return false;
  const type = mediaType(contentType);
  if (type !== 'application/json' && type !== '') return false;
  const { rt } = call;
  if (rt.group === '' && rt.kind === 'Service') return false;
  // Last: ready() starts the workers when none runs (this create then stays on the main thread).
  return servedApiVersion(rt) === rt.storageApiVersion && pool.ready();
}

/**
 * POST of a JSON object, prepared by a write worker (decode ... encode, see prepare-create.ts);
 * this thread checks the namespace is open, writes the store, hints the watch cache and answers
 * with the stored bytes and their resourceVersion. Same responses as serveResource + createObject.
 */
export async function createInWorker(
  ctx: RestContext,
  pool: WriteWorkerPool,
  call: ResourceCall,
  body: Buffer,
  contentType: string | undefined,
  opts: WriteOptions,
  res: ServerResponse,
): Promise<void> {
  const { rt } = call;
  for (let attempt = 0; ; attempt++) {
    const outcome = await pool.prepare({
      // The body's memory may be a slice of a shared read buffer: the worker gets its own copy.
      body: new Uint8Array(body),
      contentType,
      group: rt.group,
      version: rt.version,
      resource: rt.plural,
      namespace: call.namespace,
      name: call.name,
      opts,
      nowMs: ctx.now().getTime(),
    });
    if (outcome.kind === 'early-error') throw toError(outcome.error);
    const namespace = outcome.kind === 'late-error' ? outcome.namespace : outcome.prepared.namespace;
    call.namespace = namespace;
    if (rt.namespaced) await checkNamespaceOpen(ctx, namespace);
    if (outcome.kind === 'late-error') throw toError(outcome.error);
    const p = outcome.prepared;
    if (opts.dryRun) return respond(res, 201, Buffer.from(p.dryRunJson ?? ''), p.warnings);
    const key = storageKey(rt, namespace, p.name);
    const bytes = Buffer.from(p.bytes.buffer, p.bytes.byteOffset, p.bytes.byteLength);
    const forget = ctx.cache.expect(key, bytes, {
      namespace: rt.namespaced ? namespace : '',
      name: p.name,
      labels: p.labels,
      fields: p.fields,
    });
    const result = await ctx.store.create(key, bytes).finally(forget);
    if (result.ok) return respond(res, 201, withResourceVersionBytes(bytes, result.revision), p.warnings);
    // A generated name that collided: prepare again (a new name), as createObject does.
    if (p.generatedName && attempt + 1 < GENERATED_NAME_ATTEMPTS) continue;
    throw errors.alreadyExists(rt.plural, p.name, rt.group);
  }
}

/** The response serveResource's send() writes for an object whose JSON is already known. */
function respond(res: ServerResponse, code: number, body: Buffer, warnings: string[]): void {
  const headers: Record<string, string | string[]> = {
    'Content-Type': 'application/json',
    'Content-Length': String(body.length),
  };
  if (warnings.length > 0) headers.Warning = warnings.map(warningHeader);
  res.writeHead(code, headers);
  res.end(body);
}

const METADATA_OPEN = Buffer.from('"metadata":{');

/** encodeObject's bytes with `metadata.resourceVersion` added (storage-key.ts withResourceVersion, on bytes). */
function withResourceVersionBytes(stored: Buffer, revision: number): Buffer {
  const at = stored.indexOf(METADATA_OPEN);
  if (at < 0) return stored;
  const open = at + METADATA_OPEN.length;
  const field = Buffer.from(
    stored[open] === 0x7d ? `"resourceVersion":"${revision}"` : `"resourceVersion":"${revision}",`,
  );
  return Buffer.concat([stored.subarray(0, open), field, stored.subarray(open)]);
}

/** The error the main thread would have thrown (a non-ApiError stays one: the edge logs it and answers 500). */
function toError(e: SerializedError): Error {
  if (e.code === undefined || e.reason === undefined) return new Error(e.message);
  return new ApiError(e.code, e.reason as StatusReason, e.message, e.details);
}
