/**
 * Kubernetes' EncryptionConfiguration (apiserver.config.k8s.io/v1): which resources are encrypted
 * at rest, with which providers and keys. The first provider of a resource encrypts new writes
 * (with its first key); every provider (every key) may decrypt what it once wrote.
 */
import { randomBytes } from 'node:crypto';
import { parse, stringify } from 'yaml';
import {
  identityTransformer,
  KEY_LENGTHS,
  type ProviderKind,
  transformerFor,
  type ValueTransformer,
} from './providers.js';

interface KeyDoc {
  name?: unknown;
  secret?: unknown;
}
type ProviderDoc = Partial<Record<ProviderKind | 'kms', { keys?: KeyDoc[] } | null>>;
interface ResourceEntryDoc {
  resources?: unknown;
  providers?: ProviderDoc[];
}
export interface EncryptionConfigDoc {
  apiVersion?: string;
  kind?: string;
  resources?: ResourceEntryDoc[];
}

/** The transformers of one storage key: the writer first, then every reader. */
export interface KeyTransformers {
  write: ValueTransformer;
  read: readonly ValueTransformer[];
}

interface ResourceRule {
  /** `<group>/<resource>` with `*` for any group or resource (core group as ''). */
  group: string;
  resource: string;
  transformers: KeyTransformers;
}

export class EncryptionConfig {
  private constructor(
    readonly doc: EncryptionConfigDoc,
    private readonly rules: ResourceRule[],
  ) {}

  /** Parses and checks a configuration (YAML or JSON); the error names the field that is wrong. */
  static parse(text: string): EncryptionConfig {
    const doc = parse(text) as EncryptionConfigDoc | null;
    if (!doc || typeof doc !== 'object') throw new Error('encryption configuration: not a YAML or JSON object');
    if (doc.kind !== 'EncryptionConfiguration')
      throw new Error(
        `encryption configuration: kind: must be EncryptionConfiguration, got ${JSON.stringify(doc.kind)}`,
      );
    if (doc.apiVersion !== 'apiserver.config.k8s.io/v1')
      throw new Error(
        `encryption configuration: apiVersion: must be apiserver.config.k8s.io/v1, got ${JSON.stringify(doc.apiVersion)}`,
      );
    if (!Array.isArray(doc.resources) || doc.resources.length === 0)
      throw new Error('encryption configuration: resources: must have at least one entry');
    const rules: ResourceRule[] = [];
    doc.resources.forEach((entry, i) => {
      const path = `resources[${i}]`;
      const transformers = parseProviders(entry.providers, `${path}.providers`);
      if (!Array.isArray(entry.resources) || entry.resources.length === 0)
        throw new Error(`encryption configuration: ${path}.resources: must name at least one resource`);
      entry.resources.forEach((name, j) => {
        if (typeof name !== 'string' || !/^(\*|[a-z0-9-]+)(\.(\*|[a-z0-9.-]+))?$/.test(name))
          throw new Error(
            `encryption configuration: ${path}.resources[${j}]: invalid resource ${JSON.stringify(name)}`,
          );
        const dot = name.indexOf('.');
        const resource = dot < 0 ? name : name.slice(0, dot);
        const group = dot < 0 ? '' : name.slice(dot + 1);
        if (resource === '*' && dot < 0)
          throw new Error(
            `encryption configuration: ${path}.resources[${j}]: use '*.' for the core group or '*.*' for all`,
          );
        rules.push({ group, resource, transformers });
      });
    });
    return new EncryptionConfig(doc, rules);
  }

  /** The transformers for a storage key `/registry/<group or core>/<resource>/...`; undefined = stored as is. */
  forKey(storageKey: string): KeyTransformers | undefined {
    const [, , groupSegment, resource] = storageKey.split('/', 4);
    const group = groupSegment === 'core' ? '' : groupSegment;
    for (const r of this.rules)
      if ((r.resource === '*' || r.resource === resource) && (r.group === '*' || r.group === group))
        return r.transformers;
    return undefined;
  }

  /** The storage prefixes of resources named explicitly (wildcards excluded), for re-encryption. */
  explicitPrefixes(): string[] {
    return this.rules
      .filter((r) => r.resource !== '*' && r.group !== '*')
      .map((r) => `/registry/${r.group || 'core'}/${r.resource}/`);
  }

  toYaml(): string {
    return stringify(this.doc);
  }
}

