import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** What an agent changed on the host's network, recorded for `flotilla killall`. */
export interface NetworkState {
  /** The pods' host bridge (e.g. flotilla0). */
  bridge: string;
  /** The node's pod CIDR on that bridge. */
  subnet: string;
  /** Blackhole routes the agent installed ([] for none). */
  blackholeRoutes: string[];
}

const FILE = 'network.json';

/** Writes `<data-dir>/network.json` (the agent, at start). */
export async function recordNetworkState(dataDir: string, state: NetworkState): Promise<void> {
  await mkdir(dataDir, { recursive: true });
  await writeFile(join(dataDir, FILE), `${JSON.stringify(state, null, 2)}\n`);
}

/** Reads `<data-dir>/network.json`; undefined when no agent recorded one there. */
export async function readNetworkState(dataDir: string): Promise<NetworkState | undefined> {
  const text = await readFile(join(dataDir, FILE), 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  const s = JSON.parse(text) as Partial<NetworkState>;
  return { bridge: s.bridge ?? 'flotilla0', subnet: s.subnet ?? '', blackholeRoutes: s.blackholeRoutes ?? [] };
}
