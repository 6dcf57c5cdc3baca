/**
 * `GET|POST /attach/<ns>/<pod>/<container>?stdout=..&stderr=..&stdin=..&tty=..` (kubelet path), over
 * the same transports as exec. Output: what the container writes from now on, read from the
 * k8s-file log conmon keeps (`<time> stdout|stderr F|P <text>`; inotify, 100 ms poll as fallback), split back into stdout and stderr;
 * it ends with Success when the container exits. stdin: a container with `stdin: true` runs under
 * `conmon -i` (and `-t` with `tty: true`); input goes to conmon's attach socket through `socat`
 * (the socket is SOCK_SEQPACKET, which Node cannot open); conmon closes the container's stdin when
 * that client leaves unless the container is not stdinOnce (`--leave-stdin-open`). Without socat or
 * the socket, input is written to /proc/<pid>/fd/0 (the stdin pipe; stdinOnce then not honoured). Resize
 * messages go to conmon's control fifo (`1 <rows> <cols>`).
 */
import { constants, openSync, watch, type FSWatcher } from 'node:fs';
import { appendFile, open, readlink, stat } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import { Socket } from 'node:net';
import type { IncomingMessage } from 'node:http';
import type { Duplex, Writable } from 'node:stream';
import type { Logger } from 'pino';
import { isLookupError, type StreamingBackend } from './exec-backend.js';
import { openRemoteCommand, streamFlags } from './exec.js';
import { refuseUpgrade, SUCCESS, type TerminalSize } from './streams/remote-command.js';

/** How long after a resize the newest size is written again (see the resize handling below). */
const RESIZE_REPEAT_MS = 150;

const POLL_MS = 100;

/** One parsed k8s-file log line. Pure. */
export function parseLogLine(line: string): { stream: 'stdout' | 'stderr'; text: string } | undefined {
  const m = /^\S+ (stdout|stderr) (F|P) ?(.*)$/s.exec(line);
  if (!m) return undefined;
  return { stream: m[1] as 'stdout' | 'stderr', text: m[2] === 'F' ? `${m[3]}\n` : (m[3] ?? '') };
}

export async function serveAttach(
  backend: StreamingBackend,
  log: Logger,
  ns: string,
  pod: string,
  container: string,
  q: URLSearchParams,
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
): Promise<void> {
  const flags = streamFlags(q);
  const target = backend.findContainer(ns, pod, container);
  if (isLookupError(target)) return refuseUpgrade(socket, target.code, target.message);
  const fh = await open(target.logPath, 'r').catch(() => undefined);
  let pos = fh ? (await fh.stat()).size : 0;
  const streams = await openRemoteCommand(req, socket, head, flags);
  if (!streams) {
    await fh?.close();
    return;
  }
  const stdin = streams.stdin;
  if (stdin) {
    const toPipe = async (): Promise<void> => {
      const input = await openStdinPipe(target.pid);
      if (!input) return void stdin.resume();
      stdin.pipe(input, { end: false });
      void streams.closed.then(() => input.destroy());
    };
    const sock =
      target.attach &&
      (await stat(target.attach.socket).then(
        (s) => s.isSocket(),
        () => false,
      ))
        ? target.attach.socket
        : undefined;
    if (sock) {
      // socat carries our input to conmon's SOCK_SEQPACKET attach socket; its end (client closed
      // stdin or left) is what makes conmon close a stdinOnce container's stdin
      const socat = spawn('socat', ['STDIO', `UNIX-CONNECT:${sock},type=5`], { stdio: ['pipe', 'ignore', 'ignore'] });
      socat.on('error', () => {
        stdin.unpipe(socat.stdin);
        void toPipe();
      }); // no socat installed
      socat.stdin.on('error', () => {});
      stdin.pipe(socat.stdin);
      void streams.closed.then(() => {
        socat.stdin.end();
        setTimeout(() => socat.kill(), 1000).unref();
      });
    } else {
      await toPipe();
    }
  }
  if (flags.tty && target.attach) {
    const ctl = target.attach.ctl;
    // Only the newest size is written, after the sizes that arrived together are in: kubectl sends
    // size+1 then the size (to force a redraw on re-attach), and with conmon 2.1.6 two writes that
    // met in its control fifo left the terminal at the first. Sizes that arrive apart can still
    // meet there (a loaded machine), so the newest is written once more a moment later: setting
    // the size a terminal already has changes nothing.
    let pending: TerminalSize | undefined;
    let flushing = false;
    let again: NodeJS.Timeout | undefined;
    const writeSize = (s: TerminalSize) =>
      appendFile(ctl, `1 ${Math.floor(s.height)} ${Math.floor(s.width)}\n`, {
        flag: constants.O_WRONLY | constants.O_NONBLOCK,
      }).catch(() => {});
    const flush = async (): Promise<void> => {
      flushing = true;
      let last: TerminalSize | undefined;
      for (let s = pending; s; s = pending) {
        pending = undefined;
        last = s;
        await writeSize(s);
      }
      flushing = false;
      clearTimeout(again);
      const newest = last;
      if (newest) again = setTimeout(() => void writeSize(newest), RESIZE_REPEAT_MS);
    };
    streams.onResize((s) => {
      const idle = !pending && !flushing;
      pending = s;
      if (idle) setImmediate(() => void flush());
    });
    void streams.closed.then(() => clearTimeout(again));
  }
  let gone = false;
  void streams.closed.then(() => {
    gone = true;
  });
  const out = streams.stdout;
  const err = streams.stderr ?? (flags.tty ? out : undefined);
  let partial = '';
  const write = (w: Writable | undefined, text: string): Promise<void> =>
    new Promise((resolve) => {
      if (!w || w.destroyed || !text) return resolve();
      if (w.write(text)) resolve();
      else w.once('drain', resolve);
    });
  const pump = async (): Promise<void> => {
    if (!fh) return;
    const buf = Buffer.alloc(64 * 1024);
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
      if (bytesRead === 0) return;
      pos += bytesRead;
      partial += buf.subarray(0, bytesRead).toString('utf8');
      const lines = partial.split('\n');
      partial = lines.pop() ?? '';
      for (const l of lines) {
        const parsed = parseLogLine(l);
        if (parsed) await write(parsed.stream === 'stdout' ? out : err, parsed.text);
      }
    }
  };
  // inotify wakes the loop as soon as conmon appends; the poll is the fallback (and notices the exit)
  let wake: () => void = () => {};
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(target.logPath, () => wake());
    watcher.on('error', () => {});
  } catch {
    // no inotify: poll only
  }
  try {
    while (!gone) {
      const running = backend.isRunning(target.id);
      await pump();
      if (!running) break;
      await new Promise<void>((r) => {
        const timer = setTimeout(r, POLL_MS);
        wake = () => {
          clearTimeout(timer);
          r();
        };
      });
    }
  } finally {
    watcher?.close();
    await fh?.close();
  }
  log.debug({ ns, pod, container }, 'attach finished');
  if (!gone) await streams.finish(SUCCESS);
}

/** A non-blocking writer on the container's stdin when that is a pipe (conmon -i), else undefined. */
async function openStdinPipe(pid: number | undefined): Promise<Socket | undefined> {
  if (!pid) return undefined;
  const path = `/proc/${pid}/fd/0`;
  if (!(await readlink(path).catch(() => '')).startsWith('pipe:')) return undefined;
  let fd: number;
  try {
    fd = openSync(path, constants.O_WRONLY | constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  const sock = new Socket({ fd, readable: false, writable: true });
  sock.on('error', () => sock.destroy());
  return sock;
}
