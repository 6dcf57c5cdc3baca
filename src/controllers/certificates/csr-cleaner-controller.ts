import type { CertificateSigningRequest } from 'kubernetes-types/certificates/v1.js';
import type { Logger } from 'pino';
import { isNotFound } from '../../machinery/client/client-error.js';
import type { Informer } from '../../machinery/client/informer.js';
import type { KubeClient } from '../../machinery/client/kube-client.js';
import type { ObjectKey } from '../../machinery/client/object-key.js';
import type { SharedInformers } from '../../machinery/client/shared-informers.js';
import { runController, type ReconcileResult, type RunningController } from '../../machinery/controller/controller.js';
import type { ObjectOf } from '../../machinery/resources/index.js';
import { CSRS } from '../../machinery/resources/well-known.js';
import { cleanupDecision } from './cleaner-plan.js';

type CsrObject = ObjectOf<CertificateSigningRequest>;

/** The longest a reconcile waits before looking at a request again (Kubernetes polls hourly). */
const MAX_REQUEUE_MS = 3_600_000;

/**
 * Kubernetes' csrcleaner, keyed by CSR name: deletes a request whose time has come (cleaner-plan.ts)
 * and otherwise asks to be called again when it will, so no periodic listing is needed. Idempotent.
 */
export function csrCleanerReconciler(opts: {
  client: KubeClient;
  csrs: Informer<CsrObject>;
  log: Logger;
  now?: () => number;
}): (key: ObjectKey) => Promise<ReconcileResult | undefined> {
  const now = opts.now ?? Date.now;
  return async ({ name }) => {
    const csr = opts.csrs.get('', name);
    if (!csr) return undefined;
    const decision = cleanupDecision(csr, now());
    if (!decision.delete)
      return decision.atMs === undefined
        ? undefined
        : { requeueAfterMs: Math.min(MAX_REQUEUE_MS, Math.max(1000, decision.atMs - now())) };
    try {
      await opts.client.delete(CSRS, '', name, { preconditions: { uid: csr.metadata.uid } });
      opts.log.info({ csr: name, reason: decision.reason }, 'deleted a certificate signing request');
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    return undefined;
  };
}

/** Starts the cleaner over the shared CSR informer. */
export function startCsrCleaner(opts: {
  client: KubeClient;
  informers: SharedInformers;
  log: Logger;
}): Promise<RunningController> {
  const csrs = opts.informers.informerFor(CSRS, 'full');
  return runController({
    name: 'csrcleaner',
    log: opts.log,
    workers: 1,
    sources: [{ informer: csrs }],
    reconcile: csrCleanerReconciler({ client: opts.client, csrs, log: opts.log }),
  });
}
