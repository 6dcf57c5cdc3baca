/**
 * The streams of `kubectl exec` / `attach`, whichever transport carries them:
 *
 * - WebSocket (kubectl >= 1.30: `v5.channel.k8s.io`; client libraries: v4, `channel.k8s.io` and the
 *   base64 variants, see channel-protocols.ts): each message is one channel's bytes: 0 stdin,
 *   1 stdout, 2 stderr, 3 error (the final Status), 4 resize (`{"Width":w,"Height":h}`); v5 adds
 *   `[255, channel]` = the peer closed that channel (stdin EOF).
 * - SPDY/3.1 after an HTTP upgrade (kubectl 1.27-1.29, and the fallback), `X-Stream-Protocol-Version:
 *   v4.channel.k8s.io`: the client opens one SPDY stream per channel, header `streamtype` =
 *   error | stdin | stdout | stderr | resize; stdin EOF is its FIN; the Status goes on `error`.
 *
 * Either way the caller gets plain Node streams and `finish(status)`.
 */
import type { IncomingMessage } from 'node:http';
import { PassThrough, Writable, type Readable } from 'node:stream';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ChannelProtocol } from './channel-protocols.js';
import { SpdySession, type SpdyStream } from './spdy.js';
import {
  CHANNEL_PROTOCOLS,
  channelProtocol,
  decodeChannelMessage,
  encodeChannelMessage,
  UNNAMED_PROTOCOL,
} from './channel-protocols.js';

export const WS_EXEC_PROTOCOLS = CHANNEL_PROTOCOLS.map((p) => p.name);
export const SPDY_EXEC_PROTOCOL = 'v4.channel.k8s.io';

