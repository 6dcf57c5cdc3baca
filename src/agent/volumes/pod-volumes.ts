import { createHash } from 'node:crypto';
import { chmod, lstat, mkdir, realpath, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Container, PersistentVolume, PersistentVolumeClaim, Pod, Volume } from 'kubernetes-types/core/v1.js';
import type { Logger } from 'pino';
import type { ContainerMount } from '../runtime/container-runtime.js';
import { runCommand } from '../../machinery/exec/run-command.js';
import { mountPoints, unmountAllUnder } from '../runtime/oci/mounts.js';
import { mustParseQuantity } from '../../api/validation/quantity.js';
import { expandVars } from '../pods/container-env.js';
import { writeAtomic, type Payload } from './atomic-writer.js';
import { checkHostPath } from './host-path.js';
import { setVolumeOwnership } from './fs-group.js';
import type { ServiceAccountTokens } from './service-account-tokens.js';
import {
  configMapPayload,
  DEFAULT_MODE,
  downwardPayload,
  projectedPayload,
  secretPayload,
  type ObjectLookup,
} from './projections.js';

/** What volumes read from the API: configMaps, secrets (from caches), claims and volumes (fetched). */
export interface VolumeObjects extends ObjectLookup {
  claim(namespace: string, name: string): Promise<PersistentVolumeClaim | undefined>;
  volume(name: string): Promise<PersistentVolume | undefined>;
}

/** A volume that could not be set up; the message is the kubelet's FailedMount text. */
export class VolumeSetUpError extends Error {
  readonly code = 'VolumeSetUp';
  constructor(
    readonly volume: string,
    reason: string,
  ) {
    super(`MountVolume.SetUp failed for volume ${JSON.stringify(volume)} : ${reason}`);
  }
}

/** A container referenced a volume or subPath it cannot use (CreateContainerConfigError). */
export class ContainerMountError extends Error {
  readonly code = 'ContainerMount';
}

/** A pod volume on the host: its directory and whether containers always get it read-only (API data volumes). */
export interface VolumePath {
  path: string;
  readOnly: boolean;
}

/** `kubernetes.io~<plugin>` directory names, as the kubelet's. */
const PLUGIN_DIR = {
  emptyDir: 'kubernetes.io~empty-dir',
  configMap: 'kubernetes.io~configmap',
  secret: 'kubernetes.io~secret',
  downwardAPI: 'kubernetes.io~downward-api',
  projected: 'kubernetes.io~projected',
} as const;

export interface PodVolumesOptions {
  objects: VolumeObjects;
  /** Tokens of projected serviceAccountToken sources (the TokenRequest API). */
  tokens: ServiceAccountTokens;
  log: Logger;
}

/**
 * The kubelet's volume manager, per node: sets up a pod's volumes under
 * `<pod dir>/volumes/<plugin>/<volume>` before its containers start, refreshes configMap, secret,
 * downwardAPI and projected contents on every call (atomically, so running containers see updates),
 * and tears them down (tmpfs unmounted) with the pod.
 *
 *   emptyDir          -> a directory (medium Memory: tmpfs, size = sizeLimit)
 *   hostPath          -> the host path itself, after its type check
 *   configMap         -> files written atomically (..data symlink swap), read-only
 *   secret, downwardAPI, projected -> the same on a tmpfs (projected tokens from the TokenRequest API,
 *                     renewed at 80 % of their life: see refreshDueInMs)
 *   persistentVolumeClaim -> the bound PV's local.path or hostPath.path
 */
export class PodVolumes {
  /** tmpfs mount points known to be mounted. */
  private readonly tmpfs = new Set<string>();
  /** Hash of the payload last written per volume dir (skips rewriting unchanged contents). */
  private readonly written = new Map<string, string>();
  /** Each pod's volume paths from its last successful setUp, by pod uid. */
  private readonly paths = new Map<string, Map<string, VolumePath>>();
  /** Claim volumes resolved to their PV path, by `<pod uid>/<volume>`. */
  private readonly claims = new Map<string, VolumePath>();
  /** Claims (`<pod uid>/<volume>`) bound to a local PV: fsGroup applies to them, not to hostPath PVs. */
  private readonly localClaims = new Set<string>();
  /** `<pod uid> <volume dir>` whose fsGroup ownership is set (again after its contents are rewritten). */
  private readonly owned = new Set<string>();

