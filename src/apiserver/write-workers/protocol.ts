/**
 * Messages between the API server's main thread and its write workers. Bodies and stored bytes
 * travel as transferred ArrayBuffers; everything else is small and structured-cloned.
 */
import type { WriteOptions } from '../rest/write-options.js';
import type { StatusDetails } from '../../api/errors.js';

/** One create to prepare: the request as the main thread resolved it. */
export interface CreateJob {
  id: number;
  /** The request body (JSON), in its own ArrayBuffer (transferred). */
  body: Uint8Array;
  contentType: string | undefined;
  /** The URL's resource: group, version and plural name. */
  group: string;
  version: string;
  resource: string;
  /** The URL's namespace and name ('' when absent). */
  namespace: string;
  name: string;
  opts: WriteOptions;
  /** The main thread's clock (ctx.now()) when the job was sent, in ms since the epoch. */
  nowMs: number;
}

/** An ApiError as data (a non-ApiError becomes a 500 on the main thread, as it would there). */
export interface SerializedError {
  code?: number;
  reason?: string;
  message: string;
  details?: StatusDetails;
}

/** What a worker found for one job. */
export type CreateOutcome =
  /** Failed before the namespace is known to be open: decoding, structure, namespace on the URL vs the body. */
  | { id: number; kind: 'early-error'; error: SerializedError }
  /** Failed after that point (name checks, validation, ...): the main thread checks the namespace first. */
  | { id: number; kind: 'late-error'; namespace: string; error: SerializedError }
  | { id: number; kind: 'prepared'; prepared: PreparedCreate };

/** A create ready for the store. */
export interface PreparedCreate {
  namespace: string;
  name: string;
  /** True when the name came from generateName (a collision is retried with a new one). */
  generatedName: boolean;
  /** encodeObject's bytes (storage form, metadata first, no resourceVersion); transferred. Empty on dryRun. */
  bytes: Uint8Array;
  /** dryRun only: the response body (the object as JSON.stringify writes it). */
  dryRunJson?: string;
  /** What the watch cache keeps beside the bytes. */
  labels: Record<string, string>;
  fields: Record<string, string>;
  warnings: string[];
}

/** A worker's first message: its modules are loaded, it takes jobs. */
export const WORKER_READY = 'ready';

/** Pool-wide settings every worker starts with (workerData). */
export interface WriteWorkerConfig {
  defaultTolerationSeconds: { notReady: number; unreachable: number };
}
