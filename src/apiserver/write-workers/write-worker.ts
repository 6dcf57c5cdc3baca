/**
 * Entry of one write worker thread: prepares the creates the main thread sends (in batches) and
 * answers each one (stored bytes transferred). Keeps no objects between jobs.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { builtInAdmission } from '../admission/index.js';
import { runCreateJob } from './run-job.js';
import { WORKER_READY, type CreateJob, type WireOutcome, type WriteWorkerConfig } from './protocol.js';

const config = workerData as WriteWorkerConfig;
/** The main thread's admission chain, built by the same function from the same options (no watch cache here). */
const admission = builtInAdmission(config, undefined);
const port = parentPort;
if (!port) throw new Error('write-worker.js runs as a worker thread');

/**
 * One full GC of this thread's heap once it has been idle for a while after work: V8 would keep a
 * burst's garbage until the next allocation pressure, which an idle worker never sees (the main
 * thread's idle memory reducer only collects its own heap).
 */
const IDLE_GC_MS = 5_000;
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const idleGc = setTimeout(() => gc(), IDLE_GC_MS);
idleGc.unref();

port.on('message', (jobs: CreateJob[]) => {
  idleGc.refresh();
  void answer(jobs);
});
port.postMessage(WORKER_READY);

/**
 * Creates answered per message. Answering each job as soon as it is prepared lets the main thread
 * write and answer the first creates while this thread prepares the rest (a whole-batch answer
 * made the two threads take turns); answering a few at a time lets the store's group commit share
 * one transaction between them (a transaction per create costs the main thread more).
 */
const ANSWER_CHUNK = 4;

async function answer(jobs: CreateJob[]): Promise<void> {
  let outcomes: WireOutcome[] = [];
  let transfer: ArrayBuffer[] = [];
  for (let i = 0; i < jobs.length; i++) {
    const outcome = await runCreateJob(jobs[i], admission);
    outcomes.push(outcome);
    if (outcome.kind === 'prepared' && outcome.prepared.bytes.byteLength > 0)
      transfer.push(outcome.prepared.bytes.buffer as ArrayBuffer);
    if (outcomes.length >= ANSWER_CHUNK || i === jobs.length - 1) {
      port?.postMessage(outcomes, transfer);
      outcomes = [];
      transfer = [];
    }
  }
}