function parseProviders(providers: ProviderDoc[] | undefined, path: string): KeyTransformers {
  if (!Array.isArray(providers) || providers.length === 0)
    throw new Error(`encryption configuration: ${path}: must have at least one provider`);
  const all: ValueTransformer[] = [];
  providers.forEach((p, i) => {
    const kinds = Object.keys(p ?? {});
    if (kinds.length !== 1)
      throw new Error(`encryption configuration: ${path}[${i}]: exactly one provider type must be set`);
    const kind = kinds[0];
    if (kind === 'identity') {
      all.push(identityTransformer);
      return;
    }
    if (kind === 'kms') throw new Error(`encryption configuration: ${path}[${i}].kms: KMS providers are not supported`);
    if (!(kind in KEY_LENGTHS))
      throw new Error(`encryption configuration: ${path}[${i}]: unknown provider type ${JSON.stringify(kind)}`);
    const k = kind as keyof typeof KEY_LENGTHS;
    const keys = p[k]?.keys;
    if (!Array.isArray(keys) || keys.length === 0)
      throw new Error(`encryption configuration: ${path}[${i}].${k}.keys: must have at least one key`);
    keys.forEach((key, j) => {
      const at = `${path}[${i}].${k}.keys[${j}]`;
      if (typeof key.name !== 'string' || !/^[A-Za-z0-9_.-]+$/.test(key.name))
        throw new Error(`encryption configuration: ${at}.name: required, letters, digits, '-', '_' and '.' only`);
      const secret = typeof key.secret === 'string' ? Buffer.from(key.secret, 'base64') : undefined;
      if (!secret || !KEY_LENGTHS[k].includes(secret.length))
        throw new Error(
          `encryption configuration: ${at}.secret: must be base64 of ${KEY_LENGTHS[k].join(', ')} bytes for ${k}`,
        );
      all.push(transformerFor(k, { name: key.name, secret }));
    });
  });
  return { write: all[0], read: all };
}

/** A fresh key for `kind`, named after the time it was made. */
export function newKey(kind: keyof typeof KEY_LENGTHS, now = new Date()): { name: string; secret: string } {
  const stamp = now.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  const length = KEY_LENGTHS[kind].at(-1) ?? 32;
  return { name: `${kind}-${stamp}`, secret: randomBytes(length).toString('base64') };
}

/** The configuration of a new cluster: Secrets sealed with secretbox, plain values still readable. */
export function defaultEncryptionConfigDoc(now = new Date()): EncryptionConfigDoc {
  return {
    apiVersion: 'apiserver.config.k8s.io/v1',
    kind: 'EncryptionConfiguration',
    resources: [
      { resources: ['secrets'], providers: [{ secretbox: { keys: [newKey('secretbox', now)] } }, { identity: {} }] },
    ],
  };
}

/**
 * Rotation, step one: a new key of the first provider's kind goes first (it encrypts from now on);
 * the previous keys stay behind it so that what they wrote can still be read until re-encrypted.
 * A configuration whose first provider is identity gets a secretbox provider in front.
 */
export function withNewWriteKey(doc: EncryptionConfigDoc, now = new Date()): EncryptionConfigDoc {
  const copy = structuredClone(doc);
  for (const entry of copy.resources ?? []) {
    const providers = entry.providers ?? [];
    const first = providers[0] ?? {};
    const kind = (Object.keys(first)[0] ?? 'identity') as ProviderKind | 'kms';
    if (kind === 'identity' || kind === 'kms') providers.unshift({ secretbox: { keys: [newKey('secretbox', now)] } });
    else first[kind] = { keys: [newKey(kind, now), ...(first[kind]?.keys ?? [])] };
    entry.providers = providers;
  }
  return copy;
}

/**
 * Rotation, last step once every value is written with the write key: only the write key stays
 * of its provider, and the other encrypting providers go; identity stays (it reads plain values).
 */
export function withoutRetiredKeys(doc: EncryptionConfigDoc): EncryptionConfigDoc {
  const copy = structuredClone(doc);
  for (const entry of copy.resources ?? []) {
    const [first, ...rest] = entry.providers ?? [];
    if (!first) continue;
    const kind = Object.keys(first)[0] as ProviderKind;
    if (kind !== 'identity') first[kind] = { keys: (first[kind]?.keys ?? []).slice(0, 1) };
    entry.providers = [first, ...rest.filter((p) => 'identity' in p)];
  }
  return copy;
}
