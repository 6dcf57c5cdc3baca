import { randomBytes } from 'node:crypto';
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { ImageStore } from './image-store.js';
import { imageConfigFrom, type ImageConfigJson, type ImageRecord, type ManifestJson } from './image-types.js';
import type { ArchiveBlob } from './read-archive.js';
import { EMPTY_REGISTRIES, type RegistriesConfig } from './registries-config.js';
import { credentialFor, type DockerAuthEntry, type RegistryCredential } from './registry/docker-config.js';
import { registryEndpoints, type RegistryEndpoint } from './registry/endpoints.js';
import { parseImageName, type ImageName } from './registry/image-name.js';
import { parseManifest, selectPlatform } from './registry/media-types.js';
import { RegistryClient, RegistryError } from './registry/registry-client.js';

export interface ImagePullerOptions {
  store: ImageStore;
  /** Mirrors, credentials and TLS per endpoint (`<data-dir>/registries.yaml`); default none. */
  registries?: RegistriesConfig;
  log: Logger;
  /** Layers downloaded at once per image (default 3). */
  concurrency?: number;
  /** Per-request header and body-chunk timeout (default 30 s). */
  timeoutMs?: number;
  /**
   * Hears how each pull goes (a person's terminal: `flotilla images pull`, `flotilla up`): once the
   * manifest is read, as each layer completes, at most every progressIntervalMs while bytes arrive,
   * and at the end. Unset: nothing reported.
   */
  onProgress?: (p: PullProgress) => void;
  /** Least time between two byte-count reports of one pull (default 1000 ms). */
  progressIntervalMs?: number;
}

/** Where one pull stands. Layers already in the content store are not counted (nothing to fetch). */
export interface PullProgress {
  /** The full reference, e.g. `docker.io/library/nginx:1.25`. */
  image: string;
  /** Layers to download, and how many are complete. */
  layers: number;
  layersDone: number;
  /** Bytes of those layers (from the manifest), and how many have arrived. */
  bytes: number;
  bytesDone: number;
  /** Milliseconds since the pull started. */
  elapsedMs: number;
  /** The last report of this pull (the image is stored). */
  done: boolean;
}

export interface PullOptions {
  /** Credentials from the pod's imagePullSecrets (docker config entries); tried before registries.yaml's for the registry's own endpoint. */
  secrets?: DockerAuthEntry[];
}

/** Why a pull failed, worded for the pod's waiting message and the Failed event. */
export class PullError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'PullError';
  }
}

/**
 * Pulls images from registries into the content store:
 *
 *   ref --> endpoints (mirrors, then the registry) --> manifest (index: linux/amd64 entry)
 *       --> config + layers (a few at once, digests checked, blobs already stored skipped)
 *       --> ImageStore.addImage (unpacked later, once per layer, by layerDirs)
 *
 * Concurrent pulls of one reference with the same credentials share one download.
 */
export class ImagePuller {
  private readonly inflight = new Map<string, Promise<ImageRecord>>();

  constructor(private readonly o: ImagePullerOptions) {}

  /** Pulls `ref` (any form: `busybox`, `host:5000/app:v1`, `...@sha256:`); the stored record. Rejects with PullError. */
  pull(ref: string, opts: PullOptions = {}): Promise<ImageRecord> {
    const name = (() => {
      try {
        return parseImageName(ref);
      } catch (err) {
        throw new PullError((err as Error).message);
      }
    })();
    const key = `${name.ref}\0${JSON.stringify(opts.secrets ?? [])}`;
    let p = this.inflight.get(key);
    if (!p) {
      p = this.pullOnce(name, opts).finally(() => this.inflight.delete(key));
      this.inflight.set(key, p);
    }
    return p;
  }

  private async pullOnce(name: ImageName, opts: PullOptions): Promise<ImageRecord> {
    const endpoints = registryEndpoints(name.host, this.o.registries ?? EMPTY_REGISTRIES);
    let last: unknown;
    for (const ep of endpoints) {
      const client = new RegistryClient({
        endpoint: ep,
        repository: name.repository,
        credential: this.credential(ep, name, opts),
        timeoutMs: this.o.timeoutMs,
      });
      try {
        const t0 = performance.now();
        const image = await this.pullFrom(client, name);
        this.o.log.info(
          { image: name.ref, endpoint: ep.url, ms: Math.round(performance.now() - t0), size: image.size },
          'image pulled',
        );
        return image;
      } catch (err) {
        last = err;
        this.o.log.info({ image: name.ref, endpoint: ep.url, err: String(err) }, 'pull from endpoint failed');
      } finally {
        await client.close();
      }
    }
    const msg = last instanceof Error ? last.message : String(last);
    throw new PullError(
      `failed to pull and unpack image "${name.ref}": ${msg}`,
      last instanceof RegistryError ? last.status : undefined,
    );
  }

