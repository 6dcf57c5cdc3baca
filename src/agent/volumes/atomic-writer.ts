import { randomBytes } from 'node:crypto';
import {
  chmod,
  lstat,
  mkdir,
  readdir,
  readFile,
  readlink,
  rename,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { dirname, join, normalize, sep } from 'node:path';

/** One file of a projected volume: its bytes and permission bits. */
export interface FileProjection {
  data: Buffer;
  mode: number;
}

/** Relative path -> file, as a configMap/secret/downwardAPI/projected volume lays them out. */
export type Payload = Map<string, FileProjection>;

const DATA_DIR = '..data';
const DATA_TMP = '..data_tmp';

/**
 * Checks a payload path as the kubelet does: relative, no `..` element, not starting with `..`,
 * at most 4096 bytes; returns the cleaned path. Throws for a bad one. Pure.
 */
export function validatePayloadPath(p: string): string {
  if (!p) throw new Error('invalid path: must not be empty');
  if (p.startsWith('/')) throw new Error(`invalid path ${JSON.stringify(p)}: must be relative`);
  if (p.length > 4096)
    throw new Error(`invalid path ${JSON.stringify(p)}: must be less than or equal to 4096 characters`);
  if (p.split('/').includes('..')) throw new Error(`invalid path ${JSON.stringify(p)}: must not contain '..'`);
  if (p.startsWith('..')) throw new Error(`invalid path ${JSON.stringify(p)}: must not start with '..'`);
  return normalize(p).replace(/\/+$/, '');
}

/** The timestamped directory name the kubelet uses: `..2006_01_02_15_04_05.<random>`. */
function tsDirName(now: Date): string {
  const pad = (n: number): string => String(n).padStart(2, '0');
  const t = `${now.getUTCFullYear()}_${pad(now.getUTCMonth() + 1)}_${pad(now.getUTCDate())}_${pad(now.getUTCHours())}_${pad(now.getUTCMinutes())}_${pad(now.getUTCSeconds())}`;
  return `..${t}.${randomBytes(5).readUInt32BE(0)}`;
}

/** Whether the files under `..data` are exactly the payload (bytes and modes). */
async function sameAsOnDisk(target: string, payload: Payload): Promise<boolean> {
  const current = join(target, DATA_DIR);
  const onDisk = await listFiles(current).catch(() => undefined);
  if (!onDisk || onDisk.length !== payload.size) return false;
  for (const rel of onDisk) {
    const want = payload.get(rel);
    if (!want) return false;
    const [data, st] = await Promise.all([readFile(join(current, rel)), stat(join(current, rel))]);
    if (!data.equals(want.data) || (st.mode & 0o7777) !== want.mode) return false;
  }
  return true;
}

/** Regular files under dir, as relative paths. */
async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await listFiles(dir, rel)));
    else out.push(rel);
  }
  return out;
}

/**
 * Writes a payload into `target` atomically, as the kubelet's AtomicWriter: the files go into a new
 * timestamped directory `..<time>.<n>`, a `..data_tmp` symlink to it is renamed over `..data`
 * (one rename: readers see the old set or the new one, never a mix), each top-level name is a
 * symlink `name -> ..data/name`, and the previous timestamped directory and names no longer in the
 * payload are removed. Returns false (and writes nothing) when the payload is already on disk.
 * Paths must pass validatePayloadPath. Idempotent; one writer per target at a time.
 */
export async function writeAtomic(target: string, payload: Payload, now: Date = new Date()): Promise<boolean> {
  const clean: Payload = new Map([...payload].map(([p, f]) => [validatePayloadPath(p), f]));
  await mkdir(target, { recursive: true });
  if (await sameAsOnDisk(target, clean)) return false;
  const oldTs = await readlink(join(target, DATA_DIR)).catch(() => undefined);
  const oldNames = oldTs ? await topLevelNames(join(target, oldTs)) : new Set<string>();

  const ts = tsDirName(now);
  const tsDir = join(target, ts);
  await mkdir(tsDir, { mode: 0o755 });
  for (const [rel, f] of clean) {
    const file = join(tsDir, rel);
    await mkdir(dirname(file), { recursive: true, mode: 0o755 });
    await writeFile(file, f.data, { mode: f.mode });
    await chmod(file, f.mode); // writeFile's mode is masked by the umask
  }
  await rm(join(target, DATA_TMP), { force: true });
  await symlink(ts, join(target, DATA_TMP));
  await rename(join(target, DATA_TMP), join(target, DATA_DIR));

  const newNames = new Set([...clean.keys()].map((p) => p.split(sep)[0] ?? p));
  for (const name of newNames) {
    const link = join(target, name);
    const st = await lstat(link).catch(() => undefined);
    if (st?.isSymbolicLink()) continue;
    if (st) await rm(link, { recursive: true, force: true });
    await symlink(join(DATA_DIR, name), link);
  }
  for (const name of oldNames) if (!newNames.has(name)) await rm(join(target, name), { force: true });
  if (oldTs && oldTs !== ts) await rm(join(target, oldTs), { recursive: true, force: true });
  return true;
}

async function topLevelNames(dir: string): Promise<Set<string>> {
  return new Set(await readdir(dir).catch(() => [] as string[]));
}
