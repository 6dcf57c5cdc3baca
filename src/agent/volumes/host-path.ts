import { mkdir, open, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';

/**
 * Checks (and for the *OrCreate types makes) a hostPath volume's path, as the kubelet's hostPath
 * plugin: '' = no check; DirectoryOrCreate makes the directory (0755, parents too); FileOrCreate an
 * empty file (0644; its parent must exist); Directory, File, Socket, CharDevice, BlockDevice must
 * exist as that. Throws `hostPath type check failed: ...`. Idempotent.
 */
export async function checkHostPath(path: string, type: string | undefined): Promise<void> {
  const st = await stat(path).catch(() => undefined);
  const fail = (what: string): never => {
    throw new Error(`hostPath type check failed: ${path} is not ${what}`);
  };
  switch (type ?? '') {
    case '':
      return;
    case 'DirectoryOrCreate':
      if (!st) await mkdir(path, { recursive: true, mode: 0o755 });
      else if (!st.isDirectory()) fail('a directory');
      return;
    case 'FileOrCreate':
      if (!st) await (await open(path, 'a', 0o644)).close();
      else if (st.isDirectory()) fail('a file');
      return;
    case 'Directory':
      return check(
        st,
        (s) => s.isDirectory(),
        () => fail('a directory'),
      );
    case 'File':
      return check(
        st,
        (s) => s.isFile(),
        () => fail('a file'),
      );
    case 'Socket':
      return check(
        st,
        (s) => s.isSocket(),
        () => fail('a socket file'),
      );
    case 'CharDevice':
      return check(
        st,
        (s) => s.isCharacterDevice(),
        () => fail('a character device'),
      );
    case 'BlockDevice':
      return check(
        st,
        (s) => s.isBlockDevice(),
        () => fail('a block device'),
      );
    default:
      throw new Error(`hostPath type check failed: unknown type ${JSON.stringify(type)}`);
  }
}

function check(st: Stats | undefined, ok: (s: Stats) => boolean, fail: () => never): void {
  if (!st || !ok(st)) fail();
}
