/**
 * The PersistentVolume controller (Kubernetes' pkg/controller/volume/persistentvolume, reduced)
 * with the `flotilla.dev/local-path` provisioner built in. One queue holds both kinds of key:
 * `namespace/name` is a claim (syncClaim), a bare `name` a volume (syncVolume).
 *
 *   claim unbound --findBestMatch--> bind: PV claimRef, PV Bound, PVC volumeName + annotations, PVC Bound
 *                 --no match, local-path, consumer scheduled on N--> create PV pvc-<uid> on N (pre-bound)
 *   volume's claim gone --> Released --> reclaim: Retain keeps it, Delete deletes it (ours only)
 */
import type { Node } from 'kubernetes-types/core/v1.js';
import type { Logger } from 'pino';
import type { KubeClient } from '../../machinery/client/kube-client.js';
import type { Informer } from '../../machinery/client/informer.js';
import { ClientError, isAlreadyExists, isNotFound } from '../../machinery/client/client-error.js';
import type { ObjectKey } from '../../machinery/client/object-key.js';
import type { EventRecorder } from '../../machinery/events/event-recorder.js';
import type { ReconcileResult } from '../../machinery/controller/controller.js';
import { claimBoundTo, claimStatusBound, volumeClaimedBy, volumeWithPhase } from './binding.js';
import { localPathVolume } from './local-path-provisioner.js';
import { findBestMatch, isVolumeBoundToClaim } from '../../machinery/storage/pv-matching.js';
import {
  ANN_BETA_STORAGE_PROVISIONER,
  ANN_BOUND_BY_CONTROLLER,
  ANN_PROVISIONED_BY,
  ANN_SELECTED_NODE,
  ANN_STORAGE_PROVISIONER,
  LOCAL_PATH_PROVISIONER,
  claimClassOf,
  claimNamesOf,
  defaultClassOf,
  type Class,
  type PodObj,
  type PV,
  type PVC,
} from '../../machinery/storage/volume-resources.js';
import { NODES, PVCS, PVS } from '../../machinery/resources/well-known.js';

export interface PersistentVolumeControllerOptions {
  client: KubeClient;
  claims: Informer<PVC>;
  volumes: Informer<PV>;
  classes: Informer<Class>;
  pods: Informer<PodObj>;
  recorder: EventRecorder;
  log: Logger;
  /** Node data dir assumed when a node has no `flotilla.dev/data-dir` annotation. */
  nodeDataDir?: string;
}

export class PersistentVolumeController {
  /** Claims (by uid) whose retroactive default-class write the API server refused; not retried. */
  private readonly defaultClassRefused = new Set<string>();
  /** Claims (by uid) already told they wait for a consumer (one event, not one per sync). */
  private readonly toldWaiting = new Set<string>();

  constructor(private readonly o: PersistentVolumeControllerOptions) {}

  /** The controller's Reconcile: a claim key or a volume key. Idempotent; throws to retry. */
  readonly reconcile = async (key: ObjectKey): Promise<ReconcileResult | void> => {
    if (key.namespace) return this.syncClaim(key.namespace, key.name);
    return this.syncVolume(key.name);
  };

  /** Claim events: the claim itself and every volume it names or that names it (so a deleted claim releases its volume). */
  readonly keysForClaim = (claim: PVC): ObjectKey[] => {
    const keys: ObjectKey[] = [{ namespace: claim.metadata.namespace ?? '', name: claim.metadata.name ?? '' }];
    if (claim.spec?.volumeName) keys.push({ namespace: '', name: claim.spec.volumeName });
    for (const pv of this.o.volumes.list()) {
      const ref = pv.spec?.claimRef;
      if (
        ref?.name === claim.metadata.name &&
        ref?.namespace === claim.metadata.namespace &&
        pv.metadata.name !== claim.spec?.volumeName
      )
        keys.push({ namespace: '', name: pv.metadata.name ?? '' });
    }
    return keys;
  };

  /** Volume events: the volume and the claim its claimRef names. */
  readonly keysForVolume = (pv: PV): ObjectKey[] => {
    const keys: ObjectKey[] = [{ namespace: '', name: pv.metadata.name ?? '' }];
    const ref = pv.spec?.claimRef;
    if (ref?.namespace && ref.name) keys.push({ namespace: ref.namespace, name: ref.name });
    return keys;
  };

