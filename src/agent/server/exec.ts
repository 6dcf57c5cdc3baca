/**
 * `GET|POST /exec/<ns>/<pod>/<container>?command=..&stdin=..&stdout=..&stderr=..&tty=..` (kubelet
 * path), as an upgrade to a WebSocket (v5/v4 channels) or SPDY/3.1 (v4): runs `runc exec` in the
 * container with piped stdio and reports the exit code as a Status on the error channel.
 *
 * tty: `runc exec -t` under `script` (exec-tty.ts), sized from the client's first resize message;
 * later resize messages resize the pty.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { type ExecProcess, isLookupError, type StreamingBackend } from './exec-backend.js';
import {
  acceptSpdyUpgrade,
  acceptWebSocket,
  errorStatus,
  exitStatus,
  isWebSocket,
  offeredProtocols,
  refuseUpgrade,
  spdyRemoteCommand,
  SPDY_EXEC_PROTOCOL,
  wsRemoteCommand,
  WS_EXEC_PROTOCOLS,
  type RemoteCommandStreams,
  type StreamFlags,
  type TerminalSize,
} from './streams/remote-command.js';
import { parseKubeletStreamQuery } from '../../machinery/params/pod-stream-options.js';

/** The stream flags of an exec/attach query (kubelet or PodExecOptions names). Pure. */
export function streamFlags(q: URLSearchParams): StreamFlags {
  const { stdin, stdout, stderr, tty } = parseKubeletStreamQuery(q);
  return { stdin, stdout, stderr, tty };
}

/** Upgrades to whichever transport the request asks for; undefined after a refusal was written. */
export async function openRemoteCommand(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  flags: StreamFlags,
): Promise<RemoteCommandStreams | undefined> {
  if (isWebSocket(req)) {
    const ws = acceptWebSocket(req, socket, head, WS_EXEC_PROTOCOLS);
    if (!ws) {
      refuseUpgrade(
        socket,
        400,
        `none of the requested subprotocols is supported (supported: ${WS_EXEC_PROTOCOLS.join(', ')})`,
      );
      return undefined;
    }
    return wsRemoteCommand(await ws, flags);
  }
  if ((req.headers.upgrade ?? '').toLowerCase() !== 'spdy/3.1') {
    refuseUpgrade(socket, 400, 'upgrade to websocket or SPDY/3.1 required');
    return undefined;
  }
  if (!offeredProtocols(req, 'x-stream-protocol-version').includes(SPDY_EXEC_PROTOCOL)) {
    refuseUpgrade(socket, 400, `unsupported stream protocol version (supported: ${SPDY_EXEC_PROTOCOL})`);
    return undefined;
  }
  acceptSpdyUpgrade(socket, SPDY_EXEC_PROTOCOL);
  return spdyRemoteCommand(socket, head, flags);
}

export async function serveExec(
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
  const command = q.getAll('command');
  if (command.length === 0)
    return refuseUpgrade(socket, 400, 'you must specify at least one command for the container');
  const flags = streamFlags(q);
  if (!flags.stdin && !flags.stdout && !flags.stderr)
    return refuseUpgrade(socket, 400, 'you must specify at least one of stdin, stdout, stderr');
  const target = backend.findContainer(ns, pod, container);
  if (isLookupError(target)) return refuseUpgrade(socket, target.code, target.message);

  const streams = await openRemoteCommand(req, socket, head, flags);
  if (!streams) return;
  let tty: { rows: number; cols: number } | undefined;
  const sizes: TerminalSize[] = [];
  let resize: ((s: TerminalSize) => void) | undefined;
  streams.onResize((s) => (resize ? resize(s) : sizes.push(s)));
  if (flags.tty) {
    // kubectl sends the terminal's size at once; start with it when it comes soon
    for (let i = 0; i < 25 && sizes.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    const first = sizes.at(-1);
    tty = { rows: first?.height ?? 24, cols: first?.width ?? 80 };
  }
  let child: ExecProcess['proc'];
  try {
    const started = backend.execProcess(target.id, command, { tty });
    child = started.proc;
    if (started.resize) resize = (s) => started.resize?.(s.height, s.width);
  } catch (err) {
    await streams.finish(errorStatus(`failed to exec in container: ${(err as Error).message}`));
    return;
  }
  const proc = child;
  proc.on('error', () => {}); // reported by 'close' with a null code
  if (streams.stdin && proc.stdin) streams.stdin.pipe(proc.stdin).on('error', () => {});
  else proc.stdin?.end();
  proc.stdin?.on('error', () => {}); // the process may exit without reading its input
  const out = streams.stdout;
  const errOut = streams.stderr ?? (flags.tty ? out : undefined);
  if (out) proc.stdout?.pipe(out, { end: false });
  else proc.stdout?.resume();
  // runc's own failure (e.g. executable not found) is one logfmt line on stderr and exit 255: held
  // back and reported as an InternalError Status, as the kubelet reports a failed exec.
  let runcError: { chunk: Buffer; message: string } | undefined;
  proc.stderr?.on('data', (chunk: Buffer) => {
    const message = runcError || flags.tty ? undefined : runcFailure(chunk.toString('utf8'));
    if (message !== undefined) runcError = { chunk, message };
    else errOut?.write(chunk);
  });

  let clientGone = false;
  void streams.closed.then(() => {
    clientGone = true;
    // the client left: stop the process (runc forwards the signal), as the kubelet does
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGTERM');
      setTimeout(() => {
        if (proc.exitCode === null) proc.kill('SIGKILL');
      }, 5000).unref();
    }
  });
  const code = await new Promise<number | null>((resolve) =>
    proc.on('close', (c, signal) => resolve(c ?? (signal ? 128 + 9 : null))),
  );
  if (clientGone) return;
  log.debug({ ns, pod, container, command: command[0], code, transport: streams.transport }, 'exec finished');
  if (runcError && code === 255) {
    await streams.finish(
      errorStatus(`error executing command in container: failed to exec in container: ${runcError.message}`),
    );
    return;
  }
  if (runcError) errOut?.write(runcError.chunk);
  await streams.finish(code === null ? errorStatus('failed to run the command in the container') : exitStatus(code));
}

/** The message of a runc error line (`time="..." level=error msg="..."`), else undefined. Pure. */
export function runcFailure(text: string): string | undefined {
  const m = /^time="[^"]*" level=(?:error|fatal) msg="((?:[^"\\]|\\.)*)"\s*$/.exec(text);
  if (!m) return undefined;
  try {
    return JSON.parse(`"${m[1]}"`) as string;
  } catch {
    return m[1];
  }
}
