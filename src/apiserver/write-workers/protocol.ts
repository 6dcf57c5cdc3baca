/**
 * Messages between the API server's main thread and its write workers. Bodies and stored bytes
 * travel as transferred ArrayBuffers; everything else is small and structured-cloned.
 */
import type { WriteOptions } from '../rest/write-options.js';
import type { PreparedCreate } from '../rest/prepare-create.js';
import type { AdmissionOptions } from '../admission/index.js';
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

/** A CreateOutcome (rest/prepare-create.ts) as a worker sends it: errors as data, the object as its summary. */
export type WireOutcome =
  | { id: number; kind: 'early-error'; error: SerializedError }
  | { id: number; kind: 'late-error'; namespace: string; error: SerializedError }
  | { id: number; kind: 'prepared'; prepared: PreparedCreate };

/** A worker's first message: its modules are loaded, it takes jobs. */
export const WORKER_READY = 'ready';

/** Pool-wide settings every worker starts with (workerData): the admission options, so a worker builds the main thread's chain. */
export type WriteWorkerConfig = AdmissionOptions;
