import type { Deployment, ReplicaSet, StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { Logger } from 'pino';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { PodDisruptionBudget, PodDisruptionBudgetStatus } from 'kubernetes-types/policy/v1.js';
import type { KubeObject } from '../../api/object.js';
import { labelSelectorFromObject } from '../../api/selectors/label-selector.js';
import { deepEqual } from '../../api/validation/field.js';
import type { KubeClient } from '../../machinery/client/kube-client.js';
import type { Informer } from '../../machinery/client/informer.js';
import { isNotFound } from '../../machinery/client/client-error.js';
import type { ObjectKey } from '../../machinery/client/object-key.js';
import type { ReconcileResult } from '../../machinery/controller/controller.js';
import type { EventRecorder } from '../../machinery/events/event-recorder.js';
import { controllerOf } from '../replicaset/controller-ref.js';
import { pdbStatus, pendingDisruptions, type ExpectedScale } from './pdb-status.js';
import { PDBS } from '../../machinery/resources/well-known.js';
import type { ObjectOf } from '../../machinery/resources/resource.js';

type PdbObject = KubeObject & PodDisruptionBudget;

export interface DisruptionControllerOptions {
  client: KubeClient;
  pdbs: Informer<ObjectOf<PodDisruptionBudget>>;
  pods: Informer<ObjectOf<Pod>>;
  replicaSets: Informer<ObjectOf<ReplicaSet>>;
  deployments: Informer<ObjectOf<Deployment>>;
  statefulSets: Informer<ObjectOf<StatefulSet>>;
  recorder: EventRecorder;
  log: Logger;
  /** Clock in ms (default Date.now). */
  now?: () => number;
}

/**
 * Kubernetes' disruption controller (pkg/controller/disruption): keeps each
 * PodDisruptionBudget's status — expectedPods, desiredHealthy from minAvailable / maxUnavailable
 * (an int, or a percentage of the pods' controllers' scale: Deployment, ReplicaSet, StatefulSet),
 * currentHealthy (Ready pods not being deleted nor just evicted), disruptionsAllowed and the
 * DisruptionAllowed condition — which the API server's eviction subresource reads. Any change of
 * a matching pod or of a workload's scale in the namespace recomputes it.
 */
export class DisruptionController {
  private readonly now: () => number;

  constructor(private readonly opts: DisruptionControllerOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** Level-triggered sync of one PDB (trySync). Idempotent; throws to retry (a status write conflict). */
  reconcile = async ({ namespace, name }: ObjectKey): Promise<ReconcileResult | void> => {
    const pdb = this.opts.pdbs.get(namespace, name);
    if (!pdb || pdb.metadata.deletionTimestamp) return;
    const pods = this.opts.pods.list(namespace).filter((p) => selects(pdb, p));
    const now = this.now();
    if (pods.length === 0 && (pdb.status?.expectedPods ?? -1) !== 0)
      this.opts.recorder.event(pdb, 'Normal', 'NoPods', 'No matching pods found');
    const status = pdbStatus(pdb, pods, () => this.expectedScale(pods), now);
    const failed = status.conditions?.find((c) => c.reason === 'SyncFailed');
    if (failed && !deepEqual(pdb.status?.conditions?.[0]?.message, failed.message)) {
      this.opts.recorder.event(
        pdb,
        'Warning',
        'CalculateExpectedPodCountFailed',
        `Failed to calculate the number of expected pods: ${failed.message}`,
      );
    }
    await this.writeStatus(pdb, status);
    const { expiresAt } = pendingDisruptions(pdb.status?.disruptedPods, pods, now);
    return expiresAt === undefined ? undefined : { requeueAfterMs: Math.max(0, expiresAt - now) };
  };

  /** A pod event wakes every PDB of its namespace that selects it. */
  keysForPod = (pod: KubeObject): ObjectKey[] => {
    const ns = pod.metadata.namespace ?? '';
    return this.opts.pdbs
      .list(ns)
      .filter((p) => selects(p, pod))
      .map((p) => ({ namespace: ns, name: p.metadata.name ?? '' }));
  };

  /** A workload event (its scale may have changed) wakes every PDB of its namespace. */
  keysForWorkload = (obj: KubeObject): ObjectKey[] => {
    const ns = obj.metadata.namespace ?? '';
    return this.opts.pdbs.list(ns).map((p) => ({ namespace: ns, name: p.metadata.name ?? '' }));
  };

  /** Sum of the desired replicas of the pods' distinct controllers (getExpectedScale); an error when a pod has none we know. */
  private expectedScale(pods: KubeObject[]): ExpectedScale {
    const seen = new Map<string, number>();
    for (const pod of pods) {
      const found = this.controllerScale(pod);
      if (!found) return { error: `found no controllers for pod "${pod.metadata.name ?? ''}"` };
      seen.set(found.uid, found.replicas);
    }
    return { count: [...seen.values()].reduce((a, b) => a + b, 0) };
  }

  /** The pod's controller and its spec.replicas: a Deployment through its ReplicaSet, a bare ReplicaSet, or a StatefulSet. */
  private controllerScale(pod: KubeObject): { uid: string; replicas: number } | undefined {
    const ns = pod.metadata.namespace ?? '';
    const ref = controllerOf(pod);
    if (!ref) return undefined;
    const owned = (inf: Informer, name: string, uid: string) => {
      const o = inf.get(ns, name);
      return o && o.metadata.uid === uid ? o : undefined;
    };
    const replicasOf = (o: KubeObject) => (o.spec as { replicas?: number } | undefined)?.replicas ?? 1;
    if (ref.kind === 'ReplicaSet') {
      const rs = owned(this.opts.replicaSets, ref.name, ref.uid);
      if (!rs) return undefined;
      const dref = controllerOf(rs);
      if (dref?.kind === 'Deployment') {
        const d = owned(this.opts.deployments, dref.name, dref.uid);
        return d ? { uid: dref.uid, replicas: replicasOf(d) } : undefined;
      }
      return { uid: ref.uid, replicas: replicasOf(rs) };
    }
    if (ref.kind === 'StatefulSet') {
      const ss = owned(this.opts.statefulSets, ref.name, ref.uid);
      return ss ? { uid: ref.uid, replicas: replicasOf(ss) } : undefined;
    }
    return undefined;
  }

  /** PUT of the status when it differs, guarded by the cached resourceVersion (a conflict throws and retries). */
  private async writeStatus(pdb: PdbObject, status: PodDisruptionBudgetStatus): Promise<void> {
    if (deepEqual(pdb.status ?? {}, status)) return;
    try {
      await this.opts.client.updateStatus(PDBS, pdb.metadata.namespace ?? '', { ...pdb, status });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}

/**
 * Whether the PDB selects the pod (policy/v1: an empty selector selects every pod of the
 * namespace, an absent one none; an invalid one none).
 */
export function selects(pdb: PodDisruptionBudget, pod: KubeObject): boolean {
  const sel = pdb.spec?.selector;
  if (!sel) return false;
  try {
    return labelSelectorFromObject(sel).matches(pod.metadata.labels);
  } catch {
    return false;
  }
}