  constructor(private readonly o: PodVolumesOptions) {}

  /**
   * Sets up (or refreshes) every volume of the pod; resolves with each volume's host path by name.
   * Throws VolumeSetUpError for the first volume that cannot be set up (missing configMap, bad
   * hostPath, unbound claim...). Idempotent: called on every sync of the pod. The paths are kept
   * for containerMounts.
   */
  async setUp(pod: Pod, podDir: string): Promise<Map<string, VolumePath>> {
    const out = new Map<string, VolumePath>();
    for (const v of pod.spec?.volumes ?? []) {
      try {
        const vp = await this.setUpOne(pod, podDir, v);
        // fsGroup: the volume types whose plugins manage ownership in the kubelet: not hostPath
        // volumes nor hostPath PVs, local PVs only when writable.
        const claim = v.persistentVolumeClaim
          ? !vp.readOnly && this.localClaims.has(`${pod.metadata?.uid ?? ''}/${v.name}`)
          : true;
        if (!v.hostPath && claim) await this.ownership(pod, vp);
        out.set(v.name, vp);
      } catch (err) {
        if (err instanceof VolumeSetUpError) throw err;
        throw new VolumeSetUpError(v.name, err instanceof Error ? err.message : String(err));
      }
    }
    this.paths.set(pod.metadata?.uid ?? '', out);
    return out;
  }

  private async setUpOne(pod: Pod, podDir: string, v: Volume): Promise<VolumePath> {
    const dir = (plugin: keyof typeof PLUGIN_DIR): string => join(podDir, 'volumes', PLUGIN_DIR[plugin], v.name);
    const ns = pod.metadata?.namespace ?? '';
    if (v.emptyDir) {
      const d = dir('emptyDir');
      if (v.emptyDir.medium === 'Memory') await this.ensureTmpfs(d, 0o777, v.emptyDir.sizeLimit);
      else await mkdir(d, { recursive: true });
      // 0777 once (a chmod on every sync would clear the setgid bit fsGroup ownership sets).
      if (((await stat(d)).mode & 0o777) !== 0o777) await chmod(d, (await stat(d)).mode | 0o777);
      return { path: d, readOnly: false };
    }
    if (v.hostPath) {
      await checkHostPath(v.hostPath.path, v.hostPath.type);
      return { path: v.hostPath.path, readOnly: false };
    }
    if (v.configMap) {
      const payload = configMapPayload(pod, v.configMap, this.o.objects);
      return { path: await this.project(dir('configMap'), payload, false), readOnly: true };
    }
    if (v.secret) {
      const payload = secretPayload(pod, v.secret, this.o.objects);
      return { path: await this.project(dir('secret'), payload, true), readOnly: true };
    }
    if (v.downwardAPI) {
      const payload = downwardPayload(
        pod,
        v.downwardAPI.items,
        v.downwardAPI.defaultMode ?? DEFAULT_MODE,
        this.o.objects.nodeAllocatable(),
      );
      return { path: await this.project(dir('downwardAPI'), payload, true), readOnly: true };
    }
    if (v.projected) {
      const tokens = new Map<string, string>();
      for (const src of v.projected.sources ?? [])
        if (src.serviceAccountToken)
          tokens.set(src.serviceAccountToken.path, await this.o.tokens.get(pod, src.serviceAccountToken));
      const payload = projectedPayload(pod, v.projected, this.o.objects, tokens);
      return { path: await this.project(dir('projected'), payload, true), readOnly: true };
    }
    if (v.persistentVolumeClaim) {
      // A claim's binding does not change under a pod: resolved once (no API reads on every sync).
      const key = `${pod.metadata?.uid ?? ''}/${v.name}`;
      const known = this.claims.get(key);
      if (known) return known;
      const name = v.persistentVolumeClaim.claimName;
      const claim = await this.o.objects.claim(ns, name);
      if (!claim) throw new Error(`persistentvolumeclaim ${JSON.stringify(name)} not found`);
      const pvName = claim.spec?.volumeName ?? '';
      if (claim.status?.phase !== 'Bound' || !pvName)
        throw new Error(
          `PVC ${ns}/${name} has non-bound phase (${JSON.stringify(claim.status?.phase ?? '')}) or empty pvc.Spec.VolumeName (${JSON.stringify(pvName)})`,
        );
      const pv = await this.o.objects.volume(pvName);
      if (!pv) throw new Error(`persistentvolume ${JSON.stringify(pvName)} not found`);
      const path = pv.spec?.local?.path ?? pv.spec?.hostPath?.path;
      if (!path)
        throw new Error(
          `persistentvolume ${JSON.stringify(pvName)} is neither local nor hostPath: not supported on this node`,
        );
      await checkHostPath(path, pv.spec?.local ? 'Directory' : pv.spec?.hostPath?.type);
      const resolved = { path, readOnly: !!v.persistentVolumeClaim.readOnly };
      if (pv.spec?.local) this.localClaims.add(key);
      this.claims.set(key, resolved);
      return resolved;
    }
    throw new Error(
      'volume type not supported by flotilla (emptyDir, hostPath, configMap, secret, downwardAPI, projected, persistentVolumeClaim are)',
    );
  }

