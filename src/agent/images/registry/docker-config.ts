/** A username and password for a registry (from a pull secret or registries.yaml). */
export interface RegistryCredential {
  username: string;
  password: string;
}

/** One entry of a docker config: registry host plus an optional path prefix, and its credential. */
export interface DockerAuthEntry extends RegistryCredential {
  /** Host (docker.io for Docker Hub's aliases), optionally followed by `/path` that repositories must start with. */
  match: string;
}

const HUB_ALIASES = new Set(['index.docker.io', 'registry-1.docker.io', 'registry.hub.docker.com', 'docker.io']);

/**
 * Reads the `auths` of a `.dockerconfigjson` (or the bare map of a legacy `.dockercfg`) into entries:
 * `username`/`password`, or `auth` = base64 `user:password`. Keys such as
 * `https://index.docker.io/v1/`, `http://host:5000`, `host:5000/team` are normalised
 * (`docker.io`, `host:5000`, `host:5000/team`). Entries without a credential are skipped; throws
 * only when the text is not a JSON object. Pure.
 */
export function parseDockerConfig(text: string): DockerAuthEntry[] {
  const json = JSON.parse(text) as unknown;
  if (!json || typeof json !== 'object' || Array.isArray(json)) throw new Error('docker config is not a JSON object');
  const top = json as Record<string, unknown>;
  const auths = (top.auths && typeof top.auths === 'object' ? top.auths : top) as Record<string, unknown>;
  const out: DockerAuthEntry[] = [];
  for (const [key, value] of Object.entries(auths)) {
    if (!value || typeof value !== 'object') continue;
    const v = value as { username?: unknown; password?: unknown; auth?: unknown };
    let username = typeof v.username === 'string' ? v.username : '';
    let password = typeof v.password === 'string' ? v.password : '';
    if (!username && typeof v.auth === 'string' && v.auth) {
      const decoded = Buffer.from(v.auth, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon > 0) {
        username = decoded.slice(0, colon);
        password = decoded.slice(colon + 1);
      }
    }
    if (username) out.push({ match: normalizeAuthKey(key), username, password });
  }
  return out;
}

/** `https://index.docker.io/v1/` -> `docker.io`; `http://h:5000/` -> `h:5000`; `h/team/` -> `h/team`. Pure. */
export function normalizeAuthKey(key: string): string {
  let k = key
    .trim()
    .toLowerCase()
    .replace(/^[a-z]+:\/\//, '')
    .replace(/\/+$/, '');
  const slash = k.indexOf('/');
  let host = slash < 0 ? k : k.slice(0, slash);
  let path = slash < 0 ? '' : k.slice(slash + 1);
  if (HUB_ALIASES.has(host)) host = 'docker.io';
  if (/^v[12]$/.test(path)) path = ''; // the old API paths in Hub keys
  k = path ? `${host}/${path}` : host;
  return k;
}

/**
 * The credential for a repository on a registry host: the entry whose host equals `host` (Docker
 * Hub's aliases count as docker.io) and whose path, if any, prefixes the repository; the longest
 * such match wins (as the kubelet's keyring). Undefined when none matches. Pure.
 */
export function credentialFor(
  entries: DockerAuthEntry[],
  host: string,
  repository = '',
): RegistryCredential | undefined {
  const h = HUB_ALIASES.has(host) ? 'docker.io' : host.toLowerCase();
  let best: DockerAuthEntry | undefined;
  for (const e of entries) {
    const slash = e.match.indexOf('/');
    const eh = slash < 0 ? e.match : e.match.slice(0, slash);
    const ep = slash < 0 ? '' : e.match.slice(slash + 1);
    if (eh !== h) continue;
    if (ep && repository !== ep && !repository.startsWith(`${ep}/`)) continue;
    if (!best || e.match.length > best.match.length) best = e;
  }
  return best ? { username: best.username, password: best.password } : undefined;
}
