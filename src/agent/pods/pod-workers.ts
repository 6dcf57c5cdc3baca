import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import type { Logger } from 'pino';
import type { KubeObject } from '../../api/object.js';
import { isConflict, isNotFound } from '../../machinery/client/client-error.js';
import type { KubeClient } from '../../machinery/client/kube-client.js';
import type { ImageRecord, ImageService } from '../images/image-types.js';
import type { ContainerRuntime, ContainerSpec, ContainerState, Sandbox } from '../runtime/container-runtime.js';
import { containerArgs, containerResources, containerUser } from './container-process.js';
import { ContainerProbes } from './prober.js';
import { buildPodStatus, podPhase, rfc3339, type ContainerRecord } from './pod-status.js';
import { podResolvConf, type ClusterDnsConfig } from './pod-resolv-conf.js';
import { initProgress, initRestartPolicy, isSidecar, pendingInitContainers } from './init-containers.js';
import { POST_START_TIMEOUT_MS, runHook, stopGracefully, type HookTarget } from './lifecycle-hooks.js';
import { PodEvents, podDescription } from './pod-events.js';
import { clientEventRecorder, type EventRecorder } from '../../machinery/events/event-recorder.js';
import { buildContainerEnv, ContainerConfigError, type EnvObjects } from './container-env.js';
import { ContainerMountError, PodVolumes, type VolumeObjects } from '../volumes/pod-volumes.js';
import { NO_API_OBJECTS } from '../volumes/no-api-objects.js';
import { clientTokenRequester, ServiceAccountTokens } from '../volumes/service-account-tokens.js';
import { PodImagePuller, type RegistryPuller } from './image-pull.js';
import { hostPortMappings } from './host-ports.js';
import { PODS } from '../../machinery/resources/well-known.js';
import { containerSecurity, runAsNonRootError, sysctlRejection } from './security-context.js';

export type PodObject = KubeObject & Pod;

export interface PodWorkersOptions {
  client: KubeClient;
  runtime: ContainerRuntime;
  images: ImageService;
  hostIP: string;
  log: Logger;
  clock?: () => Date;
  /** Re-runs reconcile for a pod key (probe results changed); the agent's work queue. */
  requeue?: (key: string) => void;
  /**
   * Cluster DNS for pods (dnsPolicy ClusterFirst -> `nameserver <it>`, search paths, ndots:5; Default,
   * None and dnsConfig as Kubernetes). Unset: every pod gets the host's /etc/resolv.conf.
   */
  clusterDns?: ClusterDnsConfig;
  /** The node's name (events' source.host). */
  nodeName?: string;
  /** Where kubelet events go (the agent shares one with its node events); unset: a recorder of its own on `client`. */
  recorder?: EventRecorder;
  /** configMaps, secrets, services, claims for volumes and env (agent/volumes/api-objects); unset: none exist. */
  objects?: VolumeObjects & EnvObjects;
  /** Registry pulls (images/pull-image.ts); unset: only images already in the store run. */
  imagePuller?: RegistryPuller;
  /** Sysctls allowed beyond the safe set (names or `prefix*`), as the kubelet's --allowed-unsafe-sysctls. */
  allowedUnsafeSysctls?: string[];
  /** Containers without a seccompProfile get RuntimeDefault (the kubelet's --seccomp-default); default false: Unconfined. */
  seccompDefault?: boolean;
  /** Projected ServiceAccount tokens; unset: requested through `client`'s TokenRequest API. */
  tokens?: ServiceAccountTokens;
  /**
   * Before a deleted pod's running containers get their preStop hook and SIGTERM: resolves once
   * the pod's address is out of the node's data planes (service proxy, ingress) and the other
   * nodes have had their bound of time to follow, or after budgetMs. What it waits comes off the
   * grace period. Unset: containers are stopped at once.
   */
  endpointWithdrawal?: (podIP: string, budgetMs: number) => Promise<unknown>;
  /** The most a deletion waits for endpointWithdrawal: at most this, and at most half the grace period (default 10 s). */
  maxWithdrawalWaitMs?: number;
}

/** The agent's memory of one pod it runs. */
interface PodRecord {
  uid: string;
  key: string;
  startTime: string;
  sandbox?: Sandbox;
  /** Kept after the sandbox is released (terminal pods), for the logs. */
  podDir?: string;
  containers: Map<string, ContainerRecord>;
  terminal: boolean;
  lastStatus?: string;
  /** The pod's volumes were set up once (later failures keep the containers running). */
  volumesUp?: boolean;
  /** A deletion's wait for the endpoint withdrawal: when it started, and whether it ended. */
  withdrawal?: { startedAt: number; done: boolean };
}

