import { chmod, readdir } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Tightens what an older version (or a umask) left readable: the data dir and its db/, tls/ and
 * cred/ directories to 0700, the files in them and the token files to 0600. Files that do not
 * exist are skipped. Other folders (an agent's images and volumes) keep their modes: containers
 * read them.
 */
export async function tightenDataDirModes(dataDir: string): Promise<void> {
  await chmodIfPresent(dataDir, 0o700);
  for (const dir of ['db', 'tls', 'cred']) {
    const path = join(dataDir, dir);
    if (!(await chmodIfPresent(path, 0o700))) continue;
    for (const entry of await readdir(path, { withFileTypes: true }))
      if (entry.isFile()) await chmodIfPresent(join(path, entry.name), 0o600);
  }
  for (const file of ['token', 'admin-token', 'kubeconfig.yaml']) await chmodIfPresent(join(dataDir, file), 0o600);
}

async function chmodIfPresent(path: string, mode: number): Promise<boolean> {
  try {
    await chmod(path, mode);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}
