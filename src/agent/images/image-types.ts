/** The parts of an OCI image config a container is built from (`config` of the image config blob). */
export interface ImageConfig {
  entrypoint: string[];
  cmd: string[];
  /** `KEY=value` entries. */
  env: string[];
  workingDir: string;
  /** `user`, `uid`, `user:group` or `uid:gid`; '' for root. */
  user: string;
}

/** One image in the store. */
export interface ImageRecord {
  /** Normalised references (`docker.io/library/busybox:latest`) that name this image. */
  names: string[];
  /** Digest of the config blob (the image id). */
  id: string;
  manifestDigest: string;
  /** Layer blob digests, bottom layer first. */
  layers: string[];
  config: ImageConfig;
  /** Sum of the layer blob sizes in bytes. */
  size: number;
  /** RFC 3339 time of import or pull. */
  createdAt: string;
  /** Image index blobs the manifest was chosen from (nested indexes of an OCI archive); pruned with the image. */
  indexDigests?: string[];
  /** RFC 3339 time a container was last built from this image (image GC removes the least recently used first). */
  lastUsedAt?: string;
  /**
   * 'pull' for images pulled from a registry; absent for imported ones, which are the node's
   * offline copy: imagePullPolicy Always uses them without asking a registry.
   */
  source?: 'pull';
  /**
   * Never removed by image GC (`images rm` still removes it). Imported images are pinned unless the
   * import says otherwise: like k3s's airgap images, they are the node's offline copy and may not
   * be pullable again.
   */
  pinned?: boolean;
}

/** What the pod workers need from the image store. */
export interface ImageService {
  /** The image named by a reference (normalised first); undefined when not present. */
  resolve(ref: string): Promise<ImageRecord | undefined>;
  /** Unpacked layer directories of an image, bottom first; each layer is unpacked once per digest. */
  layerDirs(image: ImageRecord): Promise<string[]>;
}

/** OCI / Docker media types and manifest shapes as read from archives and registries. */
export interface Descriptor {
  mediaType?: string;
  digest: string;
  size?: number;
  annotations?: Record<string, string>;
  platform?: { os?: string; architecture?: string };
}

export interface ManifestJson {
  mediaType?: string;
  config: Descriptor;
  layers: Descriptor[];
}

export interface IndexJson {
  mediaType?: string;
  manifests: Descriptor[];
}

/** The image config blob (only the fields used). */
export interface ImageConfigJson {
  config?: {
    Entrypoint?: string[] | null;
    Cmd?: string[] | null;
    Env?: string[] | null;
    WorkingDir?: string;
    User?: string;
  };
}

/** Reads an image config blob into an ImageConfig. Pure. */
export function imageConfigFrom(json: ImageConfigJson): ImageConfig {
  const c = json.config ?? {};
  return {
    entrypoint: c.Entrypoint ?? [],
    cmd: c.Cmd ?? [],
    env: c.Env ?? [],
    workingDir: c.WorkingDir ?? '',
    user: c.User ?? '',
  };
}
