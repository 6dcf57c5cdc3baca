import { createHash } from 'node:crypto';
import { access, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCommand } from '../../machinery/exec/run-command.js';
import {
  imageConfigFrom,
  type Descriptor,
  type ImageConfig,
  type ImageConfigJson,
  type IndexJson,
  type ManifestJson,
} from './image-types.js';
import { sha256File } from './sha256-file.js';

/** A blob extracted from an archive, waiting to move into the store. */
export interface ArchiveBlob {
  digest: string;
  path: string;
  layer: boolean;
}

/** One image found in an archive. */
export interface ArchiveImage {
  names: string[];
  manifestDigest: string;
  configDigest: string;
  layerDigests: string[];
  config: ImageConfig;
  blobs: ArchiveBlob[];
  /** Index blobs stored with the image (an OCI archive's nested indexes). */
  indexDigests?: string[];
}

const INDEX_TYPES = new Set([
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
]);

/**
 * Extracts an image archive into `dir` (with the `tar` binary) and describes the images in it:
 * an OCI image layout (`oci-layout`, `index.json`, `blobs/`; nested indexes resolve to linux/amd64)
 * or a `docker save` archive (`manifest.json` with Config, RepoTags and Layers). Names come from the
 * `io.containerd.image.name` annotation, a full `org.opencontainers.image.ref.name`, or RepoTags;
 * a bare tag is appended to `defaultName`'s repository. Throws on an unknown layout.
 */
export async function readArchive(file: string, dir: string, defaultName?: string): Promise<ArchiveImage[]> {
  await runCommand('tar', ['-xf', file, '-C', dir, '--no-same-owner']);
  if (await present(join(dir, 'index.json'))) return readOciLayout(dir, defaultName);
  if (await present(join(dir, 'manifest.json'))) return readDockerSave(dir, defaultName);
  throw new Error(`${file}: neither an OCI image layout (index.json) nor a docker save archive (manifest.json)`);
}

async function readOciLayout(dir: string, defaultName?: string): Promise<ArchiveImage[]> {
  const blob = (d: string): string => join(dir, 'blobs', ...d.split(':'));
  const json = async <T>(d: string): Promise<T> => JSON.parse(await readFile(blob(d), 'utf8')) as T;
  const index = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8')) as IndexJson;
  const out: ArchiveImage[] = [];
  for (const top of index.manifests) {
    let desc: Descriptor = top;
    const blobs: ArchiveBlob[] = [];
    const indexDigests: string[] = [];
    while (desc.mediaType && INDEX_TYPES.has(desc.mediaType)) {
      blobs.push({ digest: desc.digest, path: blob(desc.digest), layer: false });
      indexDigests.push(desc.digest);
      const nested = await json<IndexJson>(desc.digest);
      const pick =
        nested.manifests.find((m) => m.platform?.os === 'linux' && m.platform.architecture === 'amd64') ??
        nested.manifests[0];
      if (!pick) throw new Error(`image index ${desc.digest} is empty`);
      desc = pick;
    }
    const manifest = await json<ManifestJson>(desc.digest);
    const config = imageConfigFrom(await json<ImageConfigJson>(manifest.config.digest));
    blobs.push(
      { digest: desc.digest, path: blob(desc.digest), layer: false },
      { digest: manifest.config.digest, path: blob(manifest.config.digest), layer: false },
    );
    for (const l of manifest.layers) blobs.push({ digest: l.digest, path: blob(l.digest), layer: true });
    const ann = top.annotations ?? {};
    const full = ann['io.containerd.image.name'];
    const ref = ann['org.opencontainers.image.ref.name'];
    const names = full
      ? [full]
      : ref && /[/:@]/.test(ref)
        ? [ref]
        : ref && defaultName
          ? [withTag(defaultName, ref)]
          : defaultName
            ? [defaultName]
            : [];
    out.push({
      names,
      manifestDigest: desc.digest,
      configDigest: manifest.config.digest,
      layerDigests: manifest.layers.map((l) => l.digest),
      config,
      blobs,
      ...(indexDigests.length ? { indexDigests } : {}),
    });
  }
  return out;
}

interface DockerSaveEntry {
  Config: string;
  RepoTags?: string[] | null;
  Layers: string[];
}

async function readDockerSave(dir: string, defaultName?: string): Promise<ArchiveImage[]> {
  const entries = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as DockerSaveEntry[];
  const out: ArchiveImage[] = [];
  for (const e of entries) {
    const configPath = join(dir, e.Config);
    const configDigest = `sha256:${await sha256File(configPath)}`;
    const config = imageConfigFrom(JSON.parse(await readFile(configPath, 'utf8')) as ImageConfigJson);
    const blobs: ArchiveBlob[] = [{ digest: configDigest, path: configPath, layer: false }];
    const layerDigests: string[] = [];
    for (const l of e.Layers) {
      const digest = `sha256:${await sha256File(join(dir, l))}`;
      layerDigests.push(digest);
      blobs.push({ digest, path: join(dir, l), layer: true });
    }
    // docker save has no manifest blob: write the equivalent OCI manifest so every image has one.
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest },
      layers: layerDigests.map((digest) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest })),
    });
    const manifestDigest = `sha256:${createHash('sha256').update(manifest).digest('hex')}`;
    const manifestPath = join(dir, `manifest-${manifestDigest.slice(7)}.json`);
    await writeFile(manifestPath, manifest);
    blobs.push({ digest: manifestDigest, path: manifestPath, layer: false });
    const names = e.RepoTags?.length ? e.RepoTags : defaultName ? [defaultName] : [];
    out.push({ names, manifestDigest, configDigest, layerDigests, config, blobs });
  }
  return out;
}

function withTag(name: string, tag: string): string {
  const slash = name.lastIndexOf('/');
  const colon = name.indexOf(':', slash + 1);
  return `${colon >= 0 ? name.slice(0, colon) : name}:${tag}`;
}

async function present(p: string): Promise<boolean> {
  try {
    await access(p);
    return true;
  } catch {
    return false;
  }
}
