import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';

/** Credentials and TLS settings for one registry endpoint host (`configs` of registries.yaml). */
export interface RegistryHostConfig {
  auth?: { username?: string; password?: string; auth?: string };
  tls?: { insecure_skip_verify?: boolean; ca_file?: string; cert_file?: string; key_file?: string };
}

/** `<data-dir>/registries.yaml`, k3s's format (the parts used). */
export interface RegistriesConfig {
  /** Registry host (`docker.io`, `host:port`, or `*` for every registry) -> endpoints tried in order before the registry itself. */
  mirrors: Record<string, { endpoint: string[] }>;
  /** Endpoint host (`host:port`) -> credentials and TLS. */
  configs: Record<string, RegistryHostConfig>;
}

export const EMPTY_REGISTRIES: RegistriesConfig = { mirrors: {}, configs: {} };

/**
 * Parses and validates a registries.yaml text:
 *
 *   mirrors:
 *     docker.io:
 *       endpoint: ["http://127.0.0.1:5000", "https://mirror.example"]
 *   configs:
 *     "127.0.0.1:5000":
 *       auth: {username: u, password: p}        # or auth: <base64 user:password>
 *       tls: {insecure_skip_verify: true, ca_file: /etc/ssl/ca.pem}
 *
 * Endpoints may be http:// (plain HTTP) or https://; without a scheme https:// is meant. Throws an
 * Error naming the wrong field (`mirrors["docker.io"].endpoint[0]`). Pure.
 */
export function parseRegistriesConfig(text: string): RegistriesConfig {
  const doc = (parse(text) ?? {}) as unknown;
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new Error('registries.yaml: the document must be a mapping');
  const top = doc as Record<string, unknown>;
  const out: RegistriesConfig = { mirrors: {}, configs: {} };
  for (const [name, m] of Object.entries(mapping(top.mirrors, 'mirrors'))) {
    const mirror = mapping(m, `mirrors["${name}"]`);
    const endpoints = mirror.endpoint ?? [];
    if (!Array.isArray(endpoints))
      throw new Error(`registries.yaml: mirrors["${name}"].endpoint must be a list of URLs`);
    out.mirrors[name] = {
      endpoint: endpoints.map((e, i) => {
        const field = `mirrors["${name}"].endpoint[${i}]`;
        if (typeof e !== 'string' || !e) throw new Error(`registries.yaml: ${field} must be a URL`);
        const url = /^[a-z]+:\/\//i.test(e) ? e : `https://${e}`;
        let parsed: URL;
        try {
          parsed = new URL(url);
        } catch {
          throw new Error(`registries.yaml: ${field} is not a URL: ${e}`);
        }
        if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
          throw new Error(`registries.yaml: ${field} must be http:// or https://`);
        return url.replace(/\/+$/, '').replace(/\/v2$/, '');
      }),
    };
  }
  for (const [host, c] of Object.entries(mapping(top.configs, 'configs'))) {
    const cfg = mapping(c, `configs["${host}"]`);
    const entry: RegistryHostConfig = {};
    if (cfg.auth !== undefined) {
      const a = mapping(cfg.auth, `configs["${host}"].auth`);
      entry.auth = {};
      for (const k of ['username', 'password', 'auth'] as const) {
        if (a[k] === undefined) continue;
        if (typeof a[k] !== 'string') throw new Error(`registries.yaml: configs["${host}"].auth.${k} must be a string`);
        entry.auth[k] = a[k];
      }
    }
    if (cfg.tls !== undefined) {
      const t = mapping(cfg.tls, `configs["${host}"].tls`);
      entry.tls = {};
      if (t.insecure_skip_verify !== undefined) {
        if (typeof t.insecure_skip_verify !== 'boolean')
          throw new Error(`registries.yaml: configs["${host}"].tls.insecure_skip_verify must be true or false`);
        entry.tls.insecure_skip_verify = t.insecure_skip_verify;
      }
      for (const k of ['ca_file', 'cert_file', 'key_file'] as const) {
        if (t[k] === undefined) continue;
        if (typeof t[k] !== 'string')
          throw new Error(`registries.yaml: configs["${host}"].tls.${k} must be a file path`);
        entry.tls[k] = t[k];
      }
    }
    out.configs[host] = entry;
  }
  return out;
}

/** Reads `<data-dir>/registries.yaml`; no file = no mirrors and no configs. Throws when it is invalid. */
export async function loadRegistriesConfig(dataDir: string): Promise<RegistriesConfig> {
  let text: string;
  try {
    text = await readFile(join(dataDir, 'registries.yaml'), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return EMPTY_REGISTRIES;
    throw err;
  }
  return parseRegistriesConfig(text);
}

function mapping(v: unknown, field: string): Record<string, unknown> {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw new Error(`registries.yaml: ${field} must be a mapping`);
  return v as Record<string, unknown>;
}
