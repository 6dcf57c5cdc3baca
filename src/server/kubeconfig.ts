import { join } from 'node:path';
import { readOptionalFile, writePrivateFile } from '../apiserver/tls/private-file.js';

export interface KubeconfigInput {
  /** e.g. https://127.0.0.1:6443 */
  server: string;
  caCertPem: string;
  token: string;
}

export const KUBECONFIG_FILE = 'kubeconfig.yaml';

/**
 * The admin kubeconfig: cluster `flotilla` (server + CA data), user `admin` (bearer token),
 * context `flotilla`, current. Rendered by hand: every value is a URL, base64 or hex, so nothing
 * needs YAML quoting, and start-up skips loading a YAML library. Pure.
 */
export function renderKubeconfig(input: KubeconfigInput): string {
  const ca = Buffer.from(input.caCertPem).toString('base64');
  return `apiVersion: v1
kind: Config
clusters:
- name: flotilla
  cluster:
    server: ${input.server}
    certificate-authority-data: ${ca}
users:
- name: admin
  user:
    token: ${input.token}
contexts:
- name: flotilla
  context:
    cluster: flotilla
    user: admin
current-context: flotilla
preferences: {}
`;
}

/** Writes `<data-dir>/kubeconfig.yaml` (0600) when its content differs (first start, new port). Returns its path. */
export async function writeKubeconfig(dataDir: string, input: KubeconfigInput): Promise<string> {
  const path = join(dataDir, KUBECONFIG_FILE);
  const text = renderKubeconfig(input);
  if ((await readOptionalFile(path)) !== text) await writePrivateFile(path, text);
  return path;
}

/** The URL local clients use to reach a server bound to `host`:`port` (loopback for wildcard binds). */
export function localServerUrl(host: string | undefined, port: number): string {
  const h = !host || host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return `https://${h.includes(':') ? `[${h}]` : h}:${port}`;
}