/** Whether a container's environment names the pod IP (its start then waits for the network). Pure. */
export function needsPodIP(c: Container): boolean {
  return (c.env ?? []).some(
    (e) => e.valueFrom?.fieldRef?.fieldPath === 'status.podIP' || e.valueFrom?.fieldRef?.fieldPath === 'status.podIPs',
  );
}

/** Crash-loop backoff before restart n (n = restarts so far): the first restart at once, then 10 s doubling to 5 min. Pure. */
export function restartBackoffMs(restartCount: number): number {
  return restartCount === 0 ? 0 : Math.min(10_000 * 2 ** (restartCount - 1), 300_000);
}

/**
 * The kubelet's pod workers, level-triggered: reconcile(key, pod) brings the node in line with the
 * pod as last seen (undefined = gone) and reports its status. Called by one worker per key at a time.
 *
 *   new pod            --> sandbox (namespaces + IP) --> containers started --> status Running
 *   container exited   --> restartPolicy: restart after backoff | phase Succeeded/Failed, sandbox released
 *   deletionTimestamp  --> SIGTERM, SIGKILL after the grace period --> containers, sandbox, logs removed
 *                          --> the pod object deleted with grace 0
 *   pod gone           --> everything of it killed and removed at once
 */
export class PodWorkers {
  private readonly pods = new Map<string, PodRecord>();
  private readonly keysByUid = new Map<string, string>();
  /** Probes of running containers, by container id. */
  private readonly probes = new Map<string, ContainerProbes>();
  private readonly clock: () => Date;
  /** Events about pods and containers (kubelet's: Created, Started, Killing, BackOff, Unhealthy, ...). */
  readonly events: PodEvents;
  /** Pod volumes (set up before the first container, refreshed every sync, torn down with the pod). */
  private readonly volumes: PodVolumes;
  /** imagePullPolicy, pulls with imagePullSecrets, their events and back-off. */
  private readonly pulls: PodImagePuller;

  constructor(private readonly o: PodWorkersOptions) {
    this.volumes = new PodVolumes({
      objects: o.objects ?? NO_API_OBJECTS,
      tokens: o.tokens ?? new ServiceAccountTokens({ request: clientTokenRequester(o.client) }),
      log: o.log,
    });
    this.clock = o.clock ?? (() => new Date());
    this.events = new PodEvents(
      o.recorder ??
        clientEventRecorder({ client: o.client, component: 'kubelet', host: o.nodeName, log: o.log, now: this.clock }),
    );
    this.pulls = new PodImagePuller({
      images: o.images,
      puller: o.imagePuller,
      client: o.client,
      events: this.events,
      log: o.log,
    });
  }

  /** The key of the pod a container belongs to (for exit events). */
  keyForUid(uid: string): string | undefined {
    return this.keysByUid.get(uid);
  }

  async reconcile(key: string, pod: PodObject | undefined): Promise<{ requeueAfterMs?: number }> {
    let rec = this.pods.get(key);
    if (rec && (!pod || pod.metadata.uid !== rec.uid)) {
      await this.teardown(rec, 0);
      rec = undefined;
    }
    if (!pod) return {};
    const uid = pod.metadata.uid ?? '';
    if (!rec) {
      // First sight of the pod (new, or after an agent restart): containers and sandbox a previous
      // agent left are adopted. A pod already finished is not run again.
      rec = {
        uid,
        key,
        startTime: pod.status?.startTime ?? rfc3339(this.clock()),
        containers: new Map(),
        terminal: pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed',
      };
      rec.podDir = this.o.runtime.podDir({
        uid,
        namespace: pod.metadata.namespace ?? '',
        name: pod.metadata.name ?? '',
        hostname: '',
      });
      this.pods.set(key, rec);
      this.keysByUid.set(uid, key);
      await this.adopt(pod, rec);
    }
    if (pod.metadata.deletionTimestamp) {
      const graceMs = (pod.metadata.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30) * 1000;
      const waitedMs = await this.withdrawEndpoint(pod, rec, graceMs);
      if (waitedMs === 'pending') return {};
      await this.teardown(rec, Math.max(0, graceMs - waitedMs), pod);
      await this.o.client
        .delete(PODS, pod.metadata.namespace ?? '', pod.metadata.name ?? '', {
          gracePeriodSeconds: 0,
          preconditions: { uid },
        })
        .catch((err: unknown) => {
          if (!isNotFound(err) && !isConflict(err)) throw err;
        });
      return {};
    }
    if (rec.terminal) return {};
    return this.sync(pod, rec);
  }

