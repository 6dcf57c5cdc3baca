/**
 * `GET|POST /portForward/<ns>/<pod>` (kubelet path): SPDY/3.1, either after an HTTP upgrade
 * (`X-Stream-Protocol-Version: portforward.k8s.io`, kubectl <= 1.30 and the fallback) or tunnelled in a
 * WebSocket with subprotocol `SPDY/3.1+portforward.k8s.io` (binary messages = slices of the SPDY byte
 * stream, kubectl >= 1.31). Per forwarded connection the client opens two streams with the same
 * `requestid` and `port` headers: `streamtype: error` (we write a message there on failure) and
 * `streamtype: data` (the bytes). Each data stream is connected to 127.0.0.1:<port> inside the pod's
 * network namespace by `nsenter --net=<ns file> busybox nc` (nc half-closes on EOF of its input).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { createWebSocketStream } from 'ws';
import { isLookupError, type StreamingBackend } from './exec-backend.js';
import { acceptSpdyUpgrade, acceptWebSocket, isWebSocket, offeredProtocols, refuseUpgrade, transportCounts } from './streams/remote-command.js';
import { SpdySession, type SpdyStream } from './streams/spdy.js';

export const PORT_FORWARD_PROTOCOL = 'portforward.k8s.io';
export const PORT_FORWARD_TUNNEL = 'SPDY/3.1+portforward.k8s.io';
const BUSYBOX = process.env.FLOTILLA_BUSYBOX ?? '/bin/busybox';

interface Pair {
  error?: SpdyStream;
  data?: SpdyStream;
}

export async function servePortForward(backend: StreamingBackend, log: Logger, ns: string, pod: string, req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
  const netns = backend.podNetns(ns, pod);
  if (isLookupError(netns)) return refuseUpgrade(socket, netns.code, netns.message);
  let transport: Duplex;
  let early = head;
  if (isWebSocket(req)) {
    const ws = acceptWebSocket(req, socket, head, [PORT_FORWARD_TUNNEL]);
    if (!ws) return refuseUpgrade(socket, 400, `port-forward over a WebSocket needs subprotocol ${PORT_FORWARD_TUNNEL}`);
    transport = createWebSocketStream(await ws);
    transportCounts.spdyInWebSocket++;
    early = Buffer.alloc(0);
  } else {
    if ((req.headers.upgrade ?? '').toLowerCase() !== 'spdy/3.1') return refuseUpgrade(socket, 400, 'upgrade to websocket or SPDY/3.1 required');
    if (!offeredProtocols(req, 'x-stream-protocol-version').includes(PORT_FORWARD_PROTOCOL)) return refuseUpgrade(socket, 400, `unsupported stream protocol version (supported: ${PORT_FORWARD_PROTOCOL})`);
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
        forward(pair.data, pair.error, port, netns, procs, log, `${ns}/${pod}`);
      }
    },
    onClose() {
      for (const p of procs) p.kill('SIGKILL');
    },
  });
  session.feed(early);
}

function forward(data: SpdyStream, error: SpdyStream, port: number, netns: string, procs: Set<ChildProcess>, log: Logger, pod: string): void {
  const nc = spawn('nsenter', [`--net=${netns}`, BUSYBOX, 'nc', '127.0.0.1', String(port)], { stdio: ['pipe', 'pipe', 'pipe'] });
  procs.add(nc);
  let stderr = '';
  nc.stderr.setEncoding('utf8').on('data', (c: string) => { if (stderr.length < 2048) stderr += c; });
  nc.on('error', (err) => { stderr += err.message; });
  nc.stdin.on('error', () => {});
  data.pipe(nc.stdin);
  nc.stdout.pipe(data);
  data.on('error', () => nc.kill('SIGKILL'));
  data.on('close', () => { if (nc.exitCode === null) nc.kill('SIGKILL'); });
  nc.on('close', (code) => {
    procs.delete(nc);
    if (code !== 0 && !data.destroyed && stderr.trim()) {
      const msg = `error forwarding port ${port} to pod ${pod}: ${stderr.trim().replace(/^nc: /, '')}`;
      log.debug({ pod, port }, msg);
      error.end(msg);
    } else {
      error.end();
    }
  });
}
