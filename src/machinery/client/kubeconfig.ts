import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parse } from 'yaml';
import type { ClientOptions } from './create-client.js';

interface NamedCluster {
  name?: string;
  cluster?: { server?: string; 'certificate-authority-data'?: string; 'certificate-authority'?: string };
}
interface NamedUser {
  name?: string;
  user?: { token?: string; 'client-certificate-data'?: string; 'client-key-data'?: string };
}
interface NamedContext {
  name?: string;
  context?: { cluster?: string; user?: string };
}
interface Kubeconfig {
  clusters?: NamedCluster[];
  users?: NamedUser[];
  contexts?: NamedContext[];
  'current-context'?: string;
}

/**
 * Reads a kubeconfig (e.g. `<data-dir>/kubeconfig.yaml`) and returns the options for createClient:
 * the current context's cluster server and CA (data, or a file relative to the kubeconfig) and
 * the user's bearer token or client certificate. Without contexts, the first cluster and user.
 * Throws when the file is unreadable or names no server.
 */
export async function loadKubeconfig(path: string): Promise<ClientOptions> {
  const text = await readFile(path, 'utf8');
  const cfg = (parse(text) ?? {}) as Kubeconfig;
  const ctx = cfg.contexts?.find((c) => c.name === cfg['current-context'])?.context;
  const cluster = (ctx?.cluster !== undefined ? cfg.clusters?.find((c) => c.name === ctx.cluster) : cfg.clusters?.[0])
    ?.cluster;
  const user = (ctx?.user !== undefined ? cfg.users?.find((u) => u.name === ctx.user) : cfg.users?.[0])?.user;
  if (!cluster?.server) throw new Error(`kubeconfig ${path}: no cluster server`);
  const opts: ClientOptions = { server: cluster.server };
  if (cluster['certificate-authority-data'])
    opts.caPem = Buffer.from(cluster['certificate-authority-data'], 'base64').toString('utf8');
  else if (cluster['certificate-authority'])
    opts.caPem = await readFile(resolve(dirname(path), cluster['certificate-authority']), 'utf8');
  if (user?.token) opts.token = user.token;
  if (user?.['client-certificate-data'] && user['client-key-data']) {
    opts.clientCert = {
      certPem: Buffer.from(user['client-certificate-data'], 'base64').toString('utf8'),
      keyPem: Buffer.from(user['client-key-data'], 'base64').toString('utf8'),
    };
  }
  return opts;
}
