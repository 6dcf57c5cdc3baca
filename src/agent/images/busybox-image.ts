import { createHash } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { runCommand } from '../../machinery/exec/run-command.js';
import { sha256File } from './sha256-file.js';

/**
 * Debian's dynamically linked busybox, which scripts/setup.sh unpacks here (`apt-get download
 * busybox`: the package itself conflicts with busybox-static). The image prefers it: busybox-static's
 * shell runs its own applets before looking at PATH, so the image's /bin/wget (see WGET) would never
 * be reached.
 */
export const DEBIAN_BUSYBOX = '/usr/local/lib/flotilla/busybox/bin/busybox';

/** The busybox the image is built from: Debian's dynamic one when unpacked, else busybox-static's. */
export async function defaultImageBusybox(): Promise<string> {
  return (await stat(DEBIAN_BUSYBOX).catch(() => undefined)) ? DEBIAN_BUSYBOX : '/bin/busybox';
}

export interface BusyboxImageOptions {
  /** The busybox to copy (default: defaultImageBusybox()); a dynamic one brings the libraries `ldd` lists. */
  busybox?: string;
  /** Full reference recorded in the archive (default docker.io/library/busybox:latest). */
  name?: string;
  /**
   * Files of a second layer on top (path in the image -> content), for distinct images that share
   * the busybox base layer (image GC and pruning tests). The base layer is byte-identical every time.
   */
  extraLayer?: Record<string, string>;
  /** A host directory whose tree is added as that second layer (with `extraLayer`'s files, if any). */
  extraLayerDir?: string;
}

/**
 * /bin/wget: busybox 1.35 (Debian 12) dies of a NULL write while parsing wget's -T, which tutorials
 * use (`wget -T 2 -qO- http://svc`): its build leaves the timeout feature out. The script drops
 * -T N / -TN / --timeout=N and bounds the whole download with busybox's `timeout` instead, ending as
 * wget's own timeout does (the message, exit 1).
 */
const WGET = `#!/bin/sh
t=
n=$#
while [ "$n" -gt 0 ]; do
  a=$1
  shift
  n=$((n - 1))
  case $a in
  -T)
    t=$1
    shift
    n=$((n - 1))
    ;;
  -T*) t=\${a#-T} ;;
  --timeout=*) t=\${a#--timeout=} ;;
  *) set -- "$@" "$a" ;;
  esac
done
[ -z "$t" ] && exec /bin/busybox wget "$@"
# SIGINT: a shell reports a child killed by SIGTERM ("Terminated"), not one interrupted. (A real
# Ctrl-C interrupts this script too, so 130 here means the timeout.)
/bin/busybox timeout -s INT "$t" /bin/busybox wget "$@"
s=$?
[ "$s" -ne 130 ] && exit "$s"
echo "wget: download timed out" >&2
exit 1
`;

/** Name lookups as a glibc distribution has them (a dynamic busybox's resolver reads it). */
const NSSWITCH = 'passwd: files\ngroup: files\nhosts: files dns\nnetworks: files\nservices: files\nprotocols: files\n';

const PASSWD = 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n';
const GROUP = 'root:x:0:\nnogroup:x:65534:\n';

/**
 * Builds an OCI image layout tar at `outFile` holding one layer: /bin/busybox (with its shared
 * libraries when it is a dynamic build), a symlink in /bin
 * for every applet it lists (except `busybox` itself, which would replace the binary with a link
 * to itself; wget is a script, see WGET), /etc/passwd, /etc/group, /tmp and /root; config Cmd ["sh"]
 * and the usual PATH.
 * Needs nothing from the network: tests and offline machines import the result.
 */
