import { runCommand } from '../../machinery/exec/run-command.js';
import { cidrNetwork, formatIPv4, parseIPv4Cidr } from '../../machinery/net/ipv4.js';
import type { NodeRoute } from './node-routes-plan.js';

/**
 * A VXLAN overlay to nodes that are not on a segment this node is connected to (flannel's vxlan
 * backend, without its Node annotations): one kernel `vxlan` link per node (VNI 1, UDP 8472, no
 * learning), whose MAC is derived from the node's IP and whose address is the network address of
 * the node's pod CIDR (/32). For each peer: a permanent neighbour entry (peer VTEP address -> peer
 * MAC), an FDB entry (peer MAC -> peer node IP) and `route <peer podCIDR> via <peer VTEP> onlink`.
 * Inner packets keep their pod addresses. Every command is idempotent (`replace`).
 */
export interface VxlanOptions {
  /** Link name (default flotilla.1). */
  dev?: string;
  /** This node's InternalIP (outer source address). */
  nodeIP: string;
  /** This node's pod CIDR (its network address becomes the VTEP address). */
  podCIDR: string;
  /** Run inside this named network namespace (`ip -n`, tests); default the current one. */
  netns?: string;
}

export const DEFAULT_VXLAN_DEV = 'flotilla.1';
const VNI = '1';
const PORT = '8472';

/** 0a:58:<ip bytes> (locally administered, unicast), as CNI plugins derive MACs from IPs. Pure. */
export function vtepMac(nodeIP: string): string {
  return ['0a', '58', ...nodeIP.split('.').map((o) => Number(o).toString(16).padStart(2, '0'))].join(':');
}

/** The network address of an IPv4 CIDR (10.42.3.0/24 -> 10.42.3.0). Throws for text that is not one. Pure. */
export function vtepAddress(cidr: string): string {
  const parsed = parseIPv4Cidr(cidr);
  if (!parsed) throw new Error(`not an IPv4 CIDR: ${cidr}`);
  return formatIPv4(cidrNetwork(parsed));
}

function ns(o: { netns?: string }): string[] {
  return o.netns ? ['-n', o.netns] : [];
}

/** Creates (or updates) the vxlan link. */
export async function ensureVxlan(o: VxlanOptions): Promise<void> {
  const dev = o.dev ?? DEFAULT_VXLAN_DEV;
  const have = await runCommand('ip', [...ns(o), '-j', '-d', 'link', 'show', dev], { allowFailure: true });
  const local =
    have.code === 0
      ? (JSON.parse(have.stdout) as { linkinfo?: { info_data?: { local?: string } } }[])[0]?.linkinfo?.info_data?.local
      : undefined;
  if (have.code === 0 && local !== o.nodeIP) await runCommand('ip', [...ns(o), 'link', 'del', dev]);
  if (have.code !== 0 || local !== o.nodeIP) {
    await runCommand('ip', [
      ...ns(o),
      'link',
      'add',
      dev,
      'type',
      'vxlan',
      'id',
      VNI,
      'local',
      o.nodeIP,
      'dstport',
      PORT,
      'nolearning',
    ]);
  }
  await runCommand('ip', [...ns(o), 'link', 'set', dev, 'address', vtepMac(o.nodeIP), 'mtu', '1450']);
  await runCommand('ip', [...ns(o), 'addr', 'replace', `${vtepAddress(o.podCIDR)}/32`, 'dev', dev]);
  await runCommand('ip', [...ns(o), 'link', 'set', dev, 'up']);
}

/** Adds or updates a peer: neighbour, FDB entry and the route to its pods through the overlay. */
export async function addVxlanPeer(o: Omit<VxlanOptions, 'podCIDR'>, peer: NodeRoute): Promise<void> {
  const dev = o.dev ?? DEFAULT_VXLAN_DEV;
  const mac = vtepMac(peer.via);
  const vtep = vtepAddress(peer.cidr);
  await runCommand('ip', [...ns(o), 'neigh', 'replace', vtep, 'lladdr', mac, 'dev', dev, 'nud', 'permanent']);
  await runCommand('bridge', [...ns(o), 'fdb', 'replace', mac, 'dev', dev, 'dst', peer.via, 'self', 'permanent']);
  await runCommand('ip', [...ns(o), 'route', 'replace', peer.cidr, 'via', vtep, 'dev', dev, 'onlink']);
}

/** Removes a peer's route, neighbour and FDB entry. Idempotent. */
export async function removeVxlanPeer(o: Omit<VxlanOptions, 'podCIDR'>, peer: NodeRoute): Promise<void> {
  const dev = o.dev ?? DEFAULT_VXLAN_DEV;
  await runCommand('ip', [...ns(o), 'route', 'del', peer.cidr, 'dev', dev], { allowFailure: true });
  await runCommand('ip', [...ns(o), 'neigh', 'del', vtepAddress(peer.cidr), 'dev', dev], { allowFailure: true });
  await runCommand('bridge', [...ns(o), 'fdb', 'del', vtepMac(peer.via), 'dev', dev, 'dst', peer.via, 'self'], {
    allowFailure: true,
  });
}

/** Deletes the vxlan link (its neighbours, FDB entries and routes go with it). Idempotent. */
export async function deleteVxlan(o: { dev?: string; netns?: string }): Promise<void> {
  await runCommand('ip', [...ns(o), 'link', 'del', o.dev ?? DEFAULT_VXLAN_DEV], { allowFailure: true });
}
