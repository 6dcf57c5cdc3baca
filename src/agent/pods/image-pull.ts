import type { Container, Pod, Secret } from 'kubernetes-types/core/v1.js';
import type { Logger } from 'pino';
import type { KubeObject } from '../../api/object.js';
import { isNotFound } from '../../machinery/client/client-error.js';
import type { KubeClient } from '../../machinery/client/kube-client.js';
import type { EventType } from '../../machinery/events/event-recorder.js';
import type { ImageRecord, ImageService } from '../images/image-types.js';
import type { PullOptions } from '../images/pull-image.js';
import { parseDockerConfig, type DockerAuthEntry } from '../images/registry/docker-config.js';
import { parseImageName } from '../images/registry/image-name.js';
import type { PodEventSink } from './pod-events.js';
import { SECRETS } from '../../machinery/resources/well-known.js';

export type PullPolicy = 'Always' | 'IfNotPresent' | 'Never';

/** What starting a container needs from the image: the image, or a waiting state and when to try again. */
export type ImageOutcome = { image: ImageRecord } | { waiting: { reason: string; message: string }; retryMs: number };

/** The registry side (images/pull-image.ts's ImagePuller). */
export interface RegistryPuller {
  pull(ref: string, opts?: PullOptions): Promise<ImageRecord>;
}

export interface PodImagePullerOptions {
  images: ImageService;
  /** Registry pulls; undefined = this node has none (images must be imported). */
  puller?: RegistryPuller;
  /** Reads the pods' imagePullSecrets. */
  client: KubeClient;
  /** Pulling / Pulled / Failed / BackOff events on the Pod, about the container (the pod workers' PodEvents). */
  events?: PodEventSink;
  log: Logger;
  /** Milliseconds since the epoch (tests). */
  now?: () => number;
}

/**
 * Kubernetes' default pull policy: Always when the tag is `latest` or missing (and no digest
 * pins the image), else IfNotPresent; an explicit imagePullPolicy wins. Pure.
 */
export function pullPolicyOf(c: Container): PullPolicy {
  const explicit = c.imagePullPolicy;
  if (explicit === 'Always' || explicit === 'IfNotPresent' || explicit === 'Never') return explicit;
  const ref = c.image ?? '';
  if (ref.includes('@')) return 'IfNotPresent';
  const lastSlash = ref.lastIndexOf('/');
  const colon = ref.indexOf(':', lastSlash + 1);
  const tag = colon < 0 ? '' : ref.slice(colon + 1);
  return tag === '' || tag === 'latest' ? 'Always' : 'IfNotPresent';
}

/** The image-pull back-off after `failures` failed pulls (1 or more): 10 s doubling, at most 5 min. Pure. */
export function imagePullBackoffMs(failures: number): number {
  return Math.min(10_000 * 2 ** Math.max(0, failures - 1), 300_000);
}

interface Backoff {
  failures: number;
  until: number;
  message: string;
  reported: boolean;
}

/**
 * The kubelet's image manager for the pod workers: applies imagePullPolicy, pulls with the pod's
 * imagePullSecrets, records the events `kubectl describe pod` shows, and keeps a per-pod,
 * per-image back-off (ErrImagePull, then ImagePullBackOff until the next try).
 *
 * Imported images (`flotilla images import`, no `source`) are this node's offline copy: policy
 * Always uses them without asking a registry, so machines without registry access run them.
 */
export class PodImagePuller {
  private readonly backoffs = new Map<string, Backoff>();
  private readonly now: () => number;

  constructor(private readonly o: PodImagePullerOptions) {
    this.now = o.now ?? Date.now;
  }

  /** The image a container will use when that needs no registry (to prepare its bundle early); undefined otherwise. */
  async localImage(c: Container): Promise<ImageRecord | undefined> {
    const present = await this.o.images.resolve(c.image ?? '').catch(() => undefined);
    if (!present) return undefined;
    const policy = pullPolicyOf(c);
    return policy === 'Always' && present.source === 'pull' ? undefined : present;
  }

