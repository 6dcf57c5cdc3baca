import type {
  ConfigMap,
  DownwardAPIVolumeFile,
  KeyToPath,
  Pod,
  ProjectedVolumeSource,
  Secret,
} from 'kubernetes-types/core/v1.js';
import type { Payload } from './atomic-writer.js';
import { podFieldValue, resourceFieldValue, type NodeAllocatable } from './downward-api.js';

/** The default file mode of configMap, secret, downwardAPI and projected volumes (0644). */
export const DEFAULT_MODE = 0o644;

/** Where a projection reads configMaps and secrets (the agent's informer caches); undefined = not found. */
export interface ObjectLookup {
  configMap(namespace: string, name: string): ConfigMap | undefined;
  secret(namespace: string, name: string): Secret | undefined;
  nodeAllocatable(): NodeAllocatable;
  /**
   * For lookups that read objects by name on a first miss (an agent under the Node authorizer):
   * resolves true once every read started so far has finished, false when none was in flight.
   * Undefined: lookups answer from a full cache.
   */
  settled?(): Promise<boolean>;
}

/** A missing configMap/secret or key; the message is the kubelet's. */
export class MissingObjectError extends Error {
  readonly code = 'MissingObject';
}

/** A secret's keys as bytes: `data` (base64) and `stringData` (plain; the API server may not have folded it in). Pure. */
export function secretBytes(s: Secret): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const [k, v] of Object.entries(s.stringData ?? {})) out.set(k, Buffer.from(v, 'utf8'));
  for (const [k, v] of Object.entries(s.data ?? {})) out.set(k, Buffer.from(v, 'base64'));
  return out;
}

/** A configMap's keys as bytes (data and binaryData). Pure. */
export function configMapBytes(cm: ConfigMap): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const [k, v] of Object.entries(cm.binaryData ?? {})) out.set(k, Buffer.from(v, 'base64'));
  for (const [k, v] of Object.entries(cm.data ?? {})) out.set(k, Buffer.from(v, 'utf8'));
  return out;
}

/**
 * Files of a key/value source, as the kubelet's MakePayload: every key with the default mode, or
 * only the listed items (path and mode each); a listed key that is missing is an error unless the
 * source is optional. `what` names the kind in messages ('configmap' or 'secret'). Pure.
 */
export function keysPayload(
  keys: Map<string, Buffer>,
  items: KeyToPath[] | undefined,
  defaultMode: number,
  optional: boolean,
  what: string,
  into: Payload = new Map(),
): Payload {
  if (!items?.length) {
    for (const [k, data] of keys) into.set(k, { data, mode: defaultMode });
    return into;
  }
  for (const it of items) {
    const data = keys.get(it.key);
    if (!data) {
      if (optional) continue;
      throw new MissingObjectError(
        `${what} references non-existent ${what === 'secret' ? 'secret' : 'config'} key: ${it.key}`,
      );
    }
    into.set(it.path, { data, mode: it.mode ?? defaultMode });
  }
  return into;
}

/** A configMap volume's (or projection's) files; a missing configMap is an error unless optional. Pure but for the lookup. */
export function configMapPayload(
  pod: Pod,
  src: { name?: string; items?: KeyToPath[]; optional?: boolean; defaultMode?: number },
  objects: ObjectLookup,
  into?: Payload,
  mode?: number,
): Payload {
  const cm = objects.configMap(pod.metadata?.namespace ?? '', src.name ?? '');
  if (!cm && !src.optional) throw new MissingObjectError(`configmap ${JSON.stringify(src.name ?? '')} not found`);
  return keysPayload(
    cm ? configMapBytes(cm) : new Map(),
    src.items,
    mode ?? src.defaultMode ?? DEFAULT_MODE,
    !!src.optional,
    'configmap',
    into,
  );
}

/** A secret volume's (or projection's) files; a missing secret is an error unless optional. Pure but for the lookup. */
export function secretPayload(
  pod: Pod,
  src: { secretName?: string; name?: string; items?: KeyToPath[]; optional?: boolean; defaultMode?: number },
  objects: ObjectLookup,
  into?: Payload,
  mode?: number,
): Payload {
  const name = src.secretName ?? src.name ?? '';
  const s = objects.secret(pod.metadata?.namespace ?? '', name);
  if (!s && !src.optional) throw new MissingObjectError(`secret ${JSON.stringify(name)} not found`);
  return keysPayload(
    s ? secretBytes(s) : new Map(),
    src.items,
    mode ?? src.defaultMode ?? DEFAULT_MODE,
    !!src.optional,
    'secret',
    into,
  );
}

/** A downwardAPI volume's (or projection's) files: fieldRef and resourceFieldRef items. Pure. */
export function downwardPayload(
  pod: Pod,
  items: DownwardAPIVolumeFile[] | undefined,
  defaultMode: number,
  node: NodeAllocatable,
  into: Payload = new Map(),
): Payload {
  for (const it of items ?? []) {
    let value = '';
    if (it.fieldRef) value = podFieldValue(pod, it.fieldRef.fieldPath);
    else if (it.resourceFieldRef) value = resourceFieldValue(pod, it.resourceFieldRef, undefined, node);
    into.set(it.path, { data: Buffer.from(value, 'utf8'), mode: it.mode ?? defaultMode });
  }
  return into;
}

/**
 * A projected volume's files: its configMap, secret, downwardAPI and serviceAccountToken sources
 * merged in order (the volume's defaultMode applies to each, but to a token with fsGroup). The tokens are fetched beforehand
 * (they need the API) and given by projection path. Pure but for the lookup.
 */
export function projectedPayload(
  pod: Pod,
  src: ProjectedVolumeSource,
  objects: ObjectLookup,
  tokens: ReadonlyMap<string, string> = new Map(),
): Payload {
  const mode = src.defaultMode ?? DEFAULT_MODE;
  const out: Payload = new Map();
  for (const s of src.sources ?? []) {
    if (s.configMap) configMapPayload(pod, s.configMap, objects, out, mode);
    else if (s.secret) secretPayload(pod, s.secret, objects, out, mode);
    else if (s.downwardAPI) downwardPayload(pod, s.downwardAPI.items, mode, objects.nodeAllocatable(), out);
    else if (s.serviceAccountToken) {
      const token = tokens.get(s.serviceAccountToken.path);
      if (token === undefined) throw new Error(`no token fetched for ${JSON.stringify(s.serviceAccountToken.path)}`);
      // As the kubelet: 0600 when the pod has an fsGroup (its volume ownership then adds group read).
      const tokenMode = pod.spec?.securityContext?.fsGroup !== undefined ? 0o600 : mode;
      out.set(s.serviceAccountToken.path, { data: Buffer.from(token, 'utf8'), mode: tokenMode });
    }
  }
  return out;
}
