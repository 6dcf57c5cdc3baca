import { rm, rmdir } from 'node:fs/promises';
import { runCommand } from '../../machinery/exec/run-command.js';
import type { StoreSnapshotInfo } from './sqlite-snapshot.js';

/** Client TLS towards etcd (file paths, as etcdctl takes them); undefined = plain HTTP. */
export interface EtcdClientTls {
  caFile: string;
  certFile?: string;
  keyFile?: string;
}

/** The member a restored data dir belongs to (etcdctl snapshot restore's bootstrap flags). */
export interface EtcdRestoreMember {
  /** etcd's --name of the member that will run on the restored data dir (default `default`). */
  name?: string;
  /** Its peer URL (default http://localhost:2380, etcd's own default). */
  peerUrl?: string;
}

/** Debian's etcd-client package ships etcdctl 3.4, which both saves and restores snapshots. */
const ETCDCTL = 'etcdctl';

function globalFlags(endpoints: string[], tls?: EtcdClientTls): string[] {
  const flags = [`--endpoints=${endpoints.join(',')}`, '--command-timeout=120s'];
  if (tls) {
    flags.push(`--cacert=${tls.caFile}`);
    if (tls.certFile) flags.push(`--cert=${tls.certFile}`);
    if (tls.keyFile) flags.push(`--key=${tls.keyFile}`);
  }
  return flags;
}

const ENV = { ...process.env, ETCDCTL_API: '3' };

/**
 * `etcdctl snapshot save`: etcd's own consistent snapshot of the whole keyspace, streamed from one
 * member (the first endpoint that answers) while the cluster keeps serving. `dest` must not exist.
 */
export async function saveEtcdSnapshot(
  endpoints: string[],
  dest: string,
  tls?: EtcdClientTls,
): Promise<StoreSnapshotInfo> {
  let lastError: unknown;
  // etcdctl snapshot save takes exactly one endpoint: try each in turn.
  for (const endpoint of endpoints) {
    try {
      await runCommand(ETCDCTL, [...globalFlags([endpoint], tls), 'snapshot', 'save', dest], {
        env: ENV,
        timeoutMs: 300_000,
      });
      return await describeEtcdSnapshot(dest);
    } catch (err) {
      lastError = err;
      await rm(dest, { force: true });
      await rm(`${dest}.part`, { force: true });
    }
  }
  throw lastError instanceof Error ? lastError : new Error(`etcd snapshot failed: ${String(lastError)}`);
}

/** `etcdctl snapshot status`: the snapshot's revision and key count (every key, not only the API's). */
export async function describeEtcdSnapshot(file: string): Promise<StoreSnapshotInfo> {
  const r = await runCommand(ETCDCTL, ['snapshot', 'status', file, '-w', 'json'], { env: ENV });
  const status = JSON.parse(r.stdout) as { revision?: number; totalKey?: number };
  return { revision: Number(status.revision ?? 0), keys: Number(status.totalKey ?? 0) };
}

/**
 * `etcdctl snapshot restore` into `dataDir` (which must not exist, or be an empty directory): a
 * new one-member cluster with the snapshot's keys and revisions. Start etcd on it with the same
 * name and peer URL; further members join it as usual.
 */
export async function restoreEtcdSnapshot(
  file: string,
  dataDir: string,
  member: EtcdRestoreMember = {},
): Promise<void> {
  await rmdir(dataDir).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
  });
  const name = member.name ?? 'default';
  const peerUrl = member.peerUrl ?? 'http://localhost:2380';
  await runCommand(
    ETCDCTL,
    [
      'snapshot',
      'restore',
      file,
      `--data-dir=${dataDir}`,
      `--name=${name}`,
      `--initial-cluster=${name}=${peerUrl}`,
      `--initial-advertise-peer-urls=${peerUrl}`,
    ],
    { env: ENV, timeoutMs: 300_000 },
  );
}
