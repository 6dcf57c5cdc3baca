/**
 * Entry of one write worker thread: prepares the creates the main thread sends, a batch at a time,
 * and answers each batch with one message (stored bytes transferred). Keeps no objects between
 * batches.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { prepareCreate } from './prepare-create.js';
import type { CreateJob, CreateOutcome, WriteWorkerConfig } from './protocol.js';

const config = workerData as WriteWorkerConfig;
const port = parentPort;
if (!port) throw new Error('write-worker.js runs as a worker thread');

port.on('message', (jobs: CreateJob[]) => {
  void answer(jobs);
});

async function answer(jobs: CreateJob[]): Promise<void> {
  const outcomes: CreateOutcome[] = [];
  const transfer: ArrayBuffer[] = [];
  for (const job of jobs) {
    const outcome = await prepareCreate(job, config);
    if (outcome.kind === 'prepared' && outcome.prepared.bytes.byteLength > 0) transfer.push(outcome.prepared.bytes.buffer as ArrayBuffer);
    outcomes.push(outcome);
  }
  port?.postMessage(outcomes, transfer);
}
