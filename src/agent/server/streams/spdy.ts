/**
 * SPDY/3.1 framing, enough to be the server end of client-go's spdystream connections (kubectl
 * exec/attach/port-forward fallback, and port-forward tunnelled in a WebSocket):
 *
 *   control frame: 1 | version(15)=3 | type(16) | flags(8) | length(24) | payload
 *   data frame:    0 | stream id(31)             | flags(8) | length(24) | payload
 *
 * The peer opens the streams (SYN_STREAM with headers such as `streamtype`); we answer each with
 * SYN_REPLY, exchange DATA (FLAG_FIN half-closes), RST_STREAM aborts, PING is echoed, GOAWAY ends.
 * Header blocks are zlib streams with the SPDY/3 dictionary, one compression context per direction
 * for the whole connection, so they are (de)compressed strictly in frame order (async zlib, queued).
 * spdystream does no flow control: WINDOW_UPDATE and SETTINGS are read and ignored, none are sent.
 */
import { Duplex } from 'node:stream';
import zlib from 'node:zlib';
import { SPDY3_DICTIONARY } from './spdy-dictionary.js';

export const FLAG_FIN = 0x01;
export const TYPE = {
  synStream: 1,
  synReply: 2,
  rstStream: 3,
  settings: 4,
  ping: 6,
  goAway: 7,
  headers: 8,
  windowUpdate: 9,
} as const;
/** RST_STREAM status codes used here. */
export const RST = { protocolError: 1, invalidStream: 2, refusedStream: 3, cancel: 5, internalError: 6 } as const;

/** A frame as read off the wire; header blocks still compressed. */
export type RawFrame =
  | { control: false; streamId: number; flags: number; data: Buffer }
  | { control: true; type: number; flags: number; data: Buffer };

/** Splits a byte stream into frames; keeps partial input until the rest arrives. */
export class FrameSplitter {
  private buf: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): RawFrame[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const out: RawFrame[] = [];
    while (this.buf.length >= 8) {
      const len = this.buf.readUIntBE(5, 3);
      if (this.buf.length < 8 + len) break;
      const flags = this.buf[4] ?? 0;
      const data = this.buf.subarray(8, 8 + len);
      const first = this.buf.readUInt32BE(0);
      if (first & 0x80000000) {
        const version = (first >>> 16) & 0x7fff;
        if (version !== 3) throw new Error(`unsupported SPDY version ${version}`);
        out.push({ control: true, type: first & 0xffff, flags, data });
      } else {
        out.push({ control: false, streamId: first & 0x7fffffff, flags, data });
      }
      this.buf = this.buf.subarray(8 + len);
    }
    return out;
  }
}

function controlFrame(type: number, flags: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE((0x8000 | 3) * 0x10000 + type, 0);
  head.writeUInt32BE(flags * 0x1000000 + payload.length, 4);
  return Buffer.concat([head, payload]);
}

/** A DATA frame (payloads above 16 MiB - 1 must be split by the caller). Pure. */
export function dataFrame(streamId: number, data: Buffer, fin = false): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(streamId & 0x7fffffff, 0);
  head.writeUInt32BE((fin ? FLAG_FIN : 0) * 0x1000000 + data.length, 4);
  return Buffer.concat([head, data]);
}

export function rstStreamFrame(streamId: number, status: number): Buffer {
  const p = Buffer.alloc(8);
  p.writeUInt32BE(streamId & 0x7fffffff, 0);
  p.writeUInt32BE(status, 4);
  return controlFrame(TYPE.rstStream, 0, p);
}

export function pingFrame(id: number): Buffer {
  const p = Buffer.alloc(4);
  p.writeUInt32BE(id >>> 0, 0);
  return controlFrame(TYPE.ping, 0, p);
}

export function goAwayFrame(lastGoodStreamId: number, status = 0): Buffer {
  const p = Buffer.alloc(8);
  p.writeUInt32BE(lastGoodStreamId & 0x7fffffff, 0);
  p.writeUInt32BE(status, 4);
  return controlFrame(TYPE.goAway, 0, p);
}

/** The uncompressed name/value block: count, then (len, name, len, value) with 32-bit lengths. Pure. */
export function encodeHeaderBlock(headers: Record<string, string>): Buffer {
  const parts: Buffer[] = [];
  const u32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n);
    return b;
  };
  const entries = Object.entries(headers);
  parts.push(u32(entries.length));
  for (const [k, v] of entries) {
    const name = Buffer.from(k.toLowerCase());
    const value = Buffer.from(v);
    parts.push(u32(name.length), name, u32(value.length), value);
  }
  return Buffer.concat(parts);
}

