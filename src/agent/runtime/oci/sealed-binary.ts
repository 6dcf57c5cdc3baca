import { spawn, type ChildProcess } from 'node:child_process';
import { basename } from 'node:path';
import { createInterface } from 'node:readline';
import { runCommand } from '../../../machinery/exec/run-command.js';

/**
 * Holds a sealed in-memory copy of a binary (runc) and names it as `/proc/<holder>/fd/<n>`.
 *
 * Why: so that a container cannot overwrite runc through /proc/<pid>/exe (CVE-2019-5736), runc 1.1
 * copies itself into a sealed memfd and re-executes for every `runc init`: its whole binary copied,
 * faulted in and freed per container. It skips that copy when /proc/self/exe already is a fully sealed memfd
 * (runc's nsenter `is_self_cloned`: F_GET_SEALS = seal|shrink|grow|write; runc documents sharing
 * such a memfd as safe, since nothing can write to it). So one small Perl process makes the copy
 * once and keeps it open, and the agent executes runc through its fd: the same protection, paid
 * once per agent instead of once per container.
 *
 * The holder ends with the agent (EOF on its stdin). While it is not running, `path` is the
 * original binary. A runc upgraded on disk is picked up when the agent restarts.
 */
export class SealedBinary {
  private holder?: ChildProcess;
  private sealedPath?: string;

  constructor(readonly original: string) {}

  /** The sealed copy's path while its holder runs, else the original binary. */
  get path(): string {
    return this.sealedPath ?? this.original;
  }

  /**
   * Makes the sealed copy. Resolves false (and `path` stays the original) where it cannot be made
   * or run: no Perl, an architecture without a known memfd_create number, memfds not executable.
   */
  async start(): Promise<boolean> {
    const syscallNumber = MEMFD_CREATE[process.arch];
    if (syscallNumber === undefined || this.holder) return false;
    const holder = spawn(
      '/usr/bin/perl',
      ['-e', HOLDER_SCRIPT, this.original, String(syscallNumber), basename(this.original)],
      { stdio: ['pipe', 'pipe', 'ignore'] },
    );
    this.holder = holder;
    const path = await new Promise<string | undefined>((resolve) => {
      holder.once('error', () => resolve(undefined));
      holder.once('exit', () => resolve(undefined));
      createInterface({ input: holder.stdout }).once('line', (line) =>
        resolve(line.startsWith('/proc/') ? line : undefined),
      );
    });
    if (
      !path ||
      (await runCommand(path, ['--version'], { allowFailure: true, timeoutMs: 10_000 }).catch(() => undefined))
        ?.code !== 0
    ) {
      this.stop();
      return false;
    }
    holder.once('exit', () => {
      if (this.holder === holder) {
        this.holder = undefined;
        this.sealedPath = undefined;
      }
    });
    // The holder must not keep the agent's event loop alive.
    holder.unref();
    (holder.stdin as unknown as { unref?: () => void }).unref?.();
    (holder.stdout as unknown as { unref?: () => void }).unref?.();
    this.sealedPath = path;
    return true;
  }

  /** Ends the holder; `path` is the original binary again. Processes already started keep their copy. */
  stop(): void {
    const holder = this.holder;
    this.holder = undefined;
    this.sealedPath = undefined;
    holder?.stdin?.end();
    holder?.kill('SIGKILL');
  }
}

/** memfd_create(2) per Node architecture name. */
const MEMFD_CREATE: Partial<Record<string, number>> = { x64: 319, arm64: 279 };

/**
 * argv: source file, memfd_create number, memfd name. memfd flags MFD_CLOEXEC|MFD_ALLOW_SEALING (3);
 * F_ADD_SEALS is 1033, the seals F_SEAL_SEAL|SHRINK|GROW|WRITE are 15 (runc's RUNC_MEMFD_SEALS).
 * Prints the path, then waits for EOF on stdin.
 */
const HOLDER_SCRIPT = `
use strict;
my ($src, $nr, $name) = @ARGV;
my $fd = syscall($nr + 0, $name, 3);
die "memfd_create: $!\\n" if $fd < 0;
open(my $mem, '+<&=', $fd) or die "fdopen: $!\\n";
open(my $in, '<', $src) or die "$src: $!\\n";
binmode $in;
binmode $mem;
my $buf;
while (my $n = sysread($in, $buf, 1 << 20)) {
  my $off = 0;
  while ($off < $n) { my $w = syswrite($mem, $buf, $n - $off, $off); die "write: $!\\n" unless defined $w; $off += $w; }
}
close $in;
fcntl($mem, 1033, 15) or die "seal: $!\\n";
$| = 1;
print "/proc/$$/fd/$fd\\n";
1 while sysread(STDIN, $buf, 4096);
`;