  /**
   * A deleted pod that may still receive traffic (it has an IP and a running container, and a
   * grace period) waits until its address is out of the node's data planes before anything is
   * signalled, so no new connection reaches a process that is shutting down; established ones go
   * on to the end (conntrack and HAProxy keep them). At most half the grace period, so the
   * containers keep the rest for their own shutdown. The wait does not hold a worker: it runs
   * beside the queue and requeues the pod when it ends ('pending' until then; awaited in place
   * when there is no requeue). Returns the ms since the wait began (0: no wait).
   */
  private async withdrawEndpoint(pod: PodObject, rec: PodRecord, graceMs: number): Promise<number | 'pending'> {
    if (rec.withdrawal) return rec.withdrawal.done ? performance.now() - rec.withdrawal.startedAt : 'pending';
    const ip = pod.status?.podIP;
    const gate = this.o.endpointWithdrawal;
    if (!gate || !ip || graceMs <= 0) return 0;
    if (!this.o.runtime.listContainers(rec.uid).some((c) => c.status === 'running')) return 0;
    const w = { startedAt: performance.now(), done: false };
    rec.withdrawal = w;
    const waiting = gate(ip, Math.min(graceMs / 2, this.o.maxWithdrawalWaitMs ?? 10_000)).then(
      (outcome: unknown) => {
        w.done = true;
        const waitedMs = Math.round(performance.now() - w.startedAt);
        this.o.log.debug({ pod: rec.key, ip, outcome, waitedMs }, 'endpoint withdrawn before stop');
      },
      (err: unknown) => {
        w.done = true;
        this.o.log.warn({ pod: rec.key, ip, err }, 'waiting for the endpoint withdrawal failed; stopping now');
      },
    );
    const requeue = this.o.requeue;
    if (!requeue) {
      await waiting;
      return performance.now() - w.startedAt;
    }
    void waiting.then(() => requeue(rec.key));
    return 'pending';
  }