/** Parses a name/value block; names lower-cased, multiple values (NUL-separated) joined by ','. Pure. */
export function decodeHeaderBlock(block: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let off = 0;
  const u32 = () => {
    if (off + 4 > block.length) throw new Error('truncated SPDY header block');
    const n = block.readUInt32BE(off);
    off += 4;
    return n;
  };
  const str = () => {
    const n = u32();
    if (off + n > block.length) throw new Error('truncated SPDY header block');
    const s = block.subarray(off, off + n).toString('utf8');
    off += n;
    return s;
  };
  const count = u32();
  for (let i = 0; i < count; i++) {
    const name = str().toLowerCase();
    out[name] = str().split('\0').join(',');
  }
  return out;
}

/** One zlib context (deflate or inflate with the SPDY dictionary); calls are serialised by the caller. */
export class HeaderCodec {
  private chunks: Buffer[] = [];

  constructor(private readonly z: zlib.Deflate | zlib.Inflate) {
    z.on('data', (c: Buffer) => this.chunks.push(c));
    z.on('error', () => {}); // reported through the flush that failed
  }

  static deflater(): HeaderCodec {
    return new HeaderCodec(zlib.createDeflate({ dictionary: SPDY3_DICTIONARY }));
  }

  static inflater(): HeaderCodec {
    return new HeaderCodec(zlib.createInflate({ dictionary: SPDY3_DICTIONARY }));
  }

  /** Feeds `input` and returns everything it produced (sync flush: a complete header block). */
  run(input: Buffer): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      this.z.once('error', onError);
      this.z.write(input);
      this.z.flush(zlib.constants.Z_SYNC_FLUSH, () => {
        this.z.off('error', onError);
        const out = Buffer.concat(this.chunks);
        this.chunks = [];
        resolve(out);
      });
    });
  }

  close(): void {
    this.z.close();
  }
}

/**
 * One stream the peer opened: a Duplex whose readable side is the peer's DATA (ends at its FIN) and
 * whose writable side becomes our DATA frames (end() sends FIN). `headers` are the SYN_STREAM's.
 */
export class SpdyStream extends Duplex {
  /** Set once we sent FIN or RST. */
  private localClosed = false;

  constructor(
    readonly session: SpdySession,
    readonly id: number,
    readonly headers: Record<string, string>,
  ) {
    super({ allowHalfOpen: true });
  }

  override _read(): void {
    // no flow control: data is pushed as it arrives
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    if (this.localClosed) {
      cb();
      return;
    }
    this.session.sendData(this.id, chunk, false).then(() => cb(), cb);
  }

  override _final(cb: (err?: Error | null) => void): void {
    if (this.localClosed) {
      cb();
      return;
    }
    this.localClosed = true;
    this.session.sendData(this.id, Buffer.alloc(0), true).then(() => cb(), cb);
  }

  /** Aborts the stream (RST_STREAM CANCEL) both ways. */
  reset(status: number = RST.cancel): void {
    if (!this.localClosed) {
      this.localClosed = true;
      this.session.sendRaw(rstStreamFrame(this.id, status));
    }
    this.session.forget(this.id);
    this.destroy();
  }

  /** @internal peer data */
  receive(data: Buffer, fin: boolean): void {
    if (data.length) this.push(data);
    if (fin) this.push(null);
  }

  /** @internal peer reset */
  peerReset(): void {
    this.localClosed = true;
    this.push(null);
    this.destroy();
  }
}

export interface SpdySessionOptions {
  /** Called for each stream the peer opens, after our SYN_REPLY is queued. */
  onStream(stream: SpdyStream): void;
  /** Called once when the connection is gone (peer GOAWAY, socket closed or a protocol error). */
  onClose?(err?: Error): void;
}

/** The server end of a SPDY/3.1 connection over any byte Duplex (TCP/TLS socket, tunnelled WebSocket). */
export class SpdySession {
  private readonly splitter = new FrameSplitter();
  private readonly inflater = HeaderCodec.inflater();
  private readonly deflater = HeaderCodec.deflater();
  private readonly streams = new Map<number, SpdyStream>();
  /** Incoming frames are handled in order (header blocks need the shared inflate context). */
  private inChain: Promise<void> = Promise.resolve();
  /** Outgoing frames are written in order (SYN_REPLY waits for deflate; data must not overtake it). */
  private outChain: Promise<void> = Promise.resolve();
  private lastStreamId = 0;
  private closed = false;

  constructor(
    private readonly socket: Duplex,
    private readonly opts: SpdySessionOptions,
  ) {
    socket.on('data', (chunk: Buffer) => this.onBytes(chunk));
    socket.on('end', () => this.shutdown());
    socket.on('close', () => this.shutdown());
    socket.on('error', (err: Error) => this.shutdown(err));
  }

  /** Feeds bytes read before the session took the socket (an upgrade's `head`). */
  feed(head: Buffer): void {
    if (head.length) this.onBytes(head);
  }

