import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { KubeObject } from '../../api/object.js';
import { isConflict, isNotFound } from '../../machinery/client/client-error.js';
import type { KubeClient } from '../../machinery/client/kube-client.js';
import { microTime } from './node-status.js';
import { LEASES } from '../../machinery/resources/well-known.js';

export type LeaseObject = KubeObject & Lease;

export const NODE_LEASE_NAMESPACE = 'kube-node-lease';

/** The node Lease: holder = node name, owned by the Node (so it goes with it). Pure. */
export function buildNodeLease(
  nodeName: string,
  nodeUid: string | undefined,
  durationSeconds: number,
  now: Date,
): LeaseObject {
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: {
      name: nodeName,
      namespace: NODE_LEASE_NAMESPACE,
      ...(nodeUid ? { ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: nodeName, uid: nodeUid }] } : {}),
    },
    spec: { holderIdentity: nodeName, leaseDurationSeconds: durationSeconds, renewTime: microTime(now) },
  };
}

/**
 * Renews one node's Lease in kube-node-lease (the kubelet's NodeLease controller). Keeps the last
 * written Lease so a renewal is one PUT; on a conflict or a missing Lease it re-reads or creates
 * and tries once more. Not re-entrant: callers must not overlap renew() calls of one instance.
 */
export class NodeLeaseRenewer {
  private last?: LeaseObject;

  constructor(
    private readonly client: KubeClient,
    private readonly nodeName: string,
    private readonly durationSeconds: number,
    /** The Node's uid for the ownerReference (undefined: no owner). */
    private readonly nodeUid: () => string | undefined,
  ) {}

  /** Sets renewTime = now (creating the Lease when missing). Throws on other API failures. */
  async renew(now: Date): Promise<void> {
    try {
      await this.write(now);
    } catch (err) {
      if (!isConflict(err) && !isNotFound(err)) throw err;
      this.last = undefined;
      await this.write(now);
    }
  }

  /** The last Lease written or read (undefined before the first renewal). */
  get lease(): LeaseObject | undefined {
    return this.last;
  }

  private async write(now: Date): Promise<void> {
    if (!this.last) {
      try {
        this.last = await this.client.get<LeaseObject>(LEASES, NODE_LEASE_NAMESPACE, this.nodeName);
      } catch (err) {
        if (!isNotFound(err)) throw err;
        this.last = await this.client.create(
          LEASES,
          NODE_LEASE_NAMESPACE,
          buildNodeLease(this.nodeName, this.nodeUid(), this.durationSeconds, now),
        );
        return;
      }
    }
    const next: LeaseObject = {
      ...this.last,
      spec: {
        ...this.last.spec,
        holderIdentity: this.nodeName,
        leaseDurationSeconds: this.durationSeconds,
        renewTime: microTime(now),
      },
    };
    this.last = await this.client.update(LEASES, NODE_LEASE_NAMESPACE, next);
  }
}
