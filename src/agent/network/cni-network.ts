import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { PortMapping } from '../runtime/container-runtime.js';
import { runCommand } from '../../machinery/exec/run-command.js';
import { DEFAULT_NODE_POD_CIDR } from '../../machinery/net/cluster-network.js';
import { inheritedEnv } from '../../machinery/config/switches.js';

export interface CniOptions {
  /** Where the plugin binaries are (Debian: /usr/lib/cni). */
  pluginDir?: string;
  /** Host bridge the pods attach to (default flotilla0). */
  bridge?: string;
  /** The node's pod CIDR (spec.podCIDR; default 10.42.0.0/24). */
  subnet?: string;
  /** host-local IPAM state (default under the agent's data dir). */
  ipamDataDir: string;
  log: Logger;
}

/** What a pod got from CNI ADD. */
export interface PodNetworkResult {
  ip: string;
  gateway?: string;
}

interface CniResult {
  cniVersion?: string;
  ips?: { address?: string; gateway?: string }[];
  code?: number;
  msg?: string;
  details?: string;
}

const CNI_VERSION = '1.0.0';
const NETWORK_NAME = 'flotilla';

/**
 * Attaches pod network namespaces with the standard CNI plugins, executed directly as the CNI spec
 * describes (CNI_COMMAND, CNI_NETNS, ... in the environment, the network config on stdin): `bridge`
 * (isGateway, no masquerade yet) with `host-local` IPAM on the node's pod CIDR for eth0, and
 * `portmap` chained after it for pods with hostPorts (iptables rules in its CNI-HOSTPORT-* chains). `lo` is not
 * CNI's: the runtime brings it up when it makes the namespaces (one helper process less per pod
 * than the `loopback` plugin).
 */
export class CniNetwork {
  readonly bridge: string;
  readonly subnet: string;
  private readonly pluginDir: string;

  constructor(private readonly opts: CniOptions) {
    this.bridge = opts.bridge ?? 'flotilla0';
    this.subnet = opts.subnet ?? DEFAULT_NODE_POD_CIDR;
    this.pluginDir = opts.pluginDir ?? '/usr/lib/cni';
  }

  /**
   * CNI ADD for a pod (id = pod uid): `bridge`, then `portmap` when the pod has hostPorts (its
   * mappings are kept in a file, since DEL needs them again, also after an agent restart). Returns
   * the pod's IPv4 address. Throws with the plugin's message.
   */
  async add(id: string, netnsPath: string, portMappings: PortMapping[] = []): Promise<PodNetworkResult> {
    const bridge = await this.exec('ADD', 'bridge', id, netnsPath, 'eth0', this.bridgeConfig());
    const ip = bridge.ips?.[0];
    if (!ip?.address) throw new Error(`CNI bridge returned no IP address for ${id}`);
    if (portMappings.length > 0) {
      await mkdir(this.portMapDir, { recursive: true });
      await writeFile(this.portMapFile(id), JSON.stringify(portMappings));
      await this.exec('ADD', 'portmap', id, netnsPath, 'eth0', this.portMapConfig(portMappings, bridge));
    }
    return { ip: ip.address.split('/')[0] ?? ip.address, gateway: ip.gateway };
  }

  /**
   * The IPv4 address host-local IPAM holds for a pod (id = pod uid), from its state files
   * (`<ipamDataDir>/flotilla/<ip>` containing the container id, then the interface): how a restarted
   * agent finds the IP of a pod whose namespace it re-adopts. undefined when none.
   */
  async findIP(id: string): Promise<string | undefined> {
    const dir = join(this.opts.ipamDataDir, NETWORK_NAME);
    for (const f of await readdir(dir).catch(() => [] as string[])) {
      if (!/^\d+\.\d+\.\d+\.\d+$/.test(f)) continue;
      const owner = (await readFile(join(dir, f), 'utf8').catch(() => '')).split(/\s+/)[0];
      if (owner === id) return f;
    }
    return undefined;
  }

  /** CNI DEL (releases the IP and the veth). Idempotent; tolerates a namespace that is already gone. */
  async del(id: string, netnsPath: string): Promise<void> {
    const kept = await readFile(this.portMapFile(id), 'utf8').catch(() => undefined);
    if (kept) {
      await this.exec('DEL', 'portmap', id, netnsPath, 'eth0', this.portMapConfig(JSON.parse(kept) as PortMapping[]));
      await rm(this.portMapFile(id), { force: true });
    }
    await this.exec('DEL', 'bridge', id, netnsPath, 'eth0', this.bridgeConfig());
  }

  /** Removes the bridge (tests; an agent keeps it). */
  async removeBridge(): Promise<void> {
    await runCommand('ip', ['link', 'del', this.bridge], { allowFailure: true });
  }

  private bridgeConfig(): Record<string, unknown> {
    return {
      cniVersion: CNI_VERSION,
      name: NETWORK_NAME,
      type: 'bridge',
      bridge: this.bridge,
      isGateway: true,
      ipMasq: false,
      hairpinMode: true,
      ipam: {
        type: 'host-local',
        ranges: [[{ subnet: this.subnet }]],
        routes: [{ dst: '0.0.0.0/0' }],
        dataDir: this.opts.ipamDataDir,
      },
    };
  }

  /** portmap as a chained plugin: SNAT on, so hairpin and 127.0.0.1 connections to a hostPort work. */
  private portMapConfig(portMappings: PortMapping[], prevResult?: CniResult): Record<string, unknown> {
    return {
      cniVersion: CNI_VERSION,
      name: NETWORK_NAME,
      type: 'portmap',
      snat: true,
      capabilities: { portMappings: true },
      runtimeConfig: { portMappings },
      ...(prevResult ? { prevResult: { ...prevResult, cniVersion: prevResult.cniVersion ?? CNI_VERSION } } : {}),
    };
  }

  private get portMapDir(): string {
    return join(this.opts.ipamDataDir, '..', 'portmaps');
  }

  private portMapFile(id: string): string {
    return join(this.portMapDir, `${id}.json`);
  }

  private async exec(
    command: 'ADD' | 'DEL',
    plugin: string,
    id: string,
    netns: string,
    ifName: string,
    conf: Record<string, unknown>,
  ): Promise<CniResult> {
    const env: NodeJS.ProcessEnv = {
      PATH: inheritedEnv().PATH,
      CNI_COMMAND: command,
      CNI_CONTAINERID: id,
      CNI_NETNS: netns,
      CNI_IFNAME: ifName,
      CNI_PATH: this.pluginDir,
    };
    const res = await runCommand(join(this.pluginDir, plugin), [], {
      env,
      input: JSON.stringify(conf),
      allowFailure: true,
    });
    const out = res.stdout.trim() ? (JSON.parse(res.stdout) as CniResult) : {};
    if (res.code !== 0)
      throw new Error(
        `CNI ${plugin} ${command} failed: ${out.msg ?? res.stderr.trim()}${out.details ? ` (${out.details})` : ''}`,
      );
    return out;
  }
}