  private onBytes(chunk: Buffer): void {
    let frames: RawFrame[];
    try {
      frames = this.splitter.push(chunk);
    } catch (err) {
      this.shutdown(err as Error);
      return;
    }
    for (const f of frames) {
      this.inChain = this.inChain.then(() => this.handle(f)).catch((err: unknown) => this.shutdown(err as Error));
    }
  }

  private async handle(f: RawFrame): Promise<void> {
    if (this.closed) return;
    if (!f.control) {
      const s = this.streams.get(f.streamId);
      if (!s) return; // gone (reset or finished): spdystream drops these too
      s.receive(f.data, (f.flags & FLAG_FIN) !== 0);
      return;
    }
    switch (f.type) {
      case TYPE.synStream: {
        const id = f.data.readUInt32BE(0) & 0x7fffffff;
        const headers = decodeHeaderBlock(await this.inflater.run(f.data.subarray(10)));
        if (this.closed) return;
        if (id <= this.lastStreamId || this.streams.has(id)) {
          this.sendRaw(rstStreamFrame(id, RST.protocolError));
          return;
        }
        this.lastStreamId = id;
        const stream = new SpdyStream(this, id, headers);
        this.streams.set(id, stream);
        stream.on('close', () => this.forget(id));
        this.queue(async () =>
          controlFrame(TYPE.synReply, 0, Buffer.concat([u32(id), await this.deflater.run(encodeHeaderBlock({}))])),
        );
        if (f.flags & FLAG_FIN) stream.receive(Buffer.alloc(0), true);
        this.opts.onStream(stream);
        return;
      }
      case TYPE.headers:
      case TYPE.synReply:
        // keep the inflate context in step even though we do not use these headers
        await this.inflater.run(f.data.subarray(4));
        return;
      case TYPE.rstStream: {
        const id = f.data.readUInt32BE(0) & 0x7fffffff;
        const s = this.streams.get(id);
        this.streams.delete(id);
        s?.peerReset();
        return;
      }
      case TYPE.ping: {
        const pid = f.data.readUInt32BE(0);
        if (pid % 2 === 1) this.sendRaw(pingFrame(pid)); // client pings are odd: echo them
        return;
      }
      case TYPE.goAway:
        this.shutdown();
        return;
      default:
        return; // SETTINGS, WINDOW_UPDATE, unknown: ignored
    }
  }

  private queue(build: () => Promise<Buffer> | Buffer): Promise<void> {
    const p = this.outChain.then(async () => {
      if (this.closed || this.socket.destroyed) return;
      const frame = await build();
      if (this.socket.write(frame)) return;
      await new Promise<void>((resolve) => {
        const done = () => {
          this.socket.off('drain', done);
          this.socket.off('close', done);
          resolve();
        };
        this.socket.on('drain', done);
        this.socket.on('close', done);
      });
    });
    this.outChain = p.catch(() => {});
    return p;
  }

  /** @internal */
  sendRaw(frame: Buffer): void {
    void this.queue(() => frame).catch(() => {});
  }

  /** @internal DATA frames of at most 64 KiB. Resolves once written (or the connection is gone). */
  sendData(id: number, data: Buffer, fin: boolean): Promise<void> {
    if (data.length <= 65536) return this.queue(() => dataFrame(id, data, fin));
    const parts: Promise<void>[] = [];
    for (let off = 0; off < data.length; off += 65536) {
      const last = off + 65536 >= data.length;
      parts.push(this.queue(() => dataFrame(id, data.subarray(off, off + 65536), fin && last)));
    }
    return Promise.all(parts).then(() => {});
  }

  /** @internal */
  forget(id: number): void {
    this.streams.delete(id);
  }

  /** Sends GOAWAY once everything queued is written, then ends the connection. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.queue(() => goAwayFrame(this.lastStreamId));
    await new Promise<void>((resolve) => {
      this.socket.end(() => resolve());
      setTimeout(resolve, 1000).unref();
    });
    this.shutdown();
  }

  private shutdown(err?: Error): void {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.streams.values()) s.peerReset();
    this.streams.clear();
    this.inflater.close();
    this.deflater.close();
    if (err) this.socket.destroy();
    this.opts.onClose?.(err);
  }
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

/** Client-side helpers for tests: a SYN_STREAM with compressed headers. */
export async function synStreamFrame(
  deflater: HeaderCodec,
  id: number,
  headers: Record<string, string>,
  flags = 0,
): Promise<Buffer> {
  const head = Buffer.alloc(10);
  head.writeUInt32BE(id & 0x7fffffff, 0);
  return controlFrame(TYPE.synStream, flags, Buffer.concat([head, await deflater.run(encodeHeaderBlock(headers))]));
}
