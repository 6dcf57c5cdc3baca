import { setImmediate as yieldToIo } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { Node, PersistentVolume, PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.js';
import type { PriorityClass } from 'kubernetes-types/scheduling/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import { isConflict, isNotFound } from '../machinery/client/client-error.js';
import { Informer } from '../machinery/client/informer.js';
import { type ClientEventRecorder, clientEventRecorder, podReference } from '../machinery/events/event-recorder.js';
import type { KubeClient } from '../machinery/client/kube-client.js';
import { clientBinder, type BindPod } from './binder/bind-pod.js';
import { podScheduledFalsePatch } from './binder/pod-condition.js';
import { bindClaimsToNode } from './binder/volume-prebind.js';
import type { VolumeLister } from './plugins/volume-binding.js';
import { SchedulerCache } from './cache/scheduler-cache.js';
import { fitErrorMessage } from './core/fit-error.js';
import { podPriority, type PriorityClassLookup } from './core/pod-priority.js';
import { preempt, type PreemptionResult } from './core/preemption.js';
import { schedulePod, type CycleCursor } from './core/schedule-pod.js';
import { podInfoOf, type PodInfo } from './framework/pod-info.js';
import { defaultProfile, type Profile, type ProfileOptions } from './plugins/default-plugins.js';
import { SchedulingQueue, type QueuedPod, type SchedulingQueueOptions } from './queue/scheduling-queue.js';
import { nodeChangeMayHelp, slimPod } from './watch/pod-events.js';
import { NODES, PODS, PRIORITY_CLASSES, PVCS, PVS, STORAGE_CLASSES } from '../machinery/resources/well-known.js';
import type { ObjectOf } from '../machinery/resources/resource.js';

export const DEFAULT_SCHEDULER_NAME = 'default-scheduler';

export interface SchedulerOptions extends ProfileOptions, SchedulingQueueOptions {
  client: KubeClient;
  log: Logger;
  /** Pods whose spec.schedulerName is this (or unset) are ours (default `default-scheduler`). */
  schedulerName?: string;
  /** percentageOfNodesToScore; undefined = adaptive (50% at 100 nodes ... 10% at 5,000, min 100 nodes). */
  percentageOfNodesToScore?: number;
  /** Bindings in flight while the next pods are scheduled (default 64). */
  maxBindsInFlight?: number;
  /** Write the `Scheduled` Normal event for each bound pod (default true; FailedScheduling is always written). */
  scheduledEvents?: boolean;
  /** Evict lower-priority pods when nothing fits (default true). */
  preemption?: boolean;
  /** Replaces POST pods/<name>/binding (tests). */
  bind?: BindPod;
  profile?: Profile;
  random?: () => number;
  clock?: () => Date;
}

/** Counters since start (the bench and tests read them). */
export interface SchedulerStats {
  scheduled: number;
  bound: number;
  bindErrors: number;
  unschedulable: number;
  preemptions: number;
}

/**
 * kube-scheduler in one class. Informers feed the cache (nodes, bound pods) and the queue
 * (pending pods); one loop pops a pod, runs the synchronous pipeline (schedulePod) over the cache,
 * assumes the pod on the chosen node and starts its binding without waiting, so several bindings
 * are in flight while the next pods are scheduled. A failed binding forgets the pod and requeues
 * it with backoff; a pod that fits nowhere gets preemption, PodScheduled=False and a
 * FailedScheduling event, and waits for a cluster change.
 */
export class Scheduler {
  readonly cache = new SchedulerCache();
  readonly queue: SchedulingQueue;
  readonly stats: SchedulerStats = { scheduled: 0, bound: 0, bindErrors: 0, unschedulable: 0, preemptions: 0 };
  private readonly nodes: Informer<ObjectOf<Node>>;
  private readonly pods: Informer<ObjectOf<Pod>>;
  private readonly priorityClasses: Informer<ObjectOf<PriorityClass>>;
  private readonly claims: Informer<ObjectOf<PersistentVolumeClaim>>;
  private readonly volumes: Informer<ObjectOf<PersistentVolume>>;
  private readonly storageClasses: Informer<ObjectOf<StorageClass>>;
  private readonly volumeLister: VolumeLister;
  private readonly events: ClientEventRecorder;
  private readonly bind: BindPod;
  private readonly profile: Profile;
  private readonly cursor: CycleCursor = { nextStartNodeIndex: 0 };
  private readonly name: string;
  private readonly log: Logger;
  private bindsInFlight = 0;
  private slotWaiters: (() => void)[] = [];
  private stopped = false;
  private loop?: Promise<void>;
  private flushTimer?: NodeJS.Timeout;

  constructor(private readonly opts: SchedulerOptions) {
    this.log = opts.log.child({ component: 'scheduler' });
    this.name = opts.schedulerName ?? DEFAULT_SCHEDULER_NAME;
    this.queue = new SchedulingQueue(opts);
    this.bind = opts.bind ?? clientBinder(opts.client);
    // Events name the scheduler as component and reporting instance (one leader per name at a time).
    this.events = clientEventRecorder({
      client: opts.client,
      log: this.log,
      now: opts.clock,
      component: this.name,
      instance: this.name,
    });
    this.nodes = new Informer(opts.client, NODES, { log: this.log });
    this.pods = new Informer(opts.client, PODS, { log: this.log, transform: slimPod, pageSize: 2000 });
    this.priorityClasses = new Informer(opts.client, PRIORITY_CLASSES, { log: this.log });
    this.claims = new Informer(opts.client, PVCS, { log: this.log });
    this.volumes = new Informer(opts.client, PVS, { log: this.log });
    this.storageClasses = new Informer(opts.client, STORAGE_CLASSES, { log: this.log });
    this.volumeLister = {
      claim: (ns, name) => this.claims.get(ns, name),
      volume: (name) => this.volumes.get(undefined, name),
      volumes: () => this.volumes.list(),
      storageClass: (name) => this.storageClasses.get(undefined, name),
      storageClasses: () => this.storageClasses.list(),
    };
    this.profile = opts.profile ?? defaultProfile({ volumes: this.volumeLister, ...opts });
  }

  /** Starts the informers, waits for their first lists, then runs the scheduling loop. */
  async start(): Promise<void> {
    // A claim bound or a volume created may make a waiting pod fit.
    const storageChanged = {
      onAdd: () => this.queue.moveAllToActiveOrBackoff(),
      onUpdate: () => this.queue.moveAllToActiveOrBackoff(),
    };
    this.claims.addHandlers(storageChanged);
    this.volumes.addHandlers(storageChanged);
    const storage = [this.priorityClasses, this.claims, this.volumes, this.storageClasses];
    for (const i of storage) i.start();
    await Promise.all(storage.map((i) => i.waitForSync()));
    this.nodes.addHandlers({
      onAdd: (n) => {
        this.cache.setNode(n);
        this.queue.moveAllToActiveOrBackoff();
      },
      onUpdate: (o, n) => {
        this.cache.setNode(n);
        if (nodeChangeMayHelp(o, n)) this.queue.moveAllToActiveOrBackoff();
      },
      onDelete: (n) => this.cache.removeNode(n.metadata.name ?? ''),
    });
    this.pods.addHandlers({
      onAdd: (p) => this.podAdded(p),
      onUpdate: (o, p) => this.podUpdated(o, p),
      onDelete: (p) => this.podDeleted(p),
    });
    this.nodes.start();
    this.pods.start();
    await Promise.all([this.nodes.waitForSync(), this.pods.waitForSync()]);
    if (this.stopped) return;
    this.flushTimer = setInterval(() => this.queue.flush(), 1000);
    this.flushTimer.unref();
    this.loop = this.run();
    this.log.info({ nodes: this.cache.nodes().length, pending: this.queue.sizes.active }, 'scheduler running');
  }

  /** Stops scheduling, waits for bindings in flight, stops the informers. Idempotent. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.queue.close();
    if (this.flushTimer) clearInterval(this.flushTimer);
    for (const w of this.slotWaiters.splice(0)) w();
    await this.loop;
    while (this.bindsInFlight > 0) await new Promise<void>((r) => this.slotWaiters.push(r));
    await Promise.all(
      [this.nodes, this.pods, this.priorityClasses, this.claims, this.volumes, this.storageClasses].map((i) =>
        i.stop(),
      ),
    );
    await this.events.idle();
  }

  private readonly classes: PriorityClassLookup = {
    value: (name) => (this.priorityClasses.get(undefined, name) as { value?: number } | undefined)?.value,
    globalDefault: () =>
      (this.priorityClasses.list().find((c) => c.globalDefault === true) as { value?: number } | undefined)?.value,
  };

  private info(pod: Pod): PodInfo {
    return podInfoOf(pod, podPriority(pod, this.classes));
  }

  private responsible(pod: Pod): boolean {
    return (pod.spec?.schedulerName ?? this.name) === this.name;
  }

  private podAdded(pod: Pod): void {
    const key = keyOfPod(pod);
    if (pod.spec?.nodeName) {
      if (!isTerminal(pod)) this.cache.addOrUpdatePod(this.info(pod), pod.spec.nodeName);
      return;
    }
    if (this.responsible(pod) && !pod.metadata?.deletionTimestamp && !this.cache.isAssumed(key))
      this.queue.add(this.info(pod));
  }

  private podUpdated(old: Pod, pod: Pod): void {
    const key = keyOfPod(pod);
    if (pod.spec?.nodeName) {
      if (!old.spec?.nodeName) this.queue.delete(key);
      if (isTerminal(pod)) {
        if (this.cache.nodeOfPod(key) !== undefined) {
          this.cache.removePod(key);
          this.queue.moveAllToActiveOrBackoff();
        }
      } else this.cache.addOrUpdatePod(this.info(pod), pod.spec.nodeName);
      return;
    }
    if (!this.responsible(pod) || this.cache.isAssumed(key)) return;
    if (pod.metadata?.deletionTimestamp) {
      this.queue.delete(key);
      return;
    }
    const specChanged =
      JSON.stringify(old.spec) !== JSON.stringify(pod.spec) ||
      JSON.stringify(old.metadata?.labels) !== JSON.stringify(pod.metadata?.labels);
    this.queue.update(this.info(pod), specChanged);
  }

  private podDeleted(pod: Pod): void {
    const key = keyOfPod(pod);
    this.queue.delete(key);
    if (this.cache.nodeOfPod(key) !== undefined) {
      this.cache.removePod(key);
      this.queue.moveAllToActiveOrBackoff();
    }
  }

  private async run(): Promise<void> {
    let lastYield = performance.now();
    while (!this.stopped) {
      let q = this.queue.tryPop();
      if (!q) {
        q = await this.queue.pop();
        lastYield = performance.now();
        if (!q) break;
      }
      try {
        this.scheduleOne(q);
      } catch (err) {
        this.log.error({ err, pod: q.info.key }, 'scheduler: scheduling cycle failed');
        this.queue.requeueFailed(q, true);
      }
      while (this.bindsInFlight >= (this.opts.maxBindsInFlight ?? 64) && !this.stopped)
        await new Promise<void>((r) => this.slotWaiters.push(r));
      // Let informer events and binding responses in: the cycle itself never awaits.
      if (performance.now() - lastYield > 5) {
        await yieldToIo();
        lastYield = performance.now();
      }
    }
  }

  /** One pod: skip if stale, run the pipeline, then assume + bind, or record why it fits nowhere. */
  private scheduleOne(q: QueuedPod): void {
    const key = q.info.key;
    const live = this.pods.getByKey(key);
    if (!live || live.spec?.nodeName || live.metadata?.deletionTimestamp || live.metadata?.uid !== q.info.uid) {
      this.queue.done(key);
      return;
    }
    const result = schedulePod(q.info, this.cache, this.profile, this.cursor, {
      percentageOfNodesToScore: this.opts.percentageOfNodesToScore,
      random: this.opts.random,
    });
    if (result.kind === 'scheduled') {
      this.stats.scheduled++;
      this.cache.assumePod(q.info, result.node.name);
      this.startBinding(q, result.node.name);
      return;
    }
    this.stats.unschedulable++;
    let preemption: PreemptionResult | undefined;
    if (this.opts.preemption !== false) preemption = preempt(q.info, this.cache, this.profile, result.diagnosis);
    result.diagnosis.postFilterMessage = preemption?.message;
    const message = fitErrorMessage(result.diagnosis);
    this.queue.requeueFailed(q);
    this.events.event(podReference(live), 'Warning', 'FailedScheduling', message);
    const patch = podScheduledFalsePatch(live, 'Unschedulable', message, this.now());
    const body = preemption?.nominatedNode
      ? { ...(patch ?? {}), status: { ...(patch?.status ?? {}), nominatedNodeName: preemption.nominatedNode } }
      : patch;
    if (body)
      this.opts.client
        .patch(PODS, q.info.namespace, q.info.name, 'merge', body, { subresource: 'status' })
        .catch((err: unknown) => this.log.debug({ err: String(err), pod: key }, 'scheduler: status patch failed'));
    if (preemption?.victims.length) {
      this.stats.preemptions++;
      for (const v of preemption.victims) {
        this.events.event(
          podReference(v.pod),
          'Normal',
          'Preempted',
          `Preempted by pod ${q.info.uid} on node ${preemption.nominatedNode}`,
        );
        this.opts.client
          .delete(PODS, v.namespace, v.name, { preconditions: { uid: v.uid } })
          .catch((err: unknown) =>
            this.log.debug({ err: String(err), pod: v.key }, 'scheduler: preemption delete failed'),
          );
      }
    }
    this.log.debug({ pod: key, message }, 'scheduler: pod unschedulable');
  }

  private startBinding(q: QueuedPod, nodeName: string): void {
    const { info } = q;
    this.bindsInFlight++;
    bindClaimsToNode(this.opts.client, this.volumeLister, info.pod, nodeName)
      .then(() => this.bind(info.namespace, info.name, info.uid, nodeName))
      .then(
        () => {
          this.stats.bound++;
          this.queue.done(info.key);
          if (this.opts.scheduledEvents !== false)
            this.events.event(
              podReference(info.pod),
              'Normal',
              'Scheduled',
              `Successfully assigned ${info.namespace}/${info.name} to ${nodeName}`,
            );
        },
        (err: unknown) => {
          this.stats.bindErrors++;
          this.cache.forgetPod(info.key);
          if (isNotFound(err) || isConflict(err)) {
            this.queue.done(info.key);
            return;
          }
          this.log.warn(
            { err: String(err), pod: info.key, node: nodeName },
            'scheduler: binding failed; retrying after backoff',
          );
          this.queue.requeueFailed(q, true);
        },
      )
      .finally(() => {
        this.bindsInFlight--;
        this.slotWaiters.shift()?.();
      });
  }

  private now(): Date {
    return (this.opts.clock ?? (() => new Date()))();
  }
}

function keyOfPod(p: Pod): string {
  return `${p.metadata?.namespace ?? ''}/${p.metadata?.name ?? ''}`;
}
function isTerminal(p: Pod): boolean {
  return p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';
}
