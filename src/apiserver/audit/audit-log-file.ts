import {
  createWriteStream,
  mkdirSync,
  openSync,
  readdirSync,
  renameSync,
  statSync,
  unlinkSync,
  type WriteStream,
} from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';

export interface AuditLogFileOptions {
  /** `--audit-log-path`; `-` writes to stdout. */
  path: string;
  /** `--audit-log-maxsize`: megabytes before the file is rotated; 0 = never. */
  maxSizeMb?: number;
  /** `--audit-log-maxbackup`: rotated files kept; 0 = all. */
  maxBackups?: number;
  /** `--audit-log-maxage`: days a rotated file is kept; 0 = forever. */
  maxAgeDays?: number;
}

/**
 * The audit log backend: one JSON event per line, appended through a buffered stream (requests
 * never wait for the disk). Past maxSizeMb the file is renamed with its time, as kube-apiserver's
 * log rotation names them (`audit-2026-12-07T20-01-02.345.log`), and a new one started; backups
 * beyond maxBackups or older than maxAgeDays are removed.
 */
export class AuditLogFile {
  private stream: WriteStream | NodeJS.WriteStream;
  private size = 0;

  constructor(private readonly options: AuditLogFileOptions) {
    this.stream = this.open();
  }

  write(line: string): void {
    this.stream.write(line);
    this.size += Buffer.byteLength(line);
    const max = (this.options.maxSizeMb ?? 0) * 1024 * 1024;
    if (max > 0 && this.size >= max) this.rotate();
  }

  /** Flushes and closes the file. */
  close(): Promise<void> {
    if (this.options.path === '-') return Promise.resolve();
    return new Promise((resolve) => (this.stream as WriteStream).end(resolve));
  }

  private open(): WriteStream | NodeJS.WriteStream {
    if (this.options.path === '-') return process.stdout;
    mkdirSync(dirname(this.options.path), { recursive: true, mode: 0o700 });
    try {
      this.size = statSync(this.options.path).size;
    } catch {
      this.size = 0;
    }
    // Opened here, not by the stream later: a rotation right after must find the file to rename.
    const fd = openSync(this.options.path, 'a', 0o600);
    return createWriteStream('', { fd });
  }

  private rotate(): void {
    const old = this.stream as WriteStream;
    const ext = extname(this.options.path);
    const stamp = new Date().toISOString().replace(/:/g, '-').replace('Z', '');
    const rotated = join(dirname(this.options.path), `${basename(this.options.path, ext)}-${stamp}${ext}`);
    // Renaming while the old stream still flushes is safe: its descriptor follows the file.
    renameSync(this.options.path, rotated);
    old.end();
    this.stream = this.open();
    this.prune();
  }

  private prune(): void {
    const dir = dirname(this.options.path);
    const ext = extname(this.options.path);
    const stem = `${basename(this.options.path, ext)}-`;
    const backups = readdirSync(dir)
      .filter((f) => f.startsWith(stem) && f.endsWith(ext))
      .sort()
      .reverse();
    const maxAgeMs = (this.options.maxAgeDays ?? 0) * 86_400_000;
    backups.forEach((f, i) => {
      const tooMany = (this.options.maxBackups ?? 0) > 0 && i >= (this.options.maxBackups ?? 0);
      const tooOld = maxAgeMs > 0 && Date.now() - statSync(join(dir, f)).mtimeMs > maxAgeMs;
      if (tooMany || tooOld) unlinkSync(join(dir, f));
    });
  }
}
