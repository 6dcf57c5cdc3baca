/**
 * `GET|POST /portForward/<ns>/<pod>` (kubelet path): SPDY/3.1, either after an HTTP upgrade
 * (`X-Stream-Protocol-Version: portforward.k8s.io`, kubectl <= 1.30 and the fallback) or tunnelled in a
 * WebSocket with subprotocol `SPDY/3.1+portforward.k8s.io` (binary messages = slices of the SPDY byte
 * stream, kubectl >= 1.31). Per forwarded connection the client opens two streams with the same
 * `requestid` and `port` headers: `streamtype: error` (we write a message there on failure) and
 * `streamtype: data` (the bytes). Each data stream is connected to 127.0.0.1:<port> inside the pod's
 * network namespace by `nsenter --net=<ns file> busybox nc` (nc half-closes on EOF of its input).
 * Also the older WebSocket channel protocols (v5, v4, channel.k8s.io and their base64 variants, see
 * streams/channel-protocols.ts, with `?ports=`) of client libraries.
 */
import { spawn, type ChildProcess, type ChildProcessByStdio } from 'node:child_process';
import type { IncomingMessage } from 'node:http';
import type { Duplex, Readable, Writable } from 'node:stream';
import type { Logger } from 'pino';
import { createWebSocketStream, type WebSocket } from 'ws';
import { isLookupError, type StreamingBackend } from './exec-backend.js';
import {
  acceptSpdyUpgrade,
  acceptWebSocket,
  isWebSocket,
  offeredProtocols,
  refuseUpgrade,
  transportCounts,
} from './streams/remote-command.js';
import { SpdySession, type SpdyStream } from './streams/spdy.js';
import {
  CHANNEL_PROTOCOLS,
  channelProtocol,
  decodeChannelMessage,
  encodeChannelMessage,
  UNNAMED_PROTOCOL,
} from './streams/channel-protocols.js';

export const PORT_FORWARD_PROTOCOL = 'portforward.k8s.io';
export const PORT_FORWARD_TUNNEL = 'SPDY/3.1+portforward.k8s.io';

interface Pair {
  error?: SpdyStream;
  data?: SpdyStream;
}

export async function servePortForward(
  backend: StreamingBackend,
  log: Logger,
  ns: string,
  pod: string,
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
): Promise<void> {
  const netns = backend.podNetns(ns, pod);
  if (isLookupError(netns)) return refuseUpgrade(socket, netns.code, netns.message);
  let transport: Duplex;
  let early = head;
  if (isWebSocket(req)) {
    // (read before the handshake: acceptWebSocket hides this non-token protocol from `ws`)
    const tunnel = offeredProtocols(req, 'sec-websocket-protocol').includes(PORT_FORWARD_TUNNEL);
    const ws = acceptWebSocket(req, socket, head, [PORT_FORWARD_TUNNEL, ...WS_CHANNEL_PROTOCOLS]);
    if (!ws)
      return refuseUpgrade(
        socket,
        400,
        `port-forward over a WebSocket needs subprotocol ${[PORT_FORWARD_TUNNEL, ...WS_CHANNEL_PROTOCOLS].join(', ')}`,
      );
    const conn = await ws;
    if (!tunnel)
      return wsChannelPortForward(
        conn,
        netns,
        new URL(req.url ?? '/', 'https://agent').searchParams,
        log,
        `${ns}/${pod}`,
        backend.busybox,
      );
    transport = createWebSocketStream(conn);
    transportCounts.spdyInWebSocket++;
    early = Buffer.alloc(0);
  } else {
    if ((req.headers.upgrade ?? '').toLowerCase() !== 'spdy/3.1')
      return refuseUpgrade(socket, 400, 'upgrade to websocket or SPDY/3.1 required');
    if (!offeredProtocols(req, 'x-stream-protocol-version').includes(PORT_FORWARD_PROTOCOL))
      return refuseUpgrade(socket, 400, `unsupported stream protocol version (supported: ${PORT_FORWARD_PROTOCOL})`);
    acceptSpdyUpgrade(socket, PORT_FORWARD_PROTOCOL);
    transportCounts.spdy++;
    transport = socket;
  }
  transport.on('error', () => transport.destroy());

  const pairs = new Map<string, Pair>();
  const procs = new Set<ChildProcess>();
  const session = new SpdySession(transport, {
    onStream(s) {
      const type = s.headers.streamtype;
      const id = s.headers.requestid ?? '';
      const port = Number(s.headers.port);
      if ((type !== 'error' && type !== 'data') || !Number.isInteger(port) || port < 1 || port > 65535) {
        s.reset();
        return;
      }
      const pair = pairs.get(id) ?? {};
      if (pair[type]) {
        s.reset();
        return;
      }
      pair[type] = s;
      pairs.set(id, pair);
      if (type === 'error') s.resume(); // the client half-closes it at once
      if (pair.error && pair.data) {
        pairs.delete(id);
        forward(pair.data, pair.error, port, netns, procs, log, `${ns}/${pod}`, backend.busybox);
      }
    },
    onClose() {
      for (const p of procs) p.kill('SIGKILL');
    },
  });
  session.feed(early);
}

