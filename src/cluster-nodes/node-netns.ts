import { existsSync } from 'node:fs';
import { runCommand } from '../machinery/exec/run-command.js';
import type { ExtraNode, NodeLayout } from './node-layout.js';

/** Path of a named network namespace (`ip netns add`). */
export function netnsPath(netns: string): string {
  return `/run/netns/${netns}`;
}

/**
 * The host bridge joining the nodes, with the host's address (node 1's InternalIP) on it. Idempotent.
 * Made before the API server starts, so the server can listen there and its certificate names it.
 */
export async function ensureNodeBridge(l: NodeLayout): Promise<void> {
  if (!existsSync(`/sys/class/net/${l.bridge}`)) await runCommand('ip', ['link', 'add', l.bridge, 'type', 'bridge']);
  await runCommand('ip', ['addr', 'replace', `${l.hostIP}/${l.prefix}`, 'dev', l.bridge]);
  await runCommand('ip', ['link', 'set', l.bridge, 'up']);
}

/**
 * One node's network namespace: `ip netns add <netns>`, a veth pair (host end `<veth>` on the node
 * bridge, `eth0` inside with the node's address), lo up, forwarding on (it routes for its pods).
 * No default route: the node reaches the host and its peers on the segment, nothing else. Idempotent
 * (an existing namespace is reused).
 */
export async function createNodeNamespace(l: NodeLayout, n: ExtraNode): Promise<void> {
  if (!existsSync(netnsPath(n.netns))) await runCommand('ip', ['netns', 'add', n.netns]);
  if (!existsSync(`/sys/class/net/${n.veth}`)) {
    await runCommand('ip', ['link', 'add', n.veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', n.netns]);
  }
  await runCommand('ip', ['link', 'set', n.veth, 'master', l.bridge]);
  await runCommand('ip', ['link', 'set', n.veth, 'up']);
  await runCommand('ip', ['-n', n.netns, 'addr', 'replace', `${n.ip}/${l.prefix}`, 'dev', 'eth0']);
  await runCommand('ip', ['-n', n.netns, 'link', 'set', 'eth0', 'up']);
  await runCommand('ip', ['-n', n.netns, 'link', 'set', 'lo', 'up']);
  // ip_forward is per network namespace (a new one starts with 0); nsenter keeps /sys and the mounts the host's.
  // (/proc/sys/net shows the writer's namespace; written by sh so procps' sysctl is not needed.)
  await runCommand('nsenter', [
    `--net=${netnsPath(n.netns)}`,
    '--',
    'sh',
    '-c',
    'echo 1 > /proc/sys/net/ipv4/ip_forward',
  ]);
}

/** Cuts (down) or restores (up) a node's link to the bridge: its host-side veth. Simulates a network failure. */
export async function setNodeLink(n: Pick<ExtraNode, 'veth'>, up: boolean): Promise<void> {
  await runCommand('ip', ['link', 'set', n.veth, up ? 'up' : 'down']);
}

/** Deletes a node's namespace (its interfaces, routes and nftables tables go with it) and the host-side veth. Idempotent. */
export async function deleteNodeNamespace(n: Pick<ExtraNode, 'netns' | 'veth'>): Promise<void> {
  await runCommand('ip', ['link', 'del', n.veth], { allowFailure: true });
  if (existsSync(netnsPath(n.netns))) await runCommand('ip', ['netns', 'del', n.netns], { allowFailure: true });
}

/** Deletes the node bridge; the host's routes through it go with it. Idempotent. */
export async function deleteNodeBridge(bridge: string): Promise<void> {
  if (existsSync(`/sys/class/net/${bridge}`)) await runCommand('ip', ['link', 'del', bridge], { allowFailure: true });
}