  /** The image to start `c` from, pulled if the policy says so; or the waiting state to report. Never throws. */
  async ensureImage(pod: KubeObject & Pod, c: Container): Promise<ImageOutcome> {
    const ref = c.image ?? '';
    try {
      parseImageName(ref);
    } catch (err) {
      const message = `Failed to apply default image tag "${ref}": ${(err as Error).message}`;
      this.event(pod, c, 'Warning', 'InspectFailed', message);
      return { waiting: { reason: 'InvalidImageName', message }, retryMs: 60_000 };
    }
    const policy = pullPolicyOf(c);
    const present = await this.o.images.resolve(ref).catch(() => undefined);
    if (present && (policy !== 'Always' || present.source !== 'pull')) {
      this.event(pod, c, 'Normal', 'Pulled', `Container image "${ref}" already present on machine`);
      return { image: present };
    }
    if (policy === 'Never') {
      const message = `Container image "${ref}" is not present with pull policy of Never`;
      this.event(pod, c, 'Warning', 'ErrImageNeverPull', message);
      return { waiting: { reason: 'ErrImageNeverPull', message }, retryMs: 10_000 };
    }
    const key = `${pod.metadata.uid ?? ''}/${ref}`;
    const b = this.backoffs.get(key);
    const now = this.now();
    if (b && now < b.until) {
      if (!b.reported) this.event(pod, c, 'Normal', 'BackOff', `Back-off pulling image "${ref}"`);
      b.reported = true;
      return {
        waiting: { reason: 'ImagePullBackOff', message: `Back-off pulling image "${ref}": ErrImagePull: ${b.message}` },
        retryMs: b.until - now,
      };
    }
    this.event(pod, c, 'Normal', 'Pulling', `Pulling image "${ref}"`);
    const t0 = this.now();
    try {
      if (!this.o.puller)
        throw new Error('this node pulls no images from registries (import them with flotilla images import)');
      const image = await this.o.puller.pull(ref, { secrets: await this.pullSecrets(pod, c) });
      this.backoffs.delete(key);
      this.event(
        pod,
        c,
        'Normal',
        'Pulled',
        `Successfully pulled image "${ref}" in ${((this.now() - t0) / 1000).toFixed(3)}s. Image size: ${image.size} bytes.`,
      );
      return { image };
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const failures = (b?.failures ?? 0) + 1;
      const wait = imagePullBackoffMs(failures);
      this.prune(now);
      this.backoffs.set(key, { failures, until: this.now() + wait, message, reported: false });
      this.o.log.info(
        { pod: `${pod.metadata.namespace}/${pod.metadata.name}`, image: ref, failures, err: message },
        'image pull failed',
      );
      this.event(pod, c, 'Warning', 'Failed', `Failed to pull image "${ref}": ${message}`);
      this.event(pod, c, 'Warning', 'Failed', 'Error: ErrImagePull');
      return { waiting: { reason: 'ErrImagePull', message }, retryMs: wait };
    }
  }

  /** Docker config entries from the pod's imagePullSecrets; missing or malformed secrets are reported and skipped (as the kubelet does). */
  private async pullSecrets(pod: KubeObject & Pod, c: Container): Promise<DockerAuthEntry[]> {
    const names = (pod.spec?.imagePullSecrets ?? []).map((s) => s.name ?? '').filter(Boolean);
    const out: DockerAuthEntry[] = [];
    const missing: string[] = [];
    for (const name of names) {
      try {
        const secret = await this.o.client.get<KubeObject & Secret>(SECRETS, pod.metadata.namespace ?? 'default', name);
        const data = secret.data ?? {};
        const text = secret.type === 'kubernetes.io/dockercfg' ? data['.dockercfg'] : data['.dockerconfigjson'];
        if (!text)
          throw new Error(
            `secret ${name} has no ${secret.type === 'kubernetes.io/dockercfg' ? '.dockercfg' : '.dockerconfigjson'} key`,
          );
        out.push(...parseDockerConfig(Buffer.from(text, 'base64').toString('utf8')));
      } catch (err) {
        if (!isNotFound(err)) this.o.log.warn({ secret: name, err: String(err) }, 'image pull secret not usable');
        missing.push(`"${name}"`);
      }
    }
    if (missing.length) {
      this.event(
        pod,
        c,
        'Warning',
        'FailedToRetrieveImagePullSecret',
        `Unable to retrieve some image pull secrets (${missing.join(', ')}); attempting to pull the image may not succeed.`,
      );
    }
    return out;
  }

  /** Forgets back-offs that ended long ago (pods gone). */
  private prune(now: number): void {
    for (const [k, b] of this.backoffs) if (b.until < now - 600_000) this.backoffs.delete(k);
  }

  private event(pod: KubeObject & Pod, c: Container, type: EventType, reason: string, message: string): void {
    this.o.events?.emit(pod, type, reason, message, c.name);
  }
}
