import type { PersistentVolume, Pod } from 'kubernetes-types/core/v1.js';
import type { CachedEvent, CachedObject, WatchCache } from '../../watch-cache.js';
import { type NodeGraph, NodeGraphIndex, type NodeReferenceKind } from './node-graph.js';

const PODS = '/registry/core/pods/';
const PERSISTENT_VOLUMES = '/registry/core/persistentvolumes/';

/**
 * The node graph of the watch cache: pods and PersistentVolumes followed from their events into a
 * NodeGraphIndex, so each question of the Node authorizer is a map read (no store read, no scan).
 *
 *   watch cache ──pod / PV events──► NodeGraphIndex ──► hasReference / hasPersistentVolume
 *
 * A pod is parsed only when it is or was bound to a node (`spec.nodeName` is a selectable field,
 * read without parsing). Subscribes on construction (the cache must be loaded); after the cache
 * reloads (it drops its subscribers), the next question re-subscribes and re-reads it, as the RBAC
 * lister does.
 */
export class WatchCacheNodeGraph implements NodeGraph {
  private readonly index = new NodeGraphIndex();
  private unsubscribe: (() => void)[] = [];
  private attached = false;

  constructor(private readonly cache: WatchCache) {
    this.attach();
  }

  hasReference(node: string, kind: NodeReferenceKind, namespace: string, name: string): boolean {
    this.ensureAttached();
    return this.index.hasReference(node, kind, namespace, name);
  }

  hasPersistentVolume(node: string, name: string): boolean {
    this.ensureAttached();
    return this.index.hasPersistentVolume(node, name);
  }

  /** Stops following the cache (server shutdown). */
  close(): void {
    for (const u of this.unsubscribe) u();
    this.unsubscribe = [];
    this.attached = false;
  }

  private ensureAttached(): void {
    if (!this.attached && this.cache.ready) this.attach();
  }

  private attach(): void {
    this.close();
    this.index.clear();
    const onClose = () => {
      this.attached = false;
    };
    this.unsubscribe.push(
      this.cache.subscribe({ prefix: PODS, onEvents: (events) => this.onPods(events), onClose }),
      this.cache.subscribe({ prefix: PERSISTENT_VOLUMES, onEvents: (events) => this.onVolumes(events), onClose }),
    );
    for (const c of this.cache.list(PODS, '')) this.podChanged(c, false);
    for (const c of this.cache.list(PERSISTENT_VOLUMES, ''))
      this.index.setPersistentVolume(c.name, c.object() as PersistentVolume);
    this.attached = true;
  }

  private onPods(events: CachedEvent[]): void {
    for (const ev of events) this.podChanged(ev.current, ev.type === 'DELETED');
  }

  private podChanged(c: CachedObject, deleted: boolean): void {
    if (deleted) {
      this.index.setPod(c.key, undefined);
      return;
    }
    // Unbound pods are not in the graph: no need to parse them unless they were bound before.
    if (!c.fields['spec.nodeName'] && !this.index.tracks(c.key)) return;
    this.index.setPod(c.key, c.object() as Pod);
  }

  private onVolumes(events: CachedEvent[]): void {
    for (const ev of events)
      this.index.setPersistentVolume(
        ev.current.name,
        ev.type === 'DELETED' ? undefined : (ev.current.object() as PersistentVolume),
      );
  }
}
