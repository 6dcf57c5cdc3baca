import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { runCommand } from '../../machinery/exec/run-command.js';

/**
 * Unpacks one layer blob (tar, gzip-compressed or not: GNU tar detects it) into `dir`, keeping
 * numeric owners, modes and device files, then turns OCI whiteouts into overlayfs ones: `.wh.NAME`
 * becomes a 0/0 character device NAME. Opaque directories (`.wh..wh..opq`) need the
 * trusted.overlay.opaque xattr, which Node cannot set and the machine has no setfattr for: they
 * are logged and dropped (a later slice applies them by flattening). `dir` must exist and be empty.
 *
 * The `tar` binary rather than an npm tar reader: it handles every tar dialect, device nodes,
 * hard links and xattrs, and runs outside the event loop.
 */
export async function unpackLayer(blobPath: string, dir: string, log: Logger): Promise<void> {
  await runCommand('tar', ['-xf', blobPath, '-C', dir, '--numeric-owner', '--same-permissions', '--same-owner']);
  await convertWhiteouts(dir, log);
}

async function convertWhiteouts(dir: string, log: Logger): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.name === '.wh..wh..opq') {
      log.warn({ dir }, 'image layer has an opaque directory; not applied yet');
      await rm(p, { force: true });
    } else if (e.name.startsWith('.wh.')) {
      await rm(p, { force: true });
      await runCommand('mknod', [join(dir, e.name.slice(4)), 'c', '0', '0']);
    } else if (e.isDirectory()) {
      await convertWhiteouts(p, log);
    }
  }
}
