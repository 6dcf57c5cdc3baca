/**
 * Names and addresses of the extra nodes `flotilla up --nodes N` runs on this machine. Pure.
 *
 *   host (node 1, in-process agent) -- bridge <cluster>-br, <subnet>.1
 *      |-- veth <cluster>-v2 ==== eth0 <subnet>.2 in netns <cluster>-node2 (agent process, node <cluster>-node2)
 *      |-- veth <cluster>-v3 ==== eth0 <subnet>.3 in netns <cluster>-node3 ...
 */
import { cidrNetwork, cidrSize, formatIPv4, parseIPv4Cidr } from '../machinery/net/ipv4.js';

export const DEFAULT_CLUSTER_NAME = 'flotilla';
/** Private segment of the node bridge: the host is .1, node i is .i. */
export const DEFAULT_NODE_SUBNET = '10.44.0.0/24';

export interface ExtraNode {
  /** 2..N (node 1 is the host). */
  index: number;
  /** Node name, netns name: `<cluster>-node<i>`. */
  name: string;
  netns: string;
  /** Host end of the veth pair (on the node bridge); the netns end is `eth0`. */
  veth: string;
  /** The node's InternalIP on the node bridge. */
  ip: string;
}

export interface NodeLayout {
  cluster: string;
  /** Host bridge joining the nodes. */
  bridge: string;
  subnet: string;
  prefix: number;
  /** The host's address on the bridge (node 1's InternalIP; where the API server is reached). */
  hostIP: string;
  nodes: ExtraNode[];
}

/** Interface names are at most 15 bytes: `<cluster>-v<i>` must fit. */
const CLUSTER_NAME = /^[a-z][a-z0-9]{0,9}$/;

/**
 * The layout of a cluster of `count` nodes (count - 1 extra nodes). Throws an Error naming the bad
 * value: cluster names are 1-10 lowercase letters and digits (starting with a letter); the subnet is
 * an IPv4 CIDR of /16 to /28 with room for count + 1 hosts.
 */
export function nodeLayout(cluster: string, count: number, subnet: string = DEFAULT_NODE_SUBNET): NodeLayout {
  if (!CLUSTER_NAME.test(cluster))
    throw new Error(`cluster name "${cluster}": 1-10 lowercase letters or digits, starting with a letter`);
  if (!Number.isInteger(count) || count < 1) throw new Error(`nodes ${count}: must be a whole number of at least 1`);
  const range = parseIPv4Cidr(subnet);
  if (!range || range.prefix < 16 || range.prefix > 28)
    throw new Error(`node subnet "${subnet}": an IPv4 CIDR from /16 to /28, e.g. ${DEFAULT_NODE_SUBNET}`);
  const { prefix } = range;
  const net = cidrNetwork(range);
  const hosts = cidrSize(prefix) - 2;
  if (count > hosts || count > 99)
    throw new Error(`nodes ${count}: more than ${Math.min(hosts, 99)} (subnet ${subnet})`);
  const ipAt = (i: number): string => formatIPv4(net + i);
  const nodes: ExtraNode[] = [];
  for (let i = 2; i <= count; i++)
    nodes.push({
      index: i,
      name: `${cluster}-node${i}`,
      netns: `${cluster}-node${i}`,
      veth: `${cluster}-v${i}`,
      ip: ipAt(i),
    });
  return { cluster, bridge: `${cluster}-br`, subnet: `${ipAt(0)}/${prefix}`, prefix, hostIP: ipAt(1), nodes };
}
