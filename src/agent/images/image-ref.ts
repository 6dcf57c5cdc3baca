/**
 * Normalises an image reference the way Docker and Kubernetes do: `busybox` ->
 * `docker.io/library/busybox:latest`, `me/app:1` -> `docker.io/me/app:1`, `host:5000/app` ->
 * `host:5000/app:latest`; a `@sha256:...` digest is kept and no tag is added. Pure.
 */
export function normalizeImageRef(ref: string): string {
  let name = ref.trim();
  let digest = '';
  const at = name.indexOf('@');
  if (at >= 0) {
    digest = name.slice(at);
    name = name.slice(0, at);
  }
  const slash = name.indexOf('/');
  const first = slash < 0 ? '' : name.slice(0, slash);
  const hasRegistry = slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (!hasRegistry) name = slash < 0 ? `docker.io/library/${name}` : `docker.io/${name}`;
  const lastSlash = name.lastIndexOf('/');
  const hasTag = name.indexOf(':', lastSlash) >= 0;
  if (!hasTag && !digest) name += ':latest';
  return name + digest;
}

/** The short form users type and `flotilla images ls` prints: `busybox:latest` for docker.io/library images. Pure. */
export function shortImageRef(normalized: string): string {
  if (normalized.startsWith('docker.io/library/')) return normalized.slice('docker.io/library/'.length);
  if (normalized.startsWith('docker.io/')) return normalized.slice('docker.io/'.length);
  return normalized;
}
