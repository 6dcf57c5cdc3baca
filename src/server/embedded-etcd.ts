import { join } from 'node:path';
import type { Logger } from 'pino';
import type { EtcdClientTls } from '../store/index.js';
import { ensureTls } from '../apiserver/tls/index.js';
import { ensureEtcdCerts } from './etcd-certs.js';
import { type EtcdMember, etcdMemberExists, etcdUrl, ETCD_PEER_PORT, startEtcdMember } from './etcd-supervisor.js';

/**
 * A server's own etcd member, k3s' embedded-etcd mode with the real etcd binary:
 *
 *   --cluster-init     new cluster of this one member
 *   --join URL         (shared files fetched from URL first) MemberAdd through the running members,
 *                      then start this member with initial-cluster-state=existing
 *   restart            the member's data is there: start it as it is, whatever the flags say
 */
export interface EmbeddedEtcdOptions {
  dataDir: string;
  /** The address this member listens on for clients and peers (the server's advertise address). */
  address: string;
  /** Member name; unique in the cluster. */
  name: string;
  /** undefined: --cluster-init; otherwise the client URLs of running members to join through. */
  joinThrough?: string[];
  /**
   * --cluster-init with --etcd-members: every member of the new cluster, started together with the
   * same list (etcd's static bootstrap), `name=https://ip:2380,...`. Default: this member alone.
   */
  initialCluster?: string;
  /** Names for the API serving certificate (ensureTls runs here first, to have the CA). */
  tlsSans?: string[];
  log: Logger;
  progress: (line: string) => void;
}

export interface EmbeddedEtcd {
  member: EtcdMember;
  /** The store spec of this member (`https://address:2379`). */
  storeSpec: string;
  clientTls: EtcdClientTls;
  stop(): Promise<void>;
}

/** Starts (and supervises) this server's etcd member; resolves once it is healthy. */
export async function startEmbeddedEtcd(o: EmbeddedEtcdOptions): Promise<EmbeddedEtcd> {
  const { material } = await ensureTls(o.dataDir, { extraSans: o.tlsSans });
  const certs = await ensureEtcdCerts(o.dataDir, { cert: material.caCert, key: material.caKey }, o.address);
  const dir = join(o.dataDir, 'etcd');
  const peerUrl = etcdUrl(o.address, ETCD_PEER_PORT);
  let initialCluster = o.initialCluster ?? `${o.name}=${peerUrl}`;
  let state: 'new' | 'existing' = 'new';
  if (etcdMemberExists(dir)) {
    state = 'existing';
    o.progress(`starting etcd member ${o.name} from its data in ${dir}`);
  } else if (o.joinThrough) {
    state = 'existing';
    initialCluster = await addMember(o.joinThrough, o.name, peerUrl, certs.client, o.log);
    o.progress(`joining etcd cluster ${initialCluster}`);
  } else {
    o.progress(`starting a new etcd cluster (${initialCluster}): member ${o.name} at ${o.address}`);
  }
  await import('node:fs/promises').then((fs) => fs.mkdir(join(o.dataDir, 'logs'), { recursive: true }));
  const member = await startEtcdMember({
    name: o.name,
    dir,
    address: o.address,
    initialCluster,
    initialClusterState: state,
    certs: certs.files,
    clientTls: certs.client,
    log: o.log,
    logFile: join(o.dataDir, 'logs', 'etcd.log'),
  });
  o.progress(`etcd member ${o.name} healthy at ${member.clientUrl}`);
  return { member, storeSpec: member.clientUrl, clientTls: certs.client, stop: () => member.stop() };
}

/**
 * Adds `name` at `peerUrl` to the cluster reached through `endpoints` and returns etcd's
 * --initial-cluster for it (retried for up to 60 s while etcd refuses it). A member already registered at that peer URL (an earlier join that
 * never started, or a member whose data was wiped) is removed first, as etcd refuses a second one.
 */
async function addMember(
  endpoints: string[],
  name: string,
  peerUrl: string,
  tls: EtcdClientTls,
  log: Logger,
): Promise<string> {
  const { Etcd3 } = await import('etcd3');
  // A client per attempt: the etcd3 client's circuit breaker would hold retries back after a refusal.
  const withClient = async <T>(fn: (c: InstanceType<typeof Etcd3>) => Promise<T>): Promise<T> => {
    const client = new Etcd3({
      hosts: endpoints,
      credentials: {
        rootCertificate: Buffer.from(tls.caPem),
        certChain: Buffer.from(tls.certPem),
        privateKey: Buffer.from(tls.keyPem),
      },
    });
    try {
      return await fn(client);
    } finally {
      client.close();
    }
  };
  // etcd refuses a reconfiguration until every member has been connected a while (its health
  // interval, 5 s: "unhealthy cluster"): a member that joined just before makes us wait.
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const added = await withClient(async (client) => {
        const before = await client.cluster.memberList({});
        for (const m of before.members ?? [])
          if (m.peerURLs?.includes(peerUrl)) {
            log.warn({ member: m.name, id: m.ID, peerUrl }, 'removing the stale etcd member at our peer URL');
            await client.cluster.memberRemove({ ID: m.ID });
          }
        return client.cluster.memberAdd({ peerURLs: [peerUrl] });
      });
      return (added.members ?? [])
        .map((m) => `${m.ID === added.member?.ID ? name : m.name}=${m.peerURLs?.[0] ?? ''}`)
        .filter((e) => !e.endsWith('='))
        .join(',');
    } catch (err) {
      if (Date.now() > deadline) throw err;
      log.info({ err: (err as Error).message }, 'etcd refused the new member for now; retrying');
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

/** One member of `--etcd-members`. */
export interface StaticMember {
  name: string;
  address: string;
}

/**
 * Parses `--etcd-members NAME=IP[,NAME=IP...]` (the members of a new cluster bootstrapped together)
 * and returns them with etcd's --initial-cluster and this server's own entry: the one named
 * `ownName`, else the one at `ownAddress`. Throws an Error naming the flag and the bad entry. Pure.
 */
export function parseEtcdMembers(
  spec: string,
  own: { name?: string; address?: string },
): { members: StaticMember[]; self: StaticMember; initialCluster: string } {
  const members: StaticMember[] = [];
  for (const entry of spec.split(',').map((e) => e.trim())) {
    const m = /^([A-Za-z0-9][-A-Za-z0-9_.]*)=(\d{1,3}(?:\.\d{1,3}){3})$/.exec(entry);
    if (!m?.[1] || !m[2]) throw new Error(`--etcd-members: "${entry}" is not NAME=IPv4`);
    if (members.some((x) => x.name === m[1] || x.address === m[2]))
      throw new Error(`--etcd-members: "${entry}" repeats a name or address`);
    members.push({ name: m[1], address: m[2] });
  }
  const self =
    (own.name !== undefined ? members.find((x) => x.name === own.name) : undefined) ??
    (own.address !== undefined ? members.find((x) => x.address === own.address) : undefined);
  if (!self)
    throw new Error(
      `--etcd-members: none is this server (name ${own.name ?? '-'}, address ${own.address ?? '-'}): set --etcd-name or --advertise-address`,
    );
  const initialCluster = members.map((x) => `${x.name}=${etcdUrl(x.address, ETCD_PEER_PORT)}`).join(',');
  return { members, self, initialCluster };
}
