import type { Descriptor, IndexJson, ManifestJson } from '../image-types.js';

export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const DOCKER_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';

/** The Accept header of a manifest GET: every type we can read, indexes first (containerd's order). */
export const MANIFEST_ACCEPT = [OCI_INDEX, DOCKER_LIST, OCI_MANIFEST, DOCKER_MANIFEST].join(', ');

export type ParsedManifest = { kind: 'index'; index: IndexJson } | { kind: 'manifest'; manifest: ManifestJson };

/**
 * Classifies a manifest body by the response's Content-Type, else its own `mediaType`, else its
 * shape (an OCI index may omit mediaType). Throws on schema 1 and unknown types. Pure.
 */
export function parseManifest(body: Buffer, contentType: string | undefined): ParsedManifest {
  let json: { mediaType?: string; schemaVersion?: number; manifests?: unknown; layers?: unknown; config?: unknown };
  try {
    json = JSON.parse(body.toString('utf8')) as typeof json;
  } catch {
    throw new Error('the registry returned a manifest that is not JSON');
  }
  const header = (contentType ?? '').split(';')[0]?.trim() ?? '';
  const type = [header, json.mediaType ?? ''].find((t) => t && t !== 'application/json' && t !== 'text/plain') ?? '';
  if (json.schemaVersion === 1 || type.startsWith('application/vnd.docker.distribution.manifest.v1+'))
    throw new Error('Docker image manifest schema 1 is not supported');
  if (type === OCI_INDEX || type === DOCKER_LIST || (!type && Array.isArray(json.manifests))) {
    if (!Array.isArray(json.manifests)) throw new Error('image index without manifests');
    return { kind: 'index', index: json as IndexJson };
  }
  if (type === OCI_MANIFEST || type === DOCKER_MANIFEST || (!type && Array.isArray(json.layers))) {
    const m = json as ManifestJson;
    if (!m.config?.digest || !Array.isArray(m.layers)) throw new Error('image manifest without config or layers');
    return { kind: 'manifest', manifest: m };
  }
  throw new Error(`unsupported manifest media type "${type}"`);
}

/**
 * Picks the manifest for a platform from an index or manifest list (default linux/amd64): exact
 * os/architecture, preferring no variant or `v1`; entries without a platform (attestations are
 * marked unknown/unknown) are skipped. Throws when none matches. Pure.
 */
export function selectPlatform(index: IndexJson, os = 'linux', architecture = 'amd64'): Descriptor {
  const matches = index.manifests.filter((d) => d.platform?.os === os && d.platform?.architecture === architecture);
  const variant = (d: Descriptor): string | undefined => (d.platform as { variant?: string } | undefined)?.variant;
  const best = matches.find((d) => !variant(d) || variant(d) === 'v1') ?? matches[0];
  if (!best) {
    const seen = index.manifests.map((d) => `${d.platform?.os ?? '?'}/${d.platform?.architecture ?? '?'}`).join(', ');
    throw new Error(`no matching manifest for ${os}/${architecture} in the manifest list entries (${seen || 'none'})`);
  }
  return best;
}
