import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ExtraNode } from './node-layout.js';

/** What `flotilla up --nodes N` made on the host, recorded for its own stop and for `flotilla killall`. */
export interface ClusterNodesState {
  bridge: string;
  subnet: string;
  nodes: Array<ExtraNode & { dataDir: string; pid?: number }>;
}

const FILE = 'cluster-nodes.json';

export async function writeClusterNodesState(dataDir: string, state: ClusterNodesState): Promise<void> {
  await mkdir(dataDir, { recursive: true });
  await writeFile(join(dataDir, FILE), `${JSON.stringify(state, null, 2)}\n`);
}

/** undefined when the data dir's `up` made no extra nodes (or they were removed). */
export async function readClusterNodesState(dataDir: string): Promise<ClusterNodesState | undefined> {
  const text = await readFile(join(dataDir, FILE), 'utf8').catch(() => undefined);
  if (!text) return undefined;
  try {
    return JSON.parse(text) as ClusterNodesState;
  } catch {
    return undefined;
  }
}

export async function removeClusterNodesState(dataDir: string): Promise<void> {
  await rm(join(dataDir, FILE), { force: true });
}
