import { createSocket, type Socket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { connect, isIPv6 } from 'node:net';

/** An upstream resolver. */
export interface Upstream {
  host: string;
  port: number;
}

/** The `nameserver` lines of a resolv.conf text (port 53), in order; loopback ones only when `keepLoopback`. Pure. */
export function parseResolvConf(text: string, keepLoopback = true): Upstream[] {
  const out: Upstream[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*nameserver\s+(\S+)/.exec(line);
    if (!m?.[1]) continue;
    if (!keepLoopback && (m[1].startsWith('127.') || m[1] === '::1')) continue;
    out.push({ host: m[1], port: 53 });
  }
  return out;
}

/** The resolvers of /etc/resolv.conf (none when unreadable). */
export function systemUpstreams(path = '/etc/resolv.conf'): Upstream[] {
  try {
    return parseResolvConf(readFileSync(path, 'utf8'));
  } catch {
    return [];
  }
}

export interface ForwarderOptions {
  upstreams: Upstream[];
  /** Per-upstream wait before trying the next (default 2000 ms); after the last, undefined. */
  timeoutMs?: number;
}

interface Pending {
  originalId: Buffer;
  query: Buffer;
  index: number;
  timer: NodeJS.Timeout;
  done: (reply: Buffer | undefined) => void;
}

/**
 * Forwards raw DNS queries over UDP to the upstreams in order: each gets `timeoutMs`, then the
 * next is tried; forward() resolves with the reply (the client's id restored) or undefined when
 * none answered (the caller answers SERVFAIL). One socket per address family; queries are
 * re-numbered so concurrent clients never collide. Replies from addresses that are not upstreams are ignored.
 */
export class Forwarder {
  private readonly sockets = new Map<'udp4' | 'udp6', Socket>();
  private readonly pending = new Map<number, Pending>();
  private nextId = Math.floor(Math.random() * 0x10000);
  private readonly timeoutMs: number;

  constructor(private readonly opts: ForwarderOptions) {
    this.timeoutMs = opts.timeoutMs ?? 2000;
  }

  get upstreams(): Upstream[] {
    return this.opts.upstreams;
  }

  /** Sends `query` (raw bytes, at least 12) upstream; resolves with the reply or undefined. Never rejects. */
  forward(query: Buffer): Promise<Buffer | undefined> {
    if (this.opts.upstreams.length === 0 || query.length < 12 || this.pending.size >= 0xffff)
      return Promise.resolve(undefined);
    return new Promise((done) => {
      const id = this.allocateId();
      const copy = Buffer.from(query);
      const p: Pending = {
        originalId: Buffer.from(copy.subarray(0, 2)),
        query: copy,
        index: 0,
        timer: setTimeout(() => undefined, 0),
        done,
      };
      copy.writeUInt16BE(id, 0);
      this.pending.set(id, p);
      this.send(id, p);
    });
  }

  /**
   * Sends `query` upstream over TCP (as CoreDNS's forward does for TCP clients, so answers too big
   * for UDP arrive whole): one connection per query, upstreams in order, `timeoutMs` each.
   * Resolves with the reply message (no length prefix) or undefined. Never rejects.
   */
  async forwardTcp(query: Buffer): Promise<Buffer | undefined> {
    for (const up of this.opts.upstreams) {
      const reply = await tcpExchange(up, query, this.timeoutMs);
      if (reply) return reply;
    }
    return undefined;
  }

  /** Closes the sockets; pending forwards resolve undefined. Idempotent. */
  close(): void {
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      this.pending.delete(id);
      p.done(undefined);
    }
    for (const s of this.sockets.values()) s.close();
    this.sockets.clear();
  }

  private send(id: number, p: Pending): void {
    const up = this.opts.upstreams[p.index];
    if (!up) {
      this.finish(id, undefined);
      return;
    }
    clearTimeout(p.timer);
    p.timer = setTimeout(() => {
      p.index++;
      this.send(id, p);
    }, this.timeoutMs);
    this.socket(isIPv6(up.host) ? 'udp6' : 'udp4').send(p.query, up.port, up.host, (err) => {
      if (err && this.pending.get(id) === p) {
        p.index++;
        this.send(id, p);
      }
    });
  }

  private finish(id: number, reply: Buffer | undefined): void {
    const p = this.pending.get(id);
    if (!p) return;
    clearTimeout(p.timer);
    this.pending.delete(id);
    if (reply) p.originalId.copy(reply, 0);
    p.done(reply);
  }

  private socket(family: 'udp4' | 'udp6'): Socket {
    let s = this.sockets.get(family);
    if (s) return s;
    s = createSocket(family);
    s.on('message', (msg, rinfo) => {
      if (msg.length < 12) return;
      // A late reply of an earlier upstream is as good as the current one's.
      if (!this.opts.upstreams.some((u) => u.port === rinfo.port && u.host === rinfo.address)) return;
      this.finish(msg.readUInt16BE(0), msg);
    });
    s.on('error', () => undefined);
    s.unref();
    this.sockets.set(family, s);
    return s;
  }

  private allocateId(): number {
    do this.nextId = (this.nextId + 1) & 0xffff;
    while (this.pending.has(this.nextId));
    return this.nextId;
  }
}

/** One length-prefixed query and reply over a fresh TCP connection; undefined on error or timeout. */
function tcpExchange(up: Upstream, query: Buffer, timeoutMs: number): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const sock = connect(up.port, up.host);
    let buf: Buffer = Buffer.alloc(0);
    const finish = (reply: Buffer | undefined) => {
      clearTimeout(timer);
      sock.destroy();
      resolve(reply);
    };
    const timer = setTimeout(() => finish(undefined), timeoutMs);
    sock.on('error', () => finish(undefined));
    sock.on('close', () => finish(undefined));
    sock.on('data', (c: Buffer) => {
      buf = Buffer.concat([buf, c]);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0))
        finish(Buffer.from(buf.subarray(2, 2 + buf.readUInt16BE(0))));
    });
    const frame = Buffer.alloc(2 + query.length);
    frame.writeUInt16BE(query.length, 0);
    query.copy(frame, 2);
    sock.write(frame);
  });
}