export interface StreamFlags {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

export interface TerminalSize {
  width: number;
  height: number;
}

/** A Kubernetes Status as the error channel carries it. */
export interface ExecStatus {
  metadata: Record<string, never>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  details?: { causes: { reason: string; message: string }[] };
}

/** Upgrades accepted per transport since start (tests and debugging check which one kubectl used). */
export const transportCounts = { websocket: 0, spdy: 0, spdyInWebSocket: 0 };

export const SUCCESS: ExecStatus = { metadata: {}, status: 'Success' };

/** The Status for a process exit code (as the kubelet reports it: kubectl exits with the code). Pure. */
export function exitStatus(code: number): ExecStatus {
  if (code === 0) return SUCCESS;
  return {
    metadata: {},
    status: 'Failure',
    reason: 'NonZeroExitCode',
    message: `command terminated with non-zero exit code: exit status ${code}`,
    details: { causes: [{ reason: 'ExitCode', message: String(code) }] },
  };
}

export function errorStatus(message: string): ExecStatus {
  return { metadata: {}, status: 'Failure', reason: 'InternalError', message };
}

export interface RemoteCommandStreams {
  transport: 'websocket' | 'spdy';
  protocol: string;
  stdin?: Readable;
  stdout?: Writable;
  /** Absent with a tty (the terminal merges both). */
  stderr?: Writable;
  onResize(listener: (size: TerminalSize) => void): void;
  /** Flushes stdout/stderr, sends the Status on the error channel and closes the connection. */
  finish(status: ExecStatus): Promise<void>;
  /** Resolves when the client is gone (or after finish). */
  closed: Promise<void>;
}

/** The protocols a request offers (Sec-WebSocket-Protocol or X-Stream-Protocol-Version, comma-separated or repeated). Pure. */
export function offeredProtocols(req: IncomingMessage, header: string): string[] {
  const v = req.headers[header];
  const all = Array.isArray(v) ? v.join(',') : (v ?? '');
  return all
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

export function isWebSocket(req: IncomingMessage): boolean {
  return (req.headers.upgrade ?? '').toLowerCase() === 'websocket';
}

/** Answers an upgrade request without upgrading (kubectl then reports, or falls back to SPDY). */
export function refuseUpgrade(socket: Duplex, code: number, message: string): void {
  const reason = code === 404 ? 'Not Found' : code === 400 ? 'Bad Request' : code === 401 ? 'Unauthorized' : 'Error';
  const body = `${message}\n`;
  socket.end(
    `HTTP/1.1 ${code} ${reason}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/** The subprotocol picked for each request (ws asks handleProtocols during the handshake). */
const chosenProtocol = new WeakMap<IncomingMessage, string>();
const wss = new WebSocketServer({
  noServer: true,
  perMessageDeflate: false,
  maxPayload: 64 * 1024 * 1024,
  handleProtocols: (_offered, req) => chosenProtocol.get(req) ?? false,
});
const untokenProtocol = new WeakMap<IncomingMessage, string>();
wss.on('headers', (headers: string[], req: IncomingMessage) => {
  const p = untokenProtocol.get(req);
  if (p) headers.push(`Sec-WebSocket-Protocol: ${p}`);
});

/**
 * Completes a WebSocket handshake with the first offered protocol we support (`protocols` in our
 * preference order); a client that offers none gets a connection without one (its `protocol` is
 * '') as Kubernetes' wsstream allows. Undefined when the client offers only protocols we lack.
 */
export function acceptWebSocket(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  protocols: string[],
): Promise<WebSocket> | undefined {
  const offered = offeredProtocols(req, 'sec-websocket-protocol');
  if (offered.length === 0) return new Promise((resolve) => wss.handleUpgrade(req, socket, head, (ws) => resolve(ws)));
  const chosen = protocols.find((p) => offered.includes(p));
  if (!chosen) return undefined;
  chosenProtocol.set(req, chosen);
  if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(chosen)) {
    // `ws` refuses subprotocols that are not RFC 7230 tokens ('/' in SPDY/3.1+portforward.k8s.io):
    // hide the request's list from it and name the chosen one in the response ourselves.
    delete req.headers['sec-websocket-protocol'];
    untokenProtocol.set(req, chosen);
  }
  return new Promise((resolve) => wss.handleUpgrade(req, socket, head, (ws) => resolve(ws)));
}

/** Writes the 101 of a SPDY/3.1 upgrade. */
export function acceptSpdyUpgrade(socket: Duplex, protocol: string): void {
  socket.write(
    `HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: ${protocol}\r\n\r\n`,
  );
}

function waitFinish(w: Writable | undefined): Promise<void> {
  if (!w || w.writableFinished || w.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    w.once('finish', () => resolve());
    w.once('close', () => resolve());
    w.once('error', () => resolve());
    w.end();
  });
}

/** Sends one channel message; resolves once it is written (at once when the socket is not open). */
function sendChannel(ws: WebSocket, p: ChannelProtocol, channel: number, payload: Buffer): Promise<void> {
  if (ws.readyState !== ws.OPEN) return Promise.resolve();
  const { data, binary } = encodeChannelMessage(p, channel, payload);
  return new Promise((resolve) => ws.send(data, { binary }, () => resolve()));
}

/** What the error channel carries for `status` in protocol `p`: the JSON Status (v4+), else a failure's message; undefined = nothing. Pure. */
export function errorChannelPayload(p: ChannelProtocol, status: ExecStatus): Buffer | undefined {
  if (p.jsonStatus) return Buffer.from(JSON.stringify(status));
  return status.status === 'Success' ? undefined : Buffer.from(status.message ?? 'error');
}

/** Opens the exec/attach streams over a WebSocket (already upgraded, with one of CHANNEL_PROTOCOLS or none). */
export function wsRemoteCommand(ws: WebSocket, flags: StreamFlags): RemoteCommandStreams {
  transportCounts.websocket++;
  const p = channelProtocol(ws.protocol) ?? UNNAMED_PROTOCOL;
  const resizeListeners = new ResizeListeners();
  const stdin = flags.stdin ? new PassThrough() : undefined;
  let finished = false;
  const channel = (n: number): Writable =>
    new Writable({
      write(chunk: Buffer, _enc, cb) {
        void sendChannel(ws, p, n, chunk).then(() => cb());
      },
    });
  const stdout = flags.stdout ? channel(1) : undefined;
  const stderr = flags.stderr && !flags.tty ? channel(2) : undefined;
  ws.on('message', (data: Buffer) => {
    const m = decodeChannelMessage(p, data);
    if (!m) return;
    const { channel: ch, payload } = m;
    if (ch === 0 && stdin && !stdin.writableEnded && payload.length) stdin.write(payload);
    else if (ch === 4) emitResize(payload.toString(), resizeListeners);
    else if (ch === 255 && p.closeSignal && payload[0] === 0) stdin?.end();
  });
  const closed = new Promise<void>((resolve) =>
    ws.once('close', () => {
      stdin?.end();
      resolve();
    }),
  );
  ws.on('error', () => ws.terminate());
  return {
    transport: 'websocket',
    protocol: ws.protocol,
    stdin,
    stdout,
    stderr,
    onResize: (l) => resizeListeners.add(l),
    closed,
    async finish(status) {
      if (finished) return;
      finished = true;
      await Promise.all([waitFinish(stdout), waitFinish(stderr)]);
      if (ws.readyState === ws.OPEN) {
        const payload = errorChannelPayload(p, status);
        if (payload) await sendChannel(ws, p, 3, payload);
        ws.close(1000);
      }
      await Promise.race([closed, new Promise((r) => setTimeout(r, 2000).unref())]);
      if (ws.readyState !== ws.CLOSED) ws.terminate();
    },
  };
}

/** Resize listeners; a size that came before the first listener is replayed to it. */
class ResizeListeners extends Array<(s: TerminalSize) => void> {
  last?: TerminalSize;
  add(l: (s: TerminalSize) => void): void {
    this.push(l);
    if (this.last) l(this.last);
  }
}

function emitResize(text: string, listeners: ResizeListeners): void {
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const o = JSON.parse(line) as { Width?: number; Height?: number };
      if (typeof o.Width !== 'number' || typeof o.Height !== 'number') continue;
      listeners.last = { width: o.Width, height: o.Height };
      for (const l of listeners) l(listeners.last);
    } catch {
      // a malformed resize is ignored, as the kubelet does
    }
  }
}

/**
 * Opens the exec/attach streams over SPDY (the 101 already written): waits until the client has
 * opened every stream the flags call for (error, stdin, stdout, stderr unless tty, resize with tty).
 */
export function spdyRemoteCommand(
  socket: Duplex,
  head: Buffer,
  flags: StreamFlags,
  timeoutMs = 30_000,
): Promise<RemoteCommandStreams> {
  transportCounts.spdy++;
  const want = new Set([
    'error',
    ...(flags.stdin ? ['stdin'] : []),
    ...(flags.stdout ? ['stdout'] : []),
    ...(flags.stderr && !flags.tty ? ['stderr'] : []),
    ...(flags.tty ? ['resize'] : []),
  ]);
  const got = new Map<string, SpdyStream>();
  const resizeListeners = new ResizeListeners();
  let closeResolve: () => void = () => {};
  const closed = new Promise<void>((resolve) => (closeResolve = resolve));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`timed out waiting for the client's streams (have ${[...got.keys()].join(', ') || 'none'})`));
      void session.close();
    }, timeoutMs);
    const session = new SpdySession(socket, {
      onStream(s) {
        const type = s.headers.streamtype ?? '';
        if (!want.has(type) || got.has(type)) {
          s.reset();
          return;
        }
        got.set(type, s);
        if (type === 'resize') {
          let buf = '';
          s.setEncoding('utf8').on('data', (c: string) => {
            buf += c;
            const nl = buf.lastIndexOf('\n');
            if (nl >= 0) {
              emitResize(buf.slice(0, nl), resizeListeners);
              buf = buf.slice(nl + 1);
            }
          });
        }
        if (type === 'error') s.resume(); // the client sends nothing there
        if (got.size < want.size) return;
        clearTimeout(timer);
        const stdout = got.get('stdout');
        const stderr = got.get('stderr');
        const error = got.get('error');
        let finished = false;
        resolve({
          transport: 'spdy',
          protocol: SPDY_EXEC_PROTOCOL,
          stdin: got.get('stdin'),
          stdout,
          stderr,
          onResize: (l) => resizeListeners.add(l),
          closed,
          async finish(status) {
            if (finished) return;
            finished = true;
            await Promise.all([waitFinish(stdout), waitFinish(stderr)]);
            if (error && !error.destroyed) {
              error.write(Buffer.from(JSON.stringify(status)));
              await waitFinish(error);
            }
            await session.close();
          },
        });
      },
      onClose(err) {
        clearTimeout(timer);
        closeResolve();
        if (err) reject(err);
        else reject(new Error('the client closed the connection before opening its streams'));
      },
    });
    session.feed(head);
  });
}
