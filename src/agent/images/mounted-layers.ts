import { readFile } from 'node:fs/promises';

/**
 * The lowerdir stacks of every overlay mounted on this host (top layer first, as overlayfs lists
 * them), read from a mountinfo text. Containers' rootfs are such overlays over the image store's
 * unpacked layers, from prepareContainer until removeContainer (so exited-but-not-removed
 * containers count too). Octal escapes (`\040` for a space) are decoded; `\:` and `\,` too. Pure.
 */
export function overlayLowerStacks(mountinfo: string): string[][] {
  const stacks: string[][] = [];
  for (const line of mountinfo.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const [fstype, , superOptions = ''] = line.slice(sep + 3).split(' ');
    if (fstype !== 'overlay') continue;
    for (const opt of splitUnescaped(superOptions, ',')) {
      if (!opt.startsWith('lowerdir=')) continue;
      stacks.push(splitUnescaped(opt.slice('lowerdir='.length), ':').map(unescapeMountinfo));
    }
  }
  return stacks;
}

/** The overlay lowerdir stacks mounted now, seen from this process's mount namespace (the host's, for the agent). */
export async function mountedLowerStacks(mountinfoPath = '/proc/self/mountinfo'): Promise<string[][]> {
  return overlayLowerStacks(await readFile(mountinfoPath, 'utf8'));
}

/** Splits on `sep` where it is not preceded by a backslash (overlayfs escapes `:` and `,` inside paths). */
function splitUnescaped(s: string, sep: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i] ?? '';
    if (c === '\\' && i + 1 < s.length) {
      cur += c + (s[i + 1] ?? '');
      i++;
    } else if (c === sep) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

function unescapeMountinfo(s: string): string {
  return s
    .replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)))
    .replace(/\\([:,\\])/g, '$1');
}