  /** Pod events: the claims a pod uses (a scheduled consumer starts WaitForFirstConsumer provisioning). */
  readonly keysForPod = (pod: PodObj): ObjectKey[] =>
    claimNamesOf(pod).map((name) => ({ namespace: pod.metadata.namespace ?? '', name }));

  /** StorageClass events: every claim still unbound. */
  readonly keysForClass = (): ObjectKey[] =>
    this.o.claims
      .list()
      .filter((c) => !c.spec?.volumeName)
      .map((c) => ({ namespace: c.metadata.namespace ?? '', name: c.metadata.name ?? '' }));

  private async syncClaim(namespace: string, name: string): Promise<ReconcileResult | void> {
    const claim = this.o.claims.get(namespace, name);
    if (!claim || claim.metadata.deletionTimestamp) return;
    const classes = this.o.classes.list();
    let cls = claimClassOf(claim);
    if (cls === undefined) {
      const def = defaultClassOf(classes);
      if (def && (await this.setDefaultClass(claim, def))) return; // its update event syncs it again
      cls = def?.metadata.name ?? '';
    }
    if (claim.spec?.volumeName) return this.syncBoundClaim(claim);
    return this.syncUnboundClaim(
      claim,
      cls,
      classes.find((c) => c.metadata.name === cls),
    );
  }

  /**
   * Retroactive default StorageClass (Kubernetes 1.28+): a claim created with no class gets the
   * default one written into spec.storageClassName. True when written. When the API server refuses
   * (its PVC validation treats the spec as immutable), false: the claim then uses the default class
   * without it being written, and the write is not tried again for that claim.
   */
  private async setDefaultClass(claim: PVC, def: Class): Promise<boolean> {
    const uid = claim.metadata.uid ?? '';
    if (this.defaultClassRefused.has(uid)) return false;
    try {
      await this.o.client.update(PVCS, claim.metadata.namespace ?? '', {
        ...structuredClone(claim),
        spec: { ...structuredClone(claim.spec), storageClassName: def.metadata.name },
      });
      return true;
    } catch (err) {
      if (!(err instanceof ClientError) || (err.code !== 422 && err.code !== 403)) throw err;
      this.defaultClassRefused.add(uid);
      this.o.log.debug(
        { claim: claim.metadata.name, err: err.message },
        'default StorageClass not written to the claim; using it anyway',
      );
      return false;
    }
  }

  private async syncUnboundClaim(claim: PVC, cls: string, sc: Class | undefined): Promise<ReconcileResult | void> {
    const waitForConsumer = sc?.volumeBindingMode === 'WaitForFirstConsumer';
    const nodeName = waitForConsumer ? this.selectedNode(claim) : undefined;
    if (waitForConsumer && !nodeName) {
      const prebound = this.o.volumes.list().find((pv) => isVolumeBoundToClaim(pv, claim));
      if (prebound) return this.bind(claim, prebound);
      if (!this.toldWaiting.has(claim.metadata.uid ?? '')) {
        this.toldWaiting.add(claim.metadata.uid ?? '');
        this.o.recorder.event(
          claim,
          'Normal',
          'WaitForFirstConsumer',
          'waiting for first consumer to be created before binding',
        );
      }
      return;
    }
    const node = nodeName ? await this.getNode(nodeName) : undefined;
    if (nodeName && !node) return { requeueAfterMs: 1000 };
    const pv = findBestMatch(claim, this.o.volumes.list(), cls, node);
    if (pv) return this.bind(claim, pv);
    if (!sc) {
      const why =
        cls === ''
          ? 'no persistent volumes available for this claim and no storage class is set'
          : `storageclass.storage.k8s.io "${cls}" not found`;
      this.o.recorder.event(
        claim,
        cls === '' ? 'Normal' : 'Warning',
        cls === '' ? 'FailedBinding' : 'ProvisioningFailed',
        why,
      );
      return;
    }
    if (sc.provisioner !== LOCAL_PATH_PROVISIONER) {
      this.o.recorder.event(
        claim,
        'Normal',
        'ExternalProvisioning',
        `Waiting for a volume to be created either by the external provisioner '${sc.provisioner}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.`,
      );
      return;
    }
    if (!node) {
      this.o.recorder.event(
        claim,
        'Warning',
        'ProvisioningFailed',
        `${LOCAL_PATH_PROVISIONER} provisions only with volumeBindingMode WaitForFirstConsumer`,
      );
      return;
    }
    return this.provision(claim, sc, node);
  }

