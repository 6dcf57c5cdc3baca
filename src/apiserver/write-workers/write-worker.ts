/**
 * Entry of one write worker thread: prepares the creates the main thread sends (in batches) and
 * answers each one (stored bytes transferred). Keeps no objects between jobs.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { prepareCreate } from './prepare-create.js';
import type { CreateJob, WriteWorkerConfig } from './protocol.js';

const config = workerData as WriteWorkerConfig;
const port = parentPort;
if (!port) throw new Error('write-worker.js runs as a worker thread');

port.on('message', (jobs: CreateJob[]) => {
  void answer(jobs);
});

/**
 * Answers each job as soon as it is prepared (not once the whole batch is): the main thread then
 * writes and answers the first creates while this thread prepares the rest, instead of the two
 * threads taking turns.
 */
async function answer(jobs: CreateJob[]): Promise<void> {
  for (const job of jobs) {
    const outcome = await prepareCreate(job, config);
    const bytes = outcome.kind === 'prepared' ? outcome.prepared.bytes : undefined;
    port?.postMessage([outcome], bytes && bytes.byteLength > 0 ? [bytes.buffer as ArrayBuffer] : []);
  }
}
