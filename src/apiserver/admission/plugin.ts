import type { KubeObject } from '../../api/object.js';
import type { ResourceType } from '../../api/resource-type.js';
import type { UserInfo } from '../auth/user-info.js';

export type AdmissionOperation = 'create' | 'update' | 'delete';

/** What a plugin assumed of the server's state when it admitted in a write worker: plain, structured-clonable data. */
export interface AdmissionAssumption {
  plugin: string;
  facts: unknown;
}

/**
 * How a plugin that needs server state still runs in a write worker: `admit` admits as the main
 * thread would in the usual state (pure, like a pure plugin's admit) and returns what it assumed of
 * that state; before the create is committed the main thread asks `holds` (its own instance, with
 * the server state), and prepares the create itself when the assumption is wrong.
 */
export interface WorkerAdmission {
  admit(operation: AdmissionOperation, rt: ResourceType, obj: KubeObject, old: KubeObject | undefined): unknown;
  holds(facts: unknown): boolean;
}

/**
 * What a plugin may say about an admitted request besides yes or no, as Kubernetes' admission
 * attributes carry it: warnings for the client (sent as `Warning: 299 - "..."` headers, which
 * kubectl prints as `Warning: ...`) and annotations for the request's audit event
 * (`pod-security.kubernetes.io/audit-violations`). One per request, kept on the ResourceCall;
 * `onAnnotation` hands each annotation to the audit log as it is added (also on a refused request).
 */
export interface AdmissionNotes {
  warnings: string[];
  /** Read them; add them with annotate(). */
  auditAnnotations: Record<string, string>;
  onAnnotation?: (key: string, value: string) => void;
}

export function newAdmissionNotes(onAnnotation?: (key: string, value: string) => void): AdmissionNotes {
  return { warnings: [], auditAnnotations: {}, onAnnotation };
}

/** Adds an audit annotation to a request's notes (and to its audit event, when the request is audited). */
export function annotate(notes: AdmissionNotes, key: string, value: string): void {
  notes.auditAnnotations[key] = value;
  notes.onAnnotation?.(key, value);
}

/** The request around the objects a plugin admits. */
export interface AdmissionRequest {
  /** The authenticated caller; undefined where it is not known (write workers run only pure plugins). */
  user?: UserInfo;
  /** '' for the object itself, else the subresource written (status, ephemeralcontainers, ...). */
  subresource: string;
  /** The request's namespace and object name, when known ('' for a create with generateName). */
  namespace?: string;
  name?: string;
  /** A dry run: plugins check but change no server state (ResourceQuota charges nothing). */
  dryRun: boolean;
  notes: AdmissionNotes;
}

/** A request with nobody and nothing known, for callers that have none (tests, internal writes). */
export function anonymousRequest(): AdmissionRequest {
  return { subresource: '', dryRun: false, notes: newAdmissionNotes() };
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
  /** Optional, for a plugin that is not pure: how a write worker runs it (see WorkerAdmission). */
  inWorker?: WorkerAdmission;
  /**
   * Whether the plugin acts on this resource and operation (cheap: asked per request); `request`
   * lets a plugin act only for some callers (NodeRestriction: nodes).
   */
  handles(rt: ResourceType, operation: AdmissionOperation, request?: AdmissionRequest): boolean;
  /**
   * Admits `obj` (mutating plugins change it in place); `old` is the stored object on update and
   * delete (on delete `obj` is the stored object too).
   * Throws to reject; warnings and audit annotations go to `request.notes`.
   */
  admit(
    operation: AdmissionOperation,
    rt: ResourceType,
    obj: KubeObject,
    old: KubeObject | undefined,
    request: AdmissionRequest,
  ): void | Promise<void>;
}

/**
 * The ordered admission chain: mutating plugins in their given order, then validating ones. The
 * same chain (built by the same function) runs on the main thread and in write workers (`where`);
 * a create is only prepared by a worker when every plugin that handles it is pure or has a worker
 * variant (see runsInWorker), and committed only when what those variants assumed holds.
 */
export class AdmissionChain {
  readonly plugins: readonly AdmissionPlugin[];

  constructor(
    plugins: readonly AdmissionPlugin[],
    private readonly where: 'main' | 'worker' = 'main',
  ) {
    this.plugins = [...plugins.filter((p) => p.kind === 'mutating'), ...plugins.filter((p) => p.kind === 'validating')];
  }

  /**
   * Runs every plugin that handles (rt, operation), in order. Rejects with the first plugin's
   * error. In a write worker, plugins that are not pure run their worker variant: resolves with
   * what they assumed (undefined when nothing was).
   */
  async admit(
    operation: AdmissionOperation,
    rt: ResourceType,
    obj: KubeObject,
    old: KubeObject | undefined,
    request: AdmissionRequest = anonymousRequest(),
  ): Promise<AdmissionAssumption[] | undefined> {
    let assumed: AdmissionAssumption[] | undefined;
    for (const p of this.plugins) {
      if (!p.handles(rt, operation, request)) continue;
      if (this.where === 'worker' && !p.pure) {
        if (!p.inWorker) throw new Error(`admission plugin ${p.name} cannot run in a write worker`);
        const facts = p.inWorker.admit(operation, rt, obj, old);
        if (facts !== undefined) (assumed ??= []).push({ plugin: p.name, facts });
        continue;
      }
      const pending = p.admit(operation, rt, obj, old, request);
      if (pending) await pending;
    }
    return assumed;
  }

  /**
   * True when a write worker can run the chain for (rt, operation, request): every plugin that
   * handles it is pure or has a worker variant.
   */
  runsInWorker(rt: ResourceType, operation: AdmissionOperation, request?: AdmissionRequest): boolean {
    for (const p of this.plugins) if (!p.pure && !p.inWorker && p.handles(rt, operation, request)) return false;
    return true;
  }

  /** On the main thread: whether everything a write worker's plugins assumed holds now (true for none). */
  assumptionsHold(assumed: readonly AdmissionAssumption[] | undefined): boolean {
    for (const a of assumed ?? []) {
      const plugin = this.plugins.find((p) => p.name === a.plugin);
      if (!plugin?.inWorker?.holds(a.facts)) return false;
    }
    return true;
  }
}