  /**
   * Gives a volume the pod's fsGroup (group ownership and group permission bits, setgid
   * directories; fsGroupChangePolicy OnRootMismatch skips a root that already looks right), once
   * per set-up of its contents. Nothing without fsGroup.
   */
  private async ownership(pod: Pod, vp: VolumePath): Promise<void> {
    const fsGroup = pod.spec?.securityContext?.fsGroup;
    const key = `${pod.metadata?.uid ?? ''} ${vp.path}`;
    if (fsGroup === undefined || this.owned.has(key)) return;
    await setVolumeOwnership(vp.path, fsGroup, vp.readOnly, pod.spec?.securityContext?.fsGroupChangePolicy);
    this.owned.add(key);
  }

  /** Writes a payload atomically into dir (on a tmpfs when `memory`) unless the same was written last time. */
  private async project(d: string, payload: Payload, memory: boolean): Promise<string> {
    if (memory) await this.ensureTmpfs(d, 0o755);
    const hash = createHash('sha256');
    for (const [p, f] of [...payload].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      hash.update(`${p}\0${f.mode}\0${f.data.length}\0`).update(f.data);
    const digest = hash.digest('hex');
    if (this.written.get(d) === digest) return d;
    if (await writeAtomic(d, payload)) {
      this.o.log.debug({ dir: d }, 'volume contents written');
      for (const k of this.owned) if (k.endsWith(` ${d}`)) this.owned.delete(k); // new files: fsGroup ownership again
    }
    this.written.set(d, digest);
    return d;
  }

  /** Mounts a tmpfs on d (once; sizeLimit as its size). */
  private async ensureTmpfs(d: string, mode: number, sizeLimit?: string | number): Promise<void> {
    if (this.tmpfs.has(d)) return;
    await mkdir(d, { recursive: true });
    if (!(await mountPoints()).includes(d)) {
      const opts = [
        `mode=${mode.toString(8)}`,
        ...(sizeLimit !== undefined ? [`size=${Math.ceil(mustParseQuantity(sizeLimit))}`] : []),
      ];
      await runCommand('mount', ['-t', 'tmpfs', '-o', opts.join(','), 'tmpfs', d]);
    }
    this.tmpfs.add(d);
  }

  /**
   * Unmounts the pod's tmpfs volumes and removes its volume directories (emptyDir data included;
   * hostPath and PV contents are never touched: they are not under the pod dir). Idempotent.
   */
  async tearDown(podUid: string, podDir: string): Promise<void> {
    this.forget(podUid);
    const root = join(podDir, 'volumes');
    await unmountAllUnder(root);
    for (const d of [...this.tmpfs]) if (d.startsWith(`${root}/`)) this.tmpfs.delete(d);
    for (const d of [...this.written.keys()]) if (d.startsWith(`${root}/`)) this.written.delete(d);
    // Nothing may still be mounted under it when it is removed (a busy tmpfs is lazily unmounted above).
    if (!(await mountPoints()).some((m) => m.startsWith(`${root}/`))) await rm(root, { recursive: true, force: true });
  }

  /**
   * Unmounts the tmpfs volumes of a pod known only by uid (deleted while no agent ran: its pod dir
   * `<ns>_<name>_<uid>` cannot be named); the directories stay with the pod dir. Idempotent.
   */
  async tearDownOrphan(podUid: string): Promise<void> {
    const marker = `_${podUid}/volumes/`;
    for (const m of (await mountPoints()).filter((p) => p.includes(marker)).sort((a, b) => b.length - a.length))
      await unmountAllUnder(m);
    for (const d of [...this.tmpfs]) if (d.includes(marker)) this.tmpfs.delete(d);
    this.forget(podUid);
  }

  /**
   * Ms until one of the pod's projected tokens is due for renewal (the pod worker syncs the pod
   * then, and setUp writes the new token); undefined when the pod has none.
   */
  refreshDueInMs(podUid: string): number | undefined {
    return this.o.tokens.refreshDueInMs(podUid);
  }

  private forget(podUid: string): void {
    this.o.tokens.forget(podUid);
    this.paths.delete(podUid);
    for (const k of this.owned) if (k.startsWith(`${podUid} `)) this.owned.delete(k);
    for (const k of [...this.claims.keys()]) if (k.startsWith(`${podUid}/`)) this.claims.delete(k);
    for (const k of this.localClaims) if (k.startsWith(`${podUid}/`)) this.localClaims.delete(k);
  }

  /**
   * The bind mounts of one container: each volumeMount's volume path (with subPath, or subPathExpr
   * expanded from the container's env; the sub-directory made when missing and checked to stay in
   * the volume), read-only when asked or when the volume is API data; the volumes are those of the
   * pod's last setUp. Throws ContainerMountError.
   */
  async containerMounts(podUid: string, c: Container, env: string[]): Promise<ContainerMount[]> {
    const out: ContainerMount[] = [];
    const volumes = this.paths.get(podUid) ?? new Map<string, VolumePath>();
    const vars = new Map(env.map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
    for (const vm of c.volumeMounts ?? []) {
      const vol = volumes.get(vm.name);
      if (!vol)
        throw new ContainerMountError(
          `cannot find volume ${JSON.stringify(vm.name)} to mount into container ${JSON.stringify(c.name)}`,
        );
      let hostPath = vol.path;
      const sub = vm.subPathExpr !== undefined ? expandVars(vm.subPathExpr, (n) => vars.get(n)) : vm.subPath;
      if (sub) {
        if (sub.startsWith('/') || sub.split('/').includes('..'))
          throw new ContainerMountError(`subPath ${JSON.stringify(sub)} must be a relative path without '..'`);
        const root = await realpath(vol.path);
        const target = join(vol.path, sub);
        if (!(await lstat(target).catch(() => undefined))) await mkdir(target, { recursive: true, mode: 0o755 });
        hostPath = await realpath(target);
        if (hostPath !== root && !hostPath.startsWith(`${root}/`))
          throw new ContainerMountError(
            `subPath ${JSON.stringify(sub)} of volume ${JSON.stringify(vm.name)} leaves the volume`,
          );
      }
      out.push({ containerPath: vm.mountPath, hostPath, readOnly: !!vm.readOnly || vol.readOnly });
    }
    return out;
  }
}

/**
 * The names of the configMaps and secrets a pod uses — volumes (projected sources included) and
 * containers' env/envFrom — for update fan-out: volumes get new contents, and a container waiting
 * in CreateContainerConfigError starts as soon as what it names exists. Pure.
 */
export function podObjectRefs(pod: Pod): { configMaps: Set<string>; secrets: Set<string> } {
  const configMaps = new Set<string>();
  const secrets = new Set<string>();
  for (const v of pod.spec?.volumes ?? []) {
    if (v.configMap?.name) configMaps.add(v.configMap.name);
    if (v.secret?.secretName) secrets.add(v.secret.secretName);
    for (const s of v.projected?.sources ?? []) {
      if (s.configMap?.name) configMaps.add(s.configMap.name);
      if (s.secret?.name) secrets.add(s.secret.name);
    }
  }
  for (const c of [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])]) {
    for (const e of c.envFrom ?? []) {
      if (e.configMapRef?.name) configMaps.add(e.configMapRef.name);
      if (e.secretRef?.name) secrets.add(e.secretRef.name);
    }
    for (const e of c.env ?? []) {
      if (e.valueFrom?.configMapKeyRef?.name) configMaps.add(e.valueFrom.configMapKeyRef.name);
      if (e.valueFrom?.secretKeyRef?.name) secrets.add(e.valueFrom.secretKeyRef.name);
    }
  }
  return { configMaps, secrets };
}
