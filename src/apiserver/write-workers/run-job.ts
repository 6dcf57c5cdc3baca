/**
 * Both ends of a create job: the worker runs the create path's own prepare (rest/prepare-create.ts)
 * on a job and turns the outcome into a message; the main thread turns the message back.
 */
import { ApiError, type StatusReason } from '../../api/errors.js';
import { findResourceType } from '../../api/resource-types.js';
import { getStrategy } from '../../api/kinds/index.js';
import type { AdmissionChain } from '../admission/plugin.js';
import { prepareCreateFromBody, type CreateOutcome } from '../rest/prepare-create.js';
import { storedFields } from './stored-fields.js';
import type { CreateJob, SerializedError, WireOutcome } from './protocol.js';

/** Worker side: prepares one job with the same code and admission chain as the main thread. Never throws. */
export async function runCreateJob(job: CreateJob, admission: AdmissionChain): Promise<WireOutcome> {
  const rt = findResourceType(job.group, job.version, job.resource);
  if (!rt)
    return {
      id: job.id,
      kind: 'early-error',
      error: { code: 404, reason: 'NotFound', message: 'the server could not find the requested resource' },
    };
  const strategy = getStrategy(rt.group, rt.kind);
  const input = {
    rt,
    strategy,
    namespace: job.namespace,
    name: job.name,
    opts: job.opts,
    now: new Date(job.nowMs),
    admission,
  };
  const outcome = await prepareCreateFromBody(input, job.body, job.contentType);
  if (outcome.kind === 'early-error') return { id: job.id, kind: 'early-error', error: serializeError(outcome.error) };
  if (outcome.kind === 'late-error')
    return { id: job.id, kind: 'late-error', namespace: outcome.namespace, error: serializeError(outcome.error) };
  const p = outcome.prepared;
  const stored = p.object;
  if (!stored) throw new Error('a create prepared on this thread carries its object');
  // The object stays here: the watch cache gets what it keeps beside the bytes.
  const summary = {
    namespace: rt.namespaced ? p.namespace : '',
    name: p.name,
    labels: stored.metadata.labels ?? {},
    fields: storedFields(rt.storagePrefix, stored),
  };
  // Buffer.from(string) may hand out a slice of a shared pool: give the transfer its own memory.
  const b = p.bytes;
  const bytes = b.byteOffset === 0 && b.byteLength === b.buffer.byteLength ? b : new Uint8Array(b);
  return {
    id: job.id,
    kind: 'prepared',
    prepared: {
      namespace: p.namespace,
      name: p.name,
      generatedName: p.generatedName,
      bytes,
      summary,
      warnings: p.warnings,
      ...(p.assumed ? { assumed: p.assumed } : {}),
    },
  };
}

/** Main-thread side: the outcome a worker's message stands for (errors rebuilt as the main thread would have thrown them). Reuses the message. */
export function outcomeOf(wire: WireOutcome): CreateOutcome {
  if (wire.kind === 'early-error') return { kind: 'early-error', error: toError(wire.error) };
  if (wire.kind === 'late-error') return { kind: 'late-error', namespace: wire.namespace, error: toError(wire.error) };
  // A Buffer view of the transferred bytes (no copy): stores and the watch cache read Buffers.
  const b = wire.prepared.bytes;
  wire.prepared.bytes = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  return wire;
}

export function serializeError(err: unknown): SerializedError {
  if (err instanceof ApiError)
    return { code: err.code, reason: err.reason, message: err.message, details: err.details };
  return { message: err instanceof Error ? err.message : String(err) };
}

/** The error the main thread would have thrown (a non-ApiError stays one: the edge logs it and answers 500). */
function toError(e: SerializedError): Error {
  if (e.code === undefined || e.reason === undefined) return new Error(e.message);
  return new ApiError(e.code, e.reason as StatusReason, e.message, e.details);
}
