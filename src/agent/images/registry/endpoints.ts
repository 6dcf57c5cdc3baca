import type { RegistriesConfig, RegistryHostConfig } from '../registries-config.js';
import { isLoopbackHost } from './image-name.js';

/** One place to fetch a registry's content from. */
export interface RegistryEndpoint {
  /** Base URL without `/v2` and without a trailing slash (`http://127.0.0.1:5000`). */
  url: string;
  /** `host[:port]` of the URL: the key of its registries.yaml `configs` entry. */
  host: string;
  /** A mirror from registries.yaml (else the registry's own endpoint). */
  mirror: boolean;
  config?: RegistryHostConfig;
}

/**
 * The endpoints to try for a registry host, in order: its registries.yaml mirrors (or those of
 * `*`), then the registry itself, as k3s does. docker.io is served by registry-1.docker.io;
 * loopback hosts (localhost, 127.x) default to plain HTTP like containerd, others to HTTPS. Pure.
 */
export function registryEndpoints(host: string, config: RegistriesConfig): RegistryEndpoint[] {
  const urls = [...(config.mirrors[host] ?? config.mirrors['*'] ?? { endpoint: [] }).endpoint];
  const own =
    host === 'docker.io' ? 'https://registry-1.docker.io' : `${isLoopbackHost(host) ? 'http' : 'https'}://${host}`;
  const out: RegistryEndpoint[] = [];
  for (const [i, url] of [...urls, own].entries()) {
    if (out.some((e) => e.url === url)) continue;
    const h = new URL(url).host;
    out.push({ url, host: h, mirror: i < urls.length, config: config.configs[h] });
  }
  return out;
}