/** WebSocket channel protocols of the older port-forward (client libraries, not kubectl). */
const WS_CHANNEL_PROTOCOLS = CHANNEL_PROTOCOLS.map((p) => p.name);

/** The ports of a `ports=` query (repeated or comma-separated); undefined when one is invalid. Pure. */
export function queryPorts(q: URLSearchParams): number[] | undefined {
  const ports = q
    .getAll('ports')
    .flatMap((v) => v.split(','))
    .map((s) => s.trim())
    .filter(Boolean)
    .map(Number);
  return ports.length > 0 && ports.every((p) => Number.isInteger(p) && p > 0 && p < 65536) ? ports : undefined;
}

/**
 * The WebSocket channel port-forward (kubelet's, used by client libraries): one TCP connection per
 * port in `ports`; port i uses channel 2i for data and 2i+1 for errors, and the first message on each
 * starts with the port as 2 little-endian bytes. v5's `[255, 2i]` half-closes port i's connection.
 */
function wsChannelPortForward(
  ws: WebSocket,
  netns: string,
  q: URLSearchParams,
  log: Logger,
  pod: string,
  busybox: string | undefined,
): void {
  transportCounts.websocket++;
  const p = channelProtocol(ws.protocol) ?? UNNAMED_PROTOCOL;
  const ports = queryPorts(q);
  const send = (ch: number, data: Buffer) => {
    if (ws.readyState !== ws.OPEN) return;
    const m = encodeChannelMessage(p, ch, data);
    ws.send(m.data, { binary: m.binary });
  };
  if (!ports) {
    send(1, Buffer.from('invalid or missing ports query parameter'));
    ws.close(1000);
    return;
  }
  const procs = ports.map((port, i) => {
    const prefix = Buffer.from([port & 0xff, port >> 8]);
    send(2 * i, prefix);
    send(2 * i + 1, prefix);
    const nc = connectInPod(netns, port, busybox);
    nc.proc.stdout.on('data', (c: Buffer) => send(2 * i, c));
    return {
      nc,
      done: new Promise<void>((resolve) =>
        nc.proc.on('close', (code) => {
          if (code !== 0 && nc.stderr().trim()) {
            const msg = `error forwarding port ${port} to pod ${pod}: ${nc.stderr().trim().replace(/^nc: /, '')}`;
            log.debug({ pod, port }, msg);
            send(2 * i + 1, Buffer.from(msg));
          }
          resolve();
        }),
      ),
    };
  });
  ws.on('message', (data: Buffer) => {
    const m = decodeChannelMessage(p, data);
    if (!m) return;
    const { channel: ch, payload } = m;
    if (ch === 255 && p.closeSignal) {
      const target = payload[0] ?? 0;
      if (target % 2 === 0) procs[target / 2]?.nc.proc.stdin.end();
      return;
    }
    if (ch % 2 === 0 && payload.length > 0) procs[ch / 2]?.nc.proc.stdin.write(payload);
  });
  ws.on('close', () => {
    for (const p of procs) p.nc.proc.kill('SIGKILL');
  });
  ws.on('error', () => ws.terminate());
  void Promise.all(procs.map((p) => p.done)).then(() => ws.close(1000));
}

/** `nsenter --net=<ns> busybox nc 127.0.0.1 PORT`: a TCP connection inside the pod's network namespace on stdio. */
function connectInPod(
  netns: string,
  port: number,
  busybox = '/bin/busybox',
): { proc: ChildProcessByStdio<Writable, Readable, Readable>; stderr(): string } {
  const proc = spawn('nsenter', [`--net=${netns}`, busybox, 'nc', '127.0.0.1', String(port)], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  proc.stderr.setEncoding('utf8').on('data', (c: string) => {
    if (stderr.length < 2048) stderr += c;
  });
  proc.on('error', (err) => {
    stderr += err.message;
  });
  proc.stdin.on('error', () => {});
  return { proc, stderr: () => stderr };
}

function forward(
  data: SpdyStream,
  error: SpdyStream,
  port: number,
  netns: string,
  procs: Set<ChildProcess>,
  log: Logger,
  pod: string,
  busybox: string | undefined,
): void {
  const conn = connectInPod(netns, port, busybox);
  const nc = conn.proc;
  procs.add(nc);
  data.pipe(nc.stdin);
  // the data stream ends only once nc has exited: a failure must be on the error stream first, since
  // kubectl resets the data stream when it ends and then reads the error stream
  nc.stdout.pipe(data, { end: false });
  data.on('error', () => nc.kill('SIGKILL'));
  let peerGone = false;
  data.on('close', () => {
    peerGone = true;
    if (nc.exitCode === null) nc.kill('SIGKILL');
  });
  nc.on('close', (code) => {
    procs.delete(nc);
    if (code !== 0 && !peerGone && conn.stderr().trim()) {
      const msg = `error forwarding port ${port} to pod ${pod}: ${conn.stderr().trim().replace(/^nc: /, '')}`;
      log.debug({ pod, port }, msg);
      error.end(msg);
    } else {
      error.end();
    }
    if (!data.destroyed) data.end();
  });
}