  /**
   * The registry's own endpoint: the pod's pull secrets for the registry host, else the endpoint's
   * registries.yaml auth. A mirror: its registries.yaml auth, else a pull secret for the mirror's host.
   */
  private credential(ep: RegistryEndpoint, name: ImageName, opts: PullOptions): RegistryCredential | undefined {
    const secrets = opts.secrets ?? [];
    const fromSecret = ep.mirror
      ? credentialFor(secrets, ep.host, name.repository)
      : credentialFor(secrets, name.host, name.repository);
    const a = ep.config?.auth;
    let fromConfig: RegistryCredential | undefined;
    if (a?.username) fromConfig = { username: a.username, password: a.password ?? '' };
    else if (a?.auth) {
      const decoded = Buffer.from(a.auth, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon > 0) fromConfig = { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
    }
    return ep.mirror ? (fromConfig ?? fromSecret) : (fromSecret ?? fromConfig);
  }

  /** The progress of one pull, reported to onProgress (bytes throttled); no-ops without it. */
  private progress(name: ImageName, toFetch: { size?: number }[]) {
    const report = this.o.onProgress;
    const interval = this.o.progressIntervalMs ?? 1000;
    const t0 = performance.now();
    const p: PullProgress = {
      image: name.ref,
      layers: toFetch.length,
      layersDone: 0,
      bytes: toFetch.reduce((n, l) => n + (l.size ?? 0), 0),
      bytesDone: 0,
      elapsedMs: 0,
      done: false,
    };
    let last = t0;
    const emit = () => {
      last = performance.now();
      report?.({ ...p, elapsedMs: Math.round(last - t0) });
    };
    emit();
    return {
      bytes: (n: number) => {
        p.bytesDone += n;
        if (report && performance.now() - last >= interval) emit();
      },
      layerDone: () => {
        p.layersDone++;
        emit();
      },
      finish: () => {
        p.done = true;
        emit();
      },
    };
  }

  private async pullFrom(client: RegistryClient, name: ImageName): Promise<ImageRecord> {
    let fetched = await client.getManifest(name.reference);
    if (name.digest && fetched.digest !== name.digest)
      throw new RegistryError(`manifest ${name.digest}: the content received has digest ${fetched.digest}`);
    let parsed = parseManifest(fetched.body, fetched.contentType);
    if (parsed.kind === 'index') {
      const entry = selectPlatform(parsed.index);
      fetched = await client.getManifest(entry.digest);
      if (fetched.digest !== entry.digest)
        throw new RegistryError(`manifest ${entry.digest}: the content received has digest ${fetched.digest}`);
      parsed = parseManifest(fetched.body, fetched.contentType);
      if (parsed.kind !== 'manifest')
        throw new RegistryError(`manifest ${entry.digest} for linux/amd64 is an index, not an image manifest`);
    }
    const manifest: ManifestJson = parsed.manifest;
    const store = this.o.store;
    const tmp = join(store.root, 'tmp', `pull-${randomBytes(6).toString('hex')}`);
    await mkdir(tmp, { recursive: true });
    // Blobs found in the store are reused as they are: no prune may delete them before the record lands.
    const release = store.hold([manifest.config.digest, ...manifest.layers.map((l) => l.digest)]);
    try {
      const configBody = await client.getSmallBlob(manifest.config.digest);
      const config = imageConfigFrom(JSON.parse(configBody.toString('utf8')) as ImageConfigJson);
      const configFile = join(tmp, 'config');
      await writeFile(configFile, configBody);
      const blobs: ArchiveBlob[] = [{ digest: manifest.config.digest, path: configFile, layer: false }];
      // Unique layers (a manifest may repeat one), each downloaded once.
      const layers = [
        ...new Map(
          manifest.layers.map((l) => [l.digest, { ...l, path: join(tmp, l.digest.replace(':', '-')) }]),
        ).values(),
      ];
      const stored = (digest: string) => join(store.root, 'blobs', 'sha256', digest.replace(/^sha256:/, ''));
      const missing = new Set<string>();
      for (const l of layers) {
        if (await exists(stored(l.digest)))
          l.path = stored(l.digest); // content-addressed and checked when it was written
        else missing.add(l.digest);
      }
      const progress = this.progress(
        name,
        layers.filter((l) => missing.has(l.digest)),
      );
      await eachLimited(layers, this.o.concurrency ?? 3, async (l) => {
        if (!missing.has(l.digest)) return;
        await client.getBlob(l.digest, l.path, l.size, progress.bytes);
        progress.layerDone();
      });
      for (const l of layers)
        if (l.digest !== manifest.config.digest) blobs.push({ digest: l.digest, path: l.path, layer: true });
      const image = await store.addImage(
        {
          names: [name.ref],
          manifestDigest: fetched.digest,
          configDigest: manifest.config.digest,
          layerDigests: manifest.layers.map((l) => l.digest),
          config,
          blobs,
        },
        { verified: true, source: 'pull' },
      );
      progress.finish();
      return image;
    } finally {
      release();
      await rm(tmp, { recursive: true, force: true });
    }
  }
}

/** Runs `fn` over `items` with at most `limit` running at once; rejects with the first failure (after the running ones settle). */
async function eachLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed: unknown;
  const worker = async (): Promise<void> => {
    while (next < items.length && failed === undefined) {
      const item = items[next++] as T;
      try {
        await fn(item);
      } catch (err) {
        failed ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failed !== undefined) throw failed;
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}