  /** The node a WaitForFirstConsumer claim is for: the scheduler's selected-node annotation, else the node of a scheduled, running pod using it. */
  private selectedNode(claim: PVC): string | undefined {
    const annotated = claim.metadata.annotations?.[ANN_SELECTED_NODE];
    if (annotated) return annotated;
    const consumer = this.o.pods
      .list(claim.metadata.namespace)
      .find(
        (p) =>
          p.spec?.nodeName &&
          !p.metadata.deletionTimestamp &&
          p.status?.phase !== 'Succeeded' &&
          p.status?.phase !== 'Failed' &&
          claimNamesOf(p).includes(claim.metadata.name ?? ''),
      );
    return consumer?.spec?.nodeName;
  }

  private async getNode(name: string): Promise<Node | undefined> {
    try {
      return await this.o.client.get(NODES, '', name);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** Marks the claim as ours (storage-provisioner annotations), then creates its pre-bound PV; its PV event binds the claim. */
  private async provision(claim: PVC, sc: Class, node: Node): Promise<void> {
    const ann = claim.metadata.annotations ?? {};
    if (ann[ANN_STORAGE_PROVISIONER] !== LOCAL_PATH_PROVISIONER) {
      // An update, as the binder writes claims (its role may update them, not patch them).
      await this.o.client.update(PVCS, claim.metadata.namespace ?? '', {
        ...claim,
        metadata: {
          ...claim.metadata,
          annotations: {
            ...ann,
            [ANN_STORAGE_PROVISIONER]: LOCAL_PATH_PROVISIONER,
            [ANN_BETA_STORAGE_PROVISIONER]: LOCAL_PATH_PROVISIONER,
          },
        },
      });
    }
    const pv = localPathVolume(claim, sc, node, this.o.nodeDataDir);
    try {
      await this.o.client.create(PVS, '', pv);
    } catch (err) {
      if (isAlreadyExists(err)) return;
      this.o.recorder.event(
        claim,
        'Warning',
        'ProvisioningFailed',
        `failed to provision volume with StorageClass "${sc.metadata.name ?? ''}": ${err instanceof Error ? err.message : String(err)}`,
      );
      throw err;
    }
    this.o.recorder.event(
      claim,
      'Normal',
      'ProvisioningSucceeded',
      `Successfully provisioned volume ${pv.metadata.name ?? ''}`,
    );
  }

  /** Kubernetes' bind order: PV claimRef, PV phase, PVC volumeName + annotations, PVC status. Each step is skipped when already done. */
  private async bind(claim: PVC, volume: PV): Promise<void> {
    let pv = volume;
    const claimed = volumeClaimedBy(pv, claim);
    if (claimed) pv = await this.o.client.update(PVS, '', claimed);
    const bound = volumeWithPhase(pv, 'Bound');
    if (bound) pv = await this.o.client.updateStatus(PVS, '', bound);
    let c = claim;
    const withVolume = claimBoundTo(c, pv);
    if (withVolume) c = await this.o.client.update(PVCS, c.metadata.namespace ?? '', withVolume);
    const withStatus = claimStatusBound(c, pv);
    if (withStatus) await this.o.client.updateStatus(PVCS, c.metadata.namespace ?? '', withStatus);
  }

  private async syncBoundClaim(claim: PVC): Promise<void> {
    const name = claim.spec?.volumeName ?? '';
    const pv = this.o.volumes.get('', name) ?? (await this.liveVolume(name));
    if (!pv) {
      if (claim.status?.phase === 'Bound')
        await this.claimLost(
          claim,
          'ClaimLost',
          'Bound claim has lost its PersistentVolume. Data on the volume is lost!',
        );
      return;
    }
    if (!pv.spec?.claimRef || isVolumeBoundToClaim(pv, claim)) return this.bind(claim, pv);
    if (claim.metadata.annotations?.['pv.kubernetes.io/bind-completed'] === 'yes') {
      await this.claimLost(
        claim,
        'ClaimMisbound',
        'Two claims are bound to the same volume, this one is bound incorrectly',
      );
    }
  }

  private async claimLost(claim: PVC, reason: string, message: string): Promise<void> {
    if (claim.status?.phase === 'Lost') return;
    this.o.recorder.event(claim, 'Warning', reason, message);
    await this.o.client.updateStatus(PVCS, claim.metadata.namespace ?? '', {
      ...structuredClone(claim),
      status: { ...structuredClone(claim.status ?? {}), phase: 'Lost' },
    });
  }

  private async liveVolume(name: string): Promise<PV | undefined> {
    try {
      return await this.o.client.get<PV>(PVS, '', name);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  private async liveClaim(namespace: string, name: string): Promise<PVC | undefined> {
    try {
      return await this.o.client.get<PVC>(PVCS, namespace, name);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  private async syncVolume(name: string): Promise<void> {
    const pv = this.o.volumes.get('', name);
    if (!pv || pv.metadata.deletionTimestamp) return;
    const ref = pv.spec?.claimRef;
    if (!ref?.uid) {
      // Unclaimed, or pre-bound by a user to a claim by name only: the claim's sync binds it.
      const next = volumeWithPhase(pv, 'Available');
      if (next) await this.o.client.updateStatus(PVS, '', next);
      return;
    }
    let claim = this.o.claims.get(ref.namespace, ref.name ?? '');
    if (!claim || claim.metadata.uid !== ref.uid) claim = await this.liveClaim(ref.namespace ?? '', ref.name ?? ''); // never release on a stale cache
    if (claim && claim.metadata.uid === ref.uid) {
      if (claim.spec?.volumeName && claim.spec.volumeName !== name) {
        if (
          pv.metadata.annotations?.[ANN_BOUND_BY_CONTROLLER] === 'yes' &&
          pv.metadata.annotations?.[ANN_PROVISIONED_BY] === undefined
        )
          await this.unbind(pv);
        return;
      }
      const next = volumeWithPhase(pv, 'Bound');
      if (next) await this.o.client.updateStatus(PVS, '', next);
      return;
    }
    await this.reclaim(pv);
  }

  /** A volume bound by this controller to a claim that took another volume: back to Available. */
  private async unbind(pv: PV): Promise<void> {
    const next = structuredClone(pv);
    if (next.spec) delete next.spec.claimRef;
    if (next.metadata.annotations) delete next.metadata.annotations[ANN_BOUND_BY_CONTROLLER];
    const updated = await this.o.client.update(PVS, '', next);
    const avail = volumeWithPhase(updated, 'Available');
    if (avail) await this.o.client.updateStatus(PVS, '', avail);
  }

  /** The claim is gone: Released, then the reclaim policy. Delete removes only volumes this provisioner made; the node agent removes their directory. */
  private async reclaim(pv: PV): Promise<void> {
    const policy = pv.spec?.persistentVolumeReclaimPolicy ?? 'Retain';
    let cur = pv;
    if (cur.status?.phase !== 'Released' && cur.status?.phase !== 'Failed') {
      const released = volumeWithPhase(cur, 'Released');
      if (released) cur = await this.o.client.updateStatus(PVS, '', released);
    }
    if (policy === 'Retain' || cur.status?.phase === 'Failed') return;
    if (policy === 'Delete' && cur.metadata.annotations?.[ANN_PROVISIONED_BY] === LOCAL_PATH_PROVISIONER) {
      try {
        await this.o.client.delete(PVS, '', cur.metadata.name ?? '', { preconditions: { uid: cur.metadata.uid } });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      return;
    }
    const [reason, message] =
      policy === 'Delete'
        ? [
            'VolumeFailedDelete',
            `error getting deleter volume plugin for volume "${cur.metadata.name ?? ''}": no deletable volume plugin matched`,
          ]
        : ['VolumeFailedRecycle', 'Recycle is not supported; use Delete or Retain'];
    this.o.recorder.event(cur, 'Warning', reason, message);
    const failed = volumeWithPhase(cur, 'Failed', reason, message);
    if (failed) await this.o.client.updateStatus(PVS, '', failed);
  }
}
