import type { Node } from 'kubernetes-types/core/v1.js';
import { NodeInfo } from '../framework/node-info.js';
import { hasPodAffinity, type PodInfo } from '../framework/pod-info.js';
import type { Snapshot } from '../framework/snapshot.js';

interface PodState {
  info: PodInfo;
  node: string;
  /** Placed by this scheduler, binding not yet seen through the informer. */
  assumed: boolean;
}

/**
 * The scheduler's view of the cluster (kube-scheduler's cache): nodes with the pods placed on them,
 * bound ones (from the informer) and assumed ones (chosen by this scheduler, binding in flight).
 * assumePod() adds a pod at once so the next cycle sees the node's resources taken; forgetPod()
 * undoes it when binding fails; addPod() from the informer confirms it (moving it if the informer
 * says another node). It serves as the Snapshot of the synchronous scheduling cycle.
 */
export class SchedulerCache implements Snapshot {
  private readonly infos = new Map<string, NodeInfo>();
  private readonly podStates = new Map<string, PodState>();
  private nodeList: NodeInfo[] | undefined;
  private affinityList: NodeInfo[] | undefined;

  /** Adds or replaces a node (informer add/update). */
  setNode(node: Node): void {
    const name = node.metadata?.name ?? '';
    let info = this.infos.get(name);
    if (!info) this.infos.set(name, (info = new NodeInfo(name)));
    const isNew = !info.node;
    info.setNode(node);
    if (isNew) this.invalidate(true);
  }

  /** A node went away; its pods stay accounted until they are deleted too. */
  removeNode(name: string): void {
    const info = this.infos.get(name);
    if (!info) return;
    if (info.pods.size === 0) this.infos.delete(name);
    else info.node = undefined;
    this.invalidate(true);
  }

  /** Places a pod this scheduler chose, before its binding is written. */
  assumePod(info: PodInfo, nodeName: string): void {
    this.place({ info, node: nodeName, assumed: true });
  }

  /** Undoes assumePod (binding failed). No-op unless the pod is still assumed. */
  forgetPod(key: string): void {
    const s = this.podStates.get(key);
    if (s?.assumed) this.unplace(key);
  }

  isAssumed(key: string): boolean {
    return this.podStates.get(key)?.assumed === true;
  }

  /** A bound pod seen through the informer (add or update): confirms an assumed pod, or places it. */
  addOrUpdatePod(info: PodInfo, nodeName: string): void {
    const s = this.podStates.get(info.key);
    if (s) this.unplace(info.key);
    this.place({ info, node: nodeName, assumed: false });
  }

  /** A bound pod was deleted or finished: its resources are free again. */
  removePod(key: string): void {
    this.unplace(key);
  }

  nodeOfPod(key: string): string | undefined {
    return this.podStates.get(key)?.node;
  }

  get podCount(): number {
    return this.podStates.size;
  }

  nodes(): readonly NodeInfo[] {
    this.nodeList ??= [...this.infos.values()].filter((n) => n.node !== undefined);
    return this.nodeList;
  }

  get(name: string): NodeInfo | undefined {
    const n = this.infos.get(name);
    return n?.node ? n : undefined;
  }

  nodesWithAffinityPods(): readonly NodeInfo[] {
    this.affinityList ??= this.nodes().filter((n) => n.podsWithAffinity.size > 0);
    return this.affinityList;
  }

  private place(s: PodState): void {
    let info = this.infos.get(s.node);
    if (!info) this.infos.set(s.node, (info = new NodeInfo(s.node)));
    info.addPod(s.info);
    this.podStates.set(s.info.key, s);
    if (hasPodAffinity(s.info)) this.affinityList = undefined;
  }

  private unplace(key: string): void {
    const s = this.podStates.get(key);
    if (!s) return;
    this.podStates.delete(key);
    const info = this.infos.get(s.node);
    info?.removePod(key);
    if (info && !info.node && info.pods.size === 0) this.infos.delete(s.node);
    if (hasPodAffinity(s.info)) this.affinityList = undefined;
  }

  private invalidate(nodesChanged: boolean): void {
    if (nodesChanged) this.nodeList = undefined;
    this.affinityList = undefined;
  }
}
