import { join } from 'node:path';
import { readOptionalFile, writePrivateFile } from '../apiserver/tls/private-file.js';

/** How a kubeconfig's user proves who it is; none: the caller passes its own flags (`--token`). */
export type KubeconfigCredential = { token: string } | { certPem: string; keyPem: string } | undefined;

export interface KubeconfigInput {
  /** e.g. https://127.0.0.1:6443 */
  server: string;
  /** The CA that signed the server's certificate; absent: the system's trust store. */
  caCertPem?: string;
  /** The user entry's name (default `admin`). */
  user?: string;
  credential: KubeconfigCredential;
  /** The context's name (default `flotilla`). */
  context?: string;
}

export const KUBECONFIG_FILE = 'kubeconfig.yaml';

/**
 * A kubeconfig with one cluster (`flotilla`: server + CA data), one user and one context, current.
 * Rendered by hand with JSON-quoted values (valid YAML), so start-up skips loading a YAML library. Pure.
 */
export function renderKubeconfig(input: KubeconfigInput): string {
  const q = JSON.stringify;
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const user = input.user ?? 'admin';
  const context = input.context ?? 'flotilla';
  const c = input.credential;
  const credential = !c
    ? '  user: {}\n'
    : 'token' in c
      ? `  user:\n    token: ${q(c.token)}\n`
      : `  user:\n    client-certificate-data: ${b64(c.certPem)}\n    client-key-data: ${b64(c.keyPem)}\n`;
  return `apiVersion: v1
kind: Config
clusters:
- name: flotilla
  cluster:
    server: ${q(input.server)}
${input.caCertPem ? `    certificate-authority-data: ${b64(input.caCertPem)}\n` : ''}users:
- name: ${q(user)}
${credential}contexts:
- name: ${q(context)}
  context:
    cluster: flotilla
    user: ${q(user)}
current-context: ${q(context)}
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
