import type { KubeObject } from '../../api/object.js';
import type { ResourceType } from '../../api/resource-type.js';

export type AdmissionOperation = 'create' | 'update';

/** The request around the object (the part of Kubernetes' admission.Attributes plugins here read). */
export interface AdmissionRequest {
  /** '' for the object itself, else the subresource written (status, ...). */
  subresource: string;
  /** A dry run: plugins check but change no server state (ResourceQuota charges nothing). */
  dryRun: boolean;
}

/**
 * One admission step, as Kubernetes' admission plugins: a mutating plugin may change the object,
 * a validating one only rejects it (by throwing an ApiError). The chain runs every mutating plugin
 * before any validating one.
 */
export interface AdmissionPlugin {
  /** Stable name (logs, tests), Kubernetes' name where the plugin mirrors one of its own. */
  name: string;
  kind: 'mutating' | 'validating';
  /**
   * True when admit needs no I/O and no server state (only the request and the plugin's options):
   * such plugins also run in write workers, which hold no watch cache and no store.
   */
  pure: boolean;
  /** Whether the plugin acts on this resource and operation (cheap: asked per request). */
  handles(rt: ResourceType, operation: AdmissionOperation): boolean;
  /**
   * Admits `obj` (mutating plugins change it in place); `old` is the stored object on update.
   * `request` is absent where no request is at hand (the server's own bootstrap writes, tests).
   * Throws to reject.
   */
  admit(
    operation: AdmissionOperation,
    rt: ResourceType,
    obj: KubeObject,
    old: KubeObject | undefined,
    request?: AdmissionRequest,
  ): void | Promise<void>;
}

/**
 * The ordered admission chain: mutating plugins in their given order, then validating ones. The
 * same chain (built by the same function) runs on the main thread and in write workers; a create is
 * only prepared by a worker when every plugin that handles it is pure (see allPure).
 */
export class AdmissionChain {
  readonly plugins: readonly AdmissionPlugin[];

  constructor(plugins: readonly AdmissionPlugin[]) {
    this.plugins = [...plugins.filter((p) => p.kind === 'mutating'), ...plugins.filter((p) => p.kind === 'validating')];
  }

  /** Runs every plugin that handles (rt, operation), in order. Rejects with the first plugin's error. */
  async admit(
    operation: AdmissionOperation,
    rt: ResourceType,
    obj: KubeObject,
    old: KubeObject | undefined,
    request?: AdmissionRequest,
  ): Promise<void> {
    for (const p of this.plugins) {
      if (!p.handles(rt, operation)) continue;
      const pending = p.admit(operation, rt, obj, old, request);
      if (pending) await pending;
    }
  }

  /** True when every plugin that handles (rt, operation) is pure: a write worker can run the chain for it. */
  allPure(rt: ResourceType, operation: AdmissionOperation): boolean {
    for (const p of this.plugins) if (!p.pure && p.handles(rt, operation)) return false;
    return true;
  }
}
