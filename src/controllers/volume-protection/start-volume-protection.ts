import type { Logger } from 'pino';
import type { KubeClient } from '../../machinery/client/kube-client.js';
import { isConflict, isNotFound } from '../../machinery/client/client-error.js';
import type { SharedInformers } from '../../machinery/client/shared-informers.js';
import type { ObjectKey } from '../../machinery/client/object-key.js';
import { runController, type RunningController } from '../../machinery/controller/controller.js';
import { claimNamesOf, type PodObj } from '../../machinery/storage/volume-resources.js';
import { releasableClaim, releasableVolume } from './volume-protection.js';
import { PODS, PVCS, PVS } from '../../machinery/resources/well-known.js';

/**
 * kube's pvc-protection and pv-protection controllers: the protection finalizer of a claim being
 * deleted goes once no pod uses it (checked again with a live list, as the cache may lag); a
 * volume's goes once it is no longer Bound. The object is updated (the only write their roles
 * allow) from the cached copy, so its resourceVersion guards it (a conflict retries with fresh state).
 */
export async function startVolumeProtection(opts: {
  /** The pvc-protection controller's client. */
  client: KubeClient;
  /** The pv-protection controller's client (its own user in Kubernetes); default `client`. */
  pvClient?: KubeClient;
  informers: SharedInformers;
  log: Logger;
}): Promise<RunningController[]> {
  const claims = opts.informers.informerFor(PVCS, 'full');
  const volumes = opts.informers.informerFor(PVS, 'full');
  const pods = opts.informers.informerFor(PODS, 'full');
  const ignoreGone = (err: unknown): void => {
    if (!isNotFound(err) && !isConflict(err)) throw err;
  };

  const reconcileClaim = async ({ namespace, name }: ObjectKey): Promise<void> => {
    const claim = claims.get(namespace, name);
    if (!claim || !releasableClaim(claim, pods.list(namespace))) return;
    const live = (await opts.client.list(PODS, namespace ?? '')).items;
    const finalizers = releasableClaim(claim, live);
    if (!finalizers) return;
    opts.log.info({ claim: `${namespace}/${name}` }, 'pvc-protection: claim no longer used; removing its finalizer');
    await opts.client
      .update(PVCS, namespace ?? '', { ...claim, metadata: { ...claim.metadata, finalizers } })
      .catch(ignoreGone);
  };
  const reconcileVolume = async ({ name }: ObjectKey): Promise<void> => {
    const pv = volumes.get(undefined, name);
    const finalizers = pv && releasableVolume(pv);
    if (!pv || !finalizers) return;
    opts.log.info({ volume: name }, 'pv-protection: volume no longer bound; removing its finalizer');
    await (opts.pvClient ?? opts.client)
      .update(PVS, '', { ...pv, metadata: { ...pv.metadata, finalizers } })
      .catch(ignoreGone);
  };
  // A pod that finishes or goes releases the claims it named.
  const claimsOfPod = (p: PodObj): ObjectKey[] =>
    claimNamesOf(p).map((n) => ({ namespace: p.metadata.namespace ?? '', name: n }));
  return Promise.all([
    runController({
      name: 'pvc-protection',
      log: opts.log,
      workers: 1,
      reconcile: reconcileClaim,
      sources: [{ informer: claims }, { informer: pods, keysFor: claimsOfPod }],
    }),
    runController({
      name: 'pv-protection',
      log: opts.log,
      workers: 1,
      reconcile: reconcileVolume,
      sources: [{ informer: volumes }],
    }),
  ]);
}