export async function buildBusyboxImage(outFile: string, opts: BusyboxImageOptions = {}): Promise<void> {
  const busybox = opts.busybox ?? (await defaultImageBusybox());
  const work = await mkdtemp(join(tmpdir(), 'flotilla-busybox-'));
  try {
    const root = join(work, 'rootfs');
    for (const d of ['bin', 'etc', 'root', 'tmp', 'proc', 'sys', 'dev'])
      await mkdir(join(root, d), { recursive: true });
    await copyFile(busybox, join(root, 'bin', 'busybox'));
    await runCommand('chmod', ['0755', join(root, 'bin', 'busybox')]);
    await runCommand('chmod', ['1777', join(root, 'tmp')]);
    const applets = (await runCommand(busybox, ['--list'])).stdout
      .split('\n')
      .map((s) => s.trim())
      .filter((s) => s && s !== 'busybox');
    await Promise.all(applets.filter((a) => a !== 'wget').map((a) => symlink('busybox', join(root, 'bin', a))));
    await writeFile(join(root, 'bin', 'wget'), WGET, { mode: 0o755 });
    // A dynamic busybox: the C library, resolver and loader it links against, at the same paths.
    const ldd = await runCommand('ldd', [busybox], { allowFailure: true });
    for (const [, lib] of ldd.code === 0 ? ldd.stdout.matchAll(/(\/\S+\.so[.\d]*)/g) : []) {
      if (!lib) continue;
      await mkdir(dirname(join(root, lib)), { recursive: true });
      await copyFile(lib, join(root, lib));
    }
    await writeFile(join(root, 'etc', 'nsswitch.conf'), NSSWITCH);
    await writeFile(join(root, 'etc', 'passwd'), PASSWD);
    await writeFile(join(root, 'etc', 'group'), GROUP);

    const layout = join(work, 'layout');
    const blobs = join(layout, 'blobs', 'sha256');
    await mkdir(blobs, { recursive: true });
    const layerTar = join(work, 'layer.tar');
    await runCommand('tar', [
      '-cf',
      layerTar,
      '-C',
      root,
      '--numeric-owner',
      '--owner=0',
      '--group=0',
      '--sort=name',
      '--mtime=@0',
      '.',
    ]);
    const layerDigest = await sha256File(layerTar);
    await copyFile(layerTar, join(blobs, layerDigest));
    const layerSize = (await stat(layerTar)).size;
    const layers = [
      { mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: `sha256:${layerDigest}`, size: layerSize },
    ];
    if (opts.extraLayer || opts.extraLayerDir) {
      const extra = opts.extraLayerDir ?? join(work, 'extra');
      await mkdir(extra, { recursive: true });
      for (const [path, content] of Object.entries(opts.extraLayer ?? {})) {
        await mkdir(dirname(join(extra, path)), { recursive: true });
        await writeFile(join(extra, path), content);
      }
      const extraTar = join(work, 'extra.tar');
      await runCommand('tar', [
        '-cf',
        extraTar,
        '-C',
        extra,
        '--numeric-owner',
        '--owner=0',
        '--group=0',
        '--sort=name',
        '--mtime=@0',
        '.',
      ]);
      const digest = await sha256File(extraTar);
      await copyFile(extraTar, join(blobs, digest));
      layers.push({
        mediaType: 'application/vnd.oci.image.layer.v1.tar',
        digest: `sha256:${digest}`,
        size: (await stat(extraTar)).size,
      });
    }

    const config = JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: ['sh'] },
      rootfs: { type: 'layers', diff_ids: layers.map((l) => l.digest) },
    });
    const configDigest = await putBlob(blobs, config);
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        digest: `sha256:${configDigest}`,
        size: Buffer.byteLength(config),
      },
      layers,
    });
    const manifestDigest = await putBlob(blobs, manifest);
    const name = opts.name ?? 'docker.io/library/busybox:latest';
    await writeFile(join(layout, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
    await writeFile(
      join(layout, 'index.json'),
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.index.v1+json',
        manifests: [
          {
            mediaType: 'application/vnd.oci.image.manifest.v1+json',
            digest: `sha256:${manifestDigest}`,
            size: Buffer.byteLength(manifest),
            annotations: {
              'io.containerd.image.name': name,
              'org.opencontainers.image.ref.name': name.slice(name.lastIndexOf(':') + 1),
            },
          },
        ],
      }),
    );
    await runCommand('tar', [
      '-cf',
      outFile,
      '-C',
      layout,
      '--numeric-owner',
      '--owner=0',
      '--group=0',
      '--sort=name',
      '.',
    ]);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function putBlob(dir: string, content: string): Promise<string> {
  const digest = createHash('sha256').update(content).digest('hex');
  await writeFile(join(dir, digest), content);
  return digest;
}
