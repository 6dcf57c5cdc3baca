import { normalizeImageRef } from '../image-ref.js';

/** A reference split for the distribution API. */
export interface ImageName {
  /** The normalised reference (`docker.io/library/busybox:latest`), as stored in the image index. */
  ref: string;
  /** Registry host as written in the reference (`docker.io`, `127.0.0.1:5000`). */
  host: string;
  /** Repository path on the registry (`library/busybox`). */
  repository: string;
  /** What to ask `/v2/<repo>/manifests/` for: the digest when given, else the tag. */
  reference: string;
  /** `sha256:...` when the reference pins one. */
  digest?: string;
}

/**
 * Splits an image reference after Docker's normalisation (`busybox` -> host docker.io, repository
 * library/busybox, tag latest). Throws on a reference without a repository. Pure.
 */
export function parseImageName(input: string): ImageName {
  const ref = normalizeImageRef(input);
  const at = ref.indexOf('@');
  const digest = at >= 0 ? ref.slice(at + 1) : undefined;
  let name = at >= 0 ? ref.slice(0, at) : ref;
  const slash = name.indexOf('/');
  const host = name.slice(0, slash);
  name = name.slice(slash + 1);
  const colon = name.lastIndexOf(':');
  const tag = colon > name.lastIndexOf('/') ? name.slice(colon + 1) : undefined;
  const repository = tag !== undefined ? name.slice(0, colon) : name;
  if (
    !host ||
    !repository ||
    !/^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/.test(repository)
  ) {
    throw new Error(`invalid image reference "${input}"`);
  }
  if (digest !== undefined && !/^sha256:[0-9a-f]{64}$/.test(digest))
    throw new Error(`invalid image reference "${input}": unsupported digest`);
  return { ref, host, repository, reference: digest ?? tag ?? 'latest', digest };
}

/** Whether a registry host is this machine (plain HTTP by default, as containerd does for localhost). Pure. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/:\d+$/, '');
  return h === 'localhost' || h === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(h);
}
