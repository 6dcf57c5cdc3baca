import { join } from 'node:path';

export interface ImagesFlags {
  dataDir: string;
  /** Log level (FLOTILLA_LOG_LEVEL; default warn). */
  logLevel?: string;
}

/**
 * `flotilla images import FILE [--name REF] [--no-pin]`: imports an OCI-layout or docker-save tar
 * into `<data-dir>/images`, pinned (kept by image GC) unless --no-pin.
 */
export async function importImages(file: string, flags: ImagesFlags & { name?: string; pin?: boolean }): Promise<void> {
  const store = await openStore(flags);
  const records = await store.importArchive(file, { defaultName: flags.name, pinned: flags.pin !== false });
  for (const r of records) process.stdout.write(`imported ${r.names.join(', ') || '<unnamed>'} ${r.id}\n`);
}

/** `flotilla images ls`: one line per name, like `crictl images`. */
export async function listImages(flags: ImagesFlags): Promise<void> {
  const [{ shortImageRef }, store] = await Promise.all([import('../agent/images/image-ref.js'), openStore(flags)]);
  const rows = [['IMAGE', 'TAG', 'IMAGE ID', 'SIZE']];
  for (const img of await store.list()) {
    for (const n of img.names) {
      const short = shortImageRef(n);
      const at = short.lastIndexOf(':');
      rows.push([short.slice(0, at), short.slice(at + 1), img.id.slice(7, 20), `${(img.size / 1e6).toFixed(1)}MB`]);
    }
  }
  const widths = rows[0]?.map((_c, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  for (const r of rows)
    process.stdout.write(
      `${r
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd()}\n`,
    );
}

/**
 * `flotilla images rm REF`: removes the image and deletes its blobs and unpacked layers that no other
 * image references and no container's rootfs uses (those stay until unused). Exits 1 when absent.
 */
export async function removeImage(ref: string, flags: ImagesFlags): Promise<void> {
  const store = await openStore(flags);
  const pruned = await store.remove(ref);
  if (!pruned) {
    process.stderr.write(`no such image: ${ref}\n`);
    process.exit(1);
  }
  const kept = pruned.kept.length ? `; ${pruned.kept.length} kept (in use)` : '';
  process.stdout.write(
    `removed ${ref} (freed ${pruned.bytes} bytes: ${pruned.blobs.length} blobs, ${pruned.layers.length} unpacked layers${kept})\n`,
  );
}

/** `flotilla images build-busybox FILE`: writes a busybox OCI archive from the machine's busybox (the offline default image). */
export async function buildBusybox(file: string): Promise<void> {
  const { buildBusyboxImage } = await import('../agent/images/busybox-image.js');
  await buildBusyboxImage(file);
  process.stdout.write(`wrote ${file} (docker.io/library/busybox:latest)\n`);
}

async function openStore({ dataDir, logLevel }: ImagesFlags) {
  const [{ ImageStore }, { createLogger }] = await Promise.all([
    import('../agent/images/image-store.js'),
    import('../server/create-logger.js'),
  ]);
  return new ImageStore(join(dataDir, 'images'), createLogger(logLevel ?? 'warn'));
}

/**
 * `flotilla images pull REF [--creds USER:PASSWORD]`: pulls from the registry (mirrors, credentials
 * and TLS from `<data-dir>/registries.yaml`) into `<data-dir>/images`, like `crictl pull`.
 * Exits 1 with the registry's reason on failure.
 */
export async function pullImage(ref: string, flags: ImagesFlags & { creds?: string }): Promise<void> {
  const [{ ImagePuller }, { loadRegistriesConfig }, { parseImageName }, { createLogger }, { pullProgressLine }] =
    await Promise.all([
      import('../agent/images/pull-image.js'),
      import('../agent/images/registries-config.js'),
      import('../agent/images/registry/image-name.js'),
      import('../server/create-logger.js'),
      import('./pull-progress.js'),
    ]);
  const store = await openStore(flags);
  const log = createLogger(flags.logLevel ?? 'warn');
  try {
    const secrets = [];
    if (flags.creds) {
      const colon = flags.creds.indexOf(':');
      if (colon <= 0) throw new Error('--creds must be USER:PASSWORD');
      secrets.push({
        match: parseImageName(ref).host,
        username: flags.creds.slice(0, colon),
        password: flags.creds.slice(colon + 1),
      });
    }
    // Progress on stderr (stdout keeps the one result line scripts read): rewritten in place on a
    // terminal, a line a second otherwise.
    const tty = process.stderr.isTTY === true;
    const puller = new ImagePuller({
      store,
      registries: await loadRegistriesConfig(flags.dataDir),
      log,
      progressIntervalMs: tty ? 200 : 1000,
      onProgress: (p) => {
        if (p.done) {
          if (tty) process.stderr.write('\r\x1b[K');
          return;
        }
        process.stderr.write(tty ? `\r\x1b[K${pullProgressLine(p)}` : `${pullProgressLine(p)}\n`);
      },
    });
    const t0 = performance.now();
    const img = await puller.pull(ref, { secrets });
    process.stdout.write(
      `pulled ${parseImageName(ref).ref} ${img.id} (${img.size} bytes in ${((performance.now() - t0) / 1000).toFixed(3)}s)\n`,
    );
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
}