  /**
   * Takes over the containers the runtime already has for a pod (left by a previous agent): per
   * container name the highest attempt is the current one, the one before it lastState, older ones
   * are removed; restartCount is the current attempt (or the reported count, if higher). Exited
   * ones are then handled by the restart policy as usual (backoff from their exit time).
   */
  private async adopt(pod: PodObject, rec: PodRecord): Promise<void> {
    const states = this.o.runtime.listContainers(rec.uid);
    if (!states.length) return;
    const reported = new Map(
      [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])].map((s) => [s.name, s]),
    );
    const keep = new Set<string>();
    for (const c of [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])]) {
      const [current, previous] = states.filter((s) => s.name === c.name).sort((a, b) => b.attempt - a.attempt);
      if (!current) continue;
      const r = reported.get(c.name);
      rec.containers.set(c.name, {
        name: c.name,
        image: c.image ?? '',
        imageID: r?.imageID || undefined,
        current,
        previous,
        restartCount: Math.max(current.attempt, r?.restartCount ?? 0),
      });
      keep.add(current.id);
      if (previous) keep.add(previous.id);
    }
    for (const s of states) {
      if (keep.has(s.id)) continue;
      await this.o.runtime.stopContainer(s.id, 0);
      await this.o.runtime.removeContainer(s.id);
    }
    this.o.log.info({ pod: rec.key, containers: [...keep] }, 'pod re-adopted');
  }

  /**
   * After an agent restart, once the pods bound to the node are listed: removes the containers and
   * sandboxes of pods that are no longer there (deleted while no agent ran). `liveUids` = the uids
   * of the listed pods; pods a worker has already seen are kept in any case.
   */
  async removeOrphans(liveUids: Set<string>): Promise<void> {
    const rt = this.o.runtime;
    const uids = new Set([...rt.listContainers().map((c) => c.podUid), ...(await rt.sandboxUids())]);
    for (const uid of uids) {
      if (liveUids.has(uid) || this.keysByUid.has(uid)) continue;
      this.o.log.info({ uid }, 'removing the containers and sandbox of a pod that is gone');
      await Promise.all(rt.listContainers(uid).map((c) => rt.stopContainer(c.id, 0)));
      for (const c of rt.listContainers(uid)) await rt.removeContainer(c.id);
      await rt.removeSandbox(uid);
      await this.volumes.tearDownOrphan(uid);
    }
  }

  /** Rewrites the sandbox's resolv.conf in place (same inode: containers bind-mount it) for the pod's dnsPolicy. */
  private async writeResolvConf(pod: PodObject, dir: string, cluster: ClusterDnsConfig): Promise<void> {
    const host = await readFile('/etc/resolv.conf', 'utf8').catch(() => '');
    const spec = pod.spec;
    const text = podResolvConf(
      {
        namespace: pod.metadata.namespace ?? 'default',
        dnsPolicy: spec?.dnsPolicy,
        hostNetwork: spec?.hostNetwork,
        dnsConfig: spec?.dnsConfig,
      },
      host,
      cluster,
    );
    await writeFile(join(dir, 'resolv.conf'), text);
  }

  private async sync(pod: PodObject, rec: PodRecord): Promise<{ requeueAfterMs?: number }> {
    const spec = pod.spec ?? { containers: [] };
    // The kubelet's admission: a pod with a sysctl the node does not allow is rejected before it runs.
    const rejection = rec.sandbox ? undefined : sysctlRejection(pod, this.o.allowedUnsafeSysctls);
    if (rejection) {
      await this.reject(pod, rec, rejection.reason, rejection.message);
      return {};
    }
    const inits = spec.initContainers ?? [];
    // Until they run, init containers and (while there are init containers) app containers wait as PodInitializing.
    for (const c of [...inits, ...spec.containers]) {
      if (!rec.containers.has(c.name))
        rec.containers.set(c.name, {
          name: c.name,
          image: c.image ?? '',
          restartCount: 0,
          waiting: { reason: inits.length ? 'PodInitializing' : 'ContainerCreating' },
          sidecar: isSidecar(c) || undefined,
        });
    }
    if (!(await this.syncVolumes(pod, rec))) return { requeueAfterMs: 2000 };
    if (!rec.sandbox) {
      const sandboxSpec = {
        uid: rec.uid,
        namespace: pod.metadata.namespace ?? '',
        name: pod.metadata.name ?? '',
        hostname: spec.hostname ?? pod.metadata.name ?? '',
        portMappings: hostPortMappings(pod),
        hostNamespaces: containerSecurity(pod, { name: '' }).hostNamespaces,
        hostIP: this.o.hostIP,
      };
      // First containers' bundles are prepared while the namespaces are made (their config names fixed paths).
      const first =
        inits.length && initProgress(inits, spec.containers, rec.containers, 'Always').state !== 'done'
          ? inits.slice(0, 1)
          : spec.containers;
      const fresh = first.filter((c) => !rec.containers.get(c.name)?.current && !needsPodIP(c));
      void Promise.all(
        fresh.map(async (c) => {
          const image = await this.pulls.localImage(c); // only when no pull will replace it
          if (image) await this.o.runtime.prepareContainer(sandboxSpec, await this.containerSpec(pod, '', c, image, 0));
        }),
      ).catch(() => {}); // startContainer reports failures
      try {
        rec.sandbox = await this.o.runtime.runSandbox(sandboxSpec);
        rec.podDir = rec.sandbox.dir;
        if (this.o.clusterDns && rec.sandbox.dir)
          await this.writeResolvConf(pod, rec.sandbox.dir, this.o.clusterDns).catch((err: unknown) =>
            this.o.log.warn(
              { err: String(err), pod: rec.key },
              'writing the pod resolv.conf failed; it keeps the host one',
            ),
          );
      } catch (err) {
        for (const cr of rec.containers.values())
          cr.waiting = { reason: 'ContainerCreating', message: `failed to create pod sandbox: ${String(err)}` };
        await this.report(pod, rec, 'Pending');
        throw err;
      }
    }
    const restartPolicy = spec.restartPolicy ?? 'Always';
    let requeue: number | undefined;
    const later = (ms: number): void => {
      requeue = Math.min(requeue ?? ms, ms);
    };
    // Init containers one at a time in order, each to success (exit events bring the next), then the app containers.
    const sidecars = inits.filter(isSidecar);
    const init = initProgress(inits, spec.containers, rec.containers, restartPolicy);
    if (init.state === 'run') {
      const cr = rec.containers.get(init.container.name);
      const policy = isSidecar(init.container) ? 'Always' : initRestartPolicy(restartPolicy);
      const wait =
        cr && rec.sandbox ? await this.ensureContainer(pod, rec.sandbox, init.container, cr, policy) : undefined;
      if (wait !== undefined) later(wait);
    } else if (init.state === 'done') {
      // Sidecars (init containers with restartPolicy Always) keep running beside the app containers.
      await Promise.all(
        [...sidecars, ...spec.containers].map(async (c) => {
          const cr = rec.containers.get(c.name);
          if (!cr || !rec.sandbox) return;
          const wait = await this.ensureContainer(pod, rec.sandbox, c, cr, isSidecar(c) ? 'Always' : restartPolicy);
          if (wait !== undefined) later(wait);
        }),
      );
    }
    const sandbox = rec.sandbox;
    try {
      await sandbox.attached;
    } catch (err) {
      // CNI failed: the sandbox is remade from scratch on the retry.
      await this.teardownContainers(rec, 0);
      await this.o.runtime.removeSandbox(rec.uid);
      rec.sandbox = undefined;
      for (const cr of rec.containers.values()) {
        cr.current = undefined;
        cr.waiting = { reason: 'ContainerCreating', message: `failed to set up the pod network: ${String(err)}` };
      }
      await this.report(pod, rec, 'Pending');
      throw err;
    }
    for (const cr of rec.containers.values()) this.refresh(cr);
    for (const c of [...sidecars, ...spec.containers]) {
      const cr = rec.containers.get(c.name);
      if (cr) this.syncProbes(pod, rec, c, cr);
    }
    const initFailed = initProgress(inits, spec.containers, rec.containers, restartPolicy).state === 'failed';
    const phase = initFailed
      ? 'Failed'
      : podPhase(
          restartPolicy,
          spec.containers.map((c) => rec.containers.get(c.name) as ContainerRecord),
        );
    if (phase === 'Succeeded' || phase === 'Failed') {
      // The app containers are done: sidecars are stopped (preStop, SIGTERM, SIGKILL after the grace).
      await Promise.all(
        sidecars.map(async (c) => {
          const cr = rec.containers.get(c.name);
          if (cr?.current?.status !== 'running') return;
          const id = cr.current.id;
          this.events.emit(pod, 'Normal', 'Killing', `Stopping container ${c.name}`, c.name);
          await stopGracefully({
            runtime: this.o.runtime,
            pod,
            id,
            container: c,
            target: this.hookTarget(rec, id),
            graceMs: (spec.terminationGracePeriodSeconds ?? 30) * 1000,
          });
          this.refresh(cr);
        }),
      );
      rec.terminal = true;
      await this.o.runtime.removeSandbox(rec.uid);
      if (rec.podDir) await this.volumes.tearDown(rec.uid, rec.podDir);
      rec.sandbox = undefined;
    } else {
      // Projected tokens are renewed by the sync that falls due (setUp writes the new one).
      const tokenDue = this.volumes.refreshDueInMs(rec.uid);
      if (tokenDue !== undefined) later(tokenDue);
    }
    await this.report(pod, rec, phase);
    return requeue !== undefined ? { requeueAfterMs: requeue } : {};
  }

  /**
   * Rejects a pod the node cannot run (the kubelet's rejectPod): a Warning event with the reason,
   * and phase Failed with the reason and `Pod was rejected: <message>`; nothing of it is started.
   */
  private async reject(pod: PodObject, rec: PodRecord, reason: string, message: string): Promise<void> {
    this.o.log.info({ pod: rec.key, reason, message }, 'pod rejected');
    this.events.emit(pod, 'Warning', reason, message);
    rec.terminal = true;
    await this.o.client
      .patch(
        PODS,
        pod.metadata.namespace ?? '',
        pod.metadata.name ?? '',
        'merge',
        { status: { phase: 'Failed', reason, message: `Pod was rejected: ${message}` } },
        { subresource: 'status' },
      )
      .catch((err: unknown) => {
        if (!isNotFound(err)) throw err;
      });
  }

  /**
   * Sets up the pod's volumes, or refreshes their contents (configMap/secret updates). False when
   * they cannot be set up before the first container: containers wait in ContainerCreating with
   * the kubelet's FailedMount message (event too) and the pod is retried. Once up, a later failure
   * (e.g. the configMap deleted) leaves the running containers and the last contents alone.
   */
  private async syncVolumes(pod: PodObject, rec: PodRecord): Promise<boolean> {
    if (!pod.spec?.volumes?.length) return true;
    try {
      try {
        await this.volumes.setUp(pod, rec.podDir ?? '');
      } catch (err) {
        // Objects read by name on a first miss (Node authorizer) are not missing, just not read yet:
        // once those reads finished, set up again before reporting FailedMount.
        if (rec.volumesUp || !(await this.o.objects?.settled?.())) throw err;
        await this.volumes.setUp(pod, rec.podDir ?? '');
      }
      if (!rec.volumesUp) {
        // Up after an earlier FailedMount: containers not started wait as before it again.
        const initial = pod.spec?.initContainers?.length ? 'PodInitializing' : 'ContainerCreating';
        for (const cr of rec.containers.values())
          if (!cr.current && cr.waiting?.message?.startsWith('MountVolume.SetUp failed'))
            cr.waiting = { reason: initial };
      }
      rec.volumesUp = true;
      return true;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.o.log.warn({ pod: rec.key, err: message }, 'volume set-up failed');
      this.events.emit(pod, 'Warning', 'FailedMount', message);
      if (rec.volumesUp) return true;
      for (const cr of rec.containers.values()) if (!cr.current) cr.waiting = { reason: 'ContainerCreating', message };
      await this.report(pod, rec, 'Pending');
      return false;
    }
  }

  /** Starts or restarts one container as its state and the restart policy require; returns a requeue delay when waiting. */
  private async ensureContainer(
    pod: PodObject,
    sandbox: Sandbox,
    c: Container,
    cr: ContainerRecord,
    restartPolicy: string,
  ): Promise<number | undefined> {
    this.refresh(cr);
    const cur = cr.current;
    if (cur && cur.status !== 'exited') return undefined;
    if (cur) {
      const restart = restartPolicy === 'Always' || (restartPolicy === 'OnFailure' && cur.exitCode !== 0);
      if (!restart) return undefined;
      const backoff = restartBackoffMs(cr.restartCount);
      const wait = Date.parse(cur.finishedAt ?? '') + backoff - this.clock().getTime();
      if (wait > 0) {
        cr.waiting = {
          reason: 'CrashLoopBackOff',
          message: `back-off ${Math.round(backoff / 1000)}s restarting failed container=${c.name} pod=${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})`,
        };
        this.events.emit(
          pod,
          'Warning',
          'BackOff',
          `Back-off restarting failed container ${c.name} in pod ${podDescription(pod)}`,
          c.name,
        );
        return wait;
      }
    }
    // imagePullPolicy; the Pulling/Pulled (or "already present") events come from there.
    const pulled = await this.pulls.ensureImage(pod, c);
    if ('waiting' in pulled) {
      cr.waiting = pulled.waiting;
      return pulled.retryMs;
    }
    const image = pulled.image;
    const attempt = cur ? cur.attempt + 1 : 0;
    try {
      const podIP = needsPodIP(c) ? await sandbox.attached : sandbox.ip;
      const state = await this.o.runtime.startContainer(
        sandbox,
        await this.containerSpec(pod, podIP, c, image, attempt),
      );
      this.events.emit(pod, 'Normal', 'Created', `Created container ${c.name}`, c.name);
      this.events.emit(pod, 'Normal', 'Started', `Started container ${c.name}`, c.name);
      if (cur) {
        if (cr.previous) await this.o.runtime.removeContainer(cr.previous.id);
        cr.previous = cur;
        cr.restartCount++;
      }
      cr.current = state;
      cr.imageID = image.id;
      cr.waiting = undefined;
      if (c.lifecycle?.postStart && state.status === 'running') await this.postStart(pod, sandbox, c, state.id);
      return undefined;
    } catch (err) {
      this.o.log.warn(
        { pod: `${pod.metadata.namespace}/${pod.metadata.name}`, container: c.name, err: String(err) },
        'container start failed',
      );
      this.events.emit(pod, 'Warning', 'Failed', `Error: ${err instanceof Error ? err.message : String(err)}`, c.name);
      const config = err instanceof ContainerConfigError || err instanceof ContainerMountError; // missing configMap/secret/key, bad subPath
      cr.waiting = {
        reason: config ? 'CreateContainerConfigError' : 'CreateContainerError',
        message: String(err instanceof Error ? err.message : err),
      };
      return 10_000;
    }
  }

  /**
   * Runs a started container's postStart hook; when it fails the container is killed (event
   * FailedPostStartHook) and the restart policy takes over, as in kubelet.
   */
  private async postStart(pod: PodObject, sandbox: Sandbox, c: Container, id: string): Promise<void> {
    const hook = c.lifecycle?.postStart;
    if (!hook) return;
    const podIP = hook.httpGet ? await sandbox.attached.catch(() => '') : sandbox.ip;
    const err = await runHook(
      'PostStart',
      hook,
      pod,
      c,
      { podIP, exec: (args, t) => this.o.runtime.exec(id, args, t) },
      POST_START_TIMEOUT_MS,
    );
    if (!err) return;
    this.events.emit(pod, 'Warning', 'FailedPostStartHook', err, c.name);
    this.events.emit(pod, 'Normal', 'Killing', `FailedPostStartHook`, c.name);
    await this.o.runtime.stopContainer(id, (pod.spec?.terminationGracePeriodSeconds ?? 30) * 1000);
  }

  /** What hooks need to reach a container of a pod. */
  private hookTarget(rec: PodRecord, id: string): HookTarget {
    return { podIP: rec.sandbox?.ip ?? '', exec: (args, t) => this.o.runtime.exec(id, args, t) };
  }

  /** The runtime's spec of one container attempt (id `<pod uid>-<name>-<attempt>`). Pure but for the image's layer dirs. */
  private async containerSpec(
    pod: PodObject,
    podIP: string,
    c: Container,
    image: ImageRecord,
    attempt: number,
  ): Promise<ContainerSpec> {
    const env = buildContainerEnv({
      pod,
      container: c,
      image: image.config,
      podIP,
      hostIP: this.o.hostIP,
      objects: this.o.objects,
    });
    const uid = pod.metadata.uid ?? '';
    const nonRoot = runAsNonRootError(pod, c, image.config.user);
    if (nonRoot) throw new ContainerConfigError(nonRoot);
    const mounts = await this.volumes.containerMounts(uid, c, env);
    return {
      id: `${uid}-${c.name}-${attempt}`,
      podUid: uid,
      name: c.name,
      attempt,
      env,
      args: containerArgs(c, image.config, env),
      workingDir: c.workingDir ?? image.config.workingDir,
      user: containerUser(pod, c, image.config),
      layers: await this.o.images.layerDirs(image),
      logPath: join(c.name, `${attempt}.log`),
      resources: containerResources(c),
      mounts,
      stdin: c.stdin === true,
      stdinOnce: c.stdinOnce === true,
      tty: c.tty === true,
      security: containerSecurity(pod, c, { seccompDefault: this.o.seccompDefault }),
    };
  }

  /** Starts the probes of a newly running container, stops those of exited ones, copies their results into the record. */
  private syncProbes(pod: PodObject, rec: PodRecord, c: Container, cr: ContainerRecord): void {
    const cur = cr.current;
    for (const [id, p] of this.probes) {
      if (id.startsWith(`${rec.uid}-${c.name}-`) && (id !== cur?.id || cur.status !== 'running')) {
        p.stop();
        this.probes.delete(id);
      }
    }
    if (cur?.status !== 'running' || !(c.startupProbe || c.livenessProbe || c.readinessProbe)) {
      cr.ready = undefined;
      cr.started = undefined;
      return;
    }
    let p = this.probes.get(cur.id);
    if (!p) {
      const id = cur.id;
      const grace = (pod.spec?.terminationGracePeriodSeconds ?? 30) * 1000;
      p = new ContainerProbes({
        container: c,
        startedAtMs: Date.parse(cur.startedAt ?? '') || this.clock().getTime(),
        log: this.o.log,
        target: { podIP: rec.sandbox?.ip ?? '', exec: (args, timeoutMs) => this.o.runtime.exec(id, args, timeoutMs) },
        onChange: () => this.o.requeue?.(rec.key),
        onFailure: (kind, message) =>
          this.events.emit(
            pod,
            'Warning',
            'Unhealthy',
            `${kind[0]?.toUpperCase()}${kind.slice(1)} probe failed: ${message}`,
            c.name,
          ),
        onUnhealthy: (kind) => {
          this.events.emit(
            pod,
            'Normal',
            'Killing',
            `Container ${c.name} failed ${kind} probe, will be restarted`,
            c.name,
          );
          const onHookFailed = (m: string): void => this.events.emit(pod, 'Warning', 'FailedPreStopHook', m, c.name);
          void stopGracefully({
            runtime: this.o.runtime,
            pod,
            id,
            container: c,
            target: this.hookTarget(rec, id),
            graceMs: grace,
            onHookFailed,
          }).catch((err: unknown) =>
            this.o.log.warn({ id, err: String(err) }, 'stopping an unhealthy container failed'),
          );
        },
      });
      this.probes.set(id, p);
      p.start();
    }
    cr.ready = p.ready;
    cr.started = p.started;
  }

  /** Takes the runtime's latest state of the record's current container (exits arrive there first). */
  private refresh(cr: ContainerRecord): void {
    if (!cr.current) return;
    const id = cr.current.id;
    const latest = this.o.runtime.listContainers(cr.current.podUid).find((s: ContainerState) => s.id === id);
    if (latest) cr.current = latest;
  }

  private async report(
    pod: PodObject,
    rec: PodRecord,
    phase: 'Pending' | 'Running' | 'Succeeded' | 'Failed',
  ): Promise<void> {
    const containers = (pod.spec?.containers ?? [])
      .map((c) => rec.containers.get(c.name))
      .filter((c): c is ContainerRecord => c !== undefined);
    const inits = pod.spec?.initContainers ?? [];
    const initContainers = inits
      .map((c) => rec.containers.get(c.name))
      .filter((c): c is ContainerRecord => c !== undefined);
    const initPending =
      initProgress(inits, pod.spec?.containers ?? [], rec.containers, 'Always').state === 'done'
        ? []
        : pendingInitContainers(inits, rec.containers);
    const status = buildPodStatus({
      pod,
      containers,
      initContainers,
      initPending,
      podIP: rec.sandbox?.ip ?? pod.status?.podIP,
      hostIP: this.o.hostIP,
      startTime: rec.startTime,
      phase,
      now: rfc3339(this.clock()),
    });
    const json = JSON.stringify(status);
    if (json === rec.lastStatus) return;
    try {
      await this.o.client.patch(
        PODS,
        pod.metadata.namespace ?? '',
        pod.metadata.name ?? '',
        'merge',
        { status },
        { subresource: 'status' },
      );
      rec.lastStatus = json;
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  /**
   * Stops and removes every container of the pod: with the pod's spec (deletion) gracefully, each
   * running one with its preStop hook, SIGTERM, SIGKILL after what is left of graceMs (event
   * Killing); without it (pod gone) SIGTERM, SIGKILL after graceMs.
   */
  private async teardownContainers(rec: PodRecord, graceMs: number, pod?: PodObject): Promise<void> {
    const rt = this.o.runtime;
    for (const [id, p] of this.probes)
      if (id.startsWith(`${rec.uid}-`)) {
        p.stop();
        this.probes.delete(id);
      }
    const specs = [...(pod?.spec?.initContainers ?? []), ...(pod?.spec?.containers ?? [])];
    await Promise.all(
      rt.listContainers(rec.uid).map(async (s) => {
        if (!pod || s.status !== 'running') return rt.stopContainer(s.id, graceMs);
        this.events.emit(pod, 'Normal', 'Killing', `Stopping container ${s.name}`, s.name);
        const onHookFailed = (m: string): void => this.events.emit(pod, 'Warning', 'FailedPreStopHook', m, s.name);
        return stopGracefully({
          runtime: rt,
          pod,
          id: s.id,
          container: specs.find((c) => c.name === s.name),
          target: this.hookTarget(rec, s.id),
          graceMs,
          onHookFailed,
        });
      }),
    );
    for (const c of rt.listContainers(rec.uid)) await rt.removeContainer(c.id);
  }

  /** Stops (SIGTERM, then SIGKILL after graceMs) and removes every container, the sandbox and the pod's files; forgets the pod. */
  private async teardown(rec: PodRecord, graceMs: number, pod?: PodObject): Promise<void> {
    const rt = this.o.runtime;
    await this.teardownContainers(rec, graceMs, pod);
    await rt.removeSandbox(rec.uid);
    if (rec.podDir) await this.volumes.tearDown(rec.uid, rec.podDir); // tmpfs unmounted before the dir goes
    if (rec.podDir) await rm(rec.podDir, { recursive: true, force: true });
    this.pods.delete(rec.key);
    this.keysByUid.delete(rec.uid);
  }
}
