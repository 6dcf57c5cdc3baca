import { createSocket, type Socket } from 'node:dgram';
import { createServer, type Server, type Socket as TcpSocket } from 'node:net';
import { isIP, isIPv6 } from 'node:net';
import { lookup, type LookupOneOptions } from 'node:dns';
import dnsPacket, { type DecodedPacket, type OptAnswer, type Packet } from 'dns-packet';
import type { Logger } from 'pino';
import { RCODE_SERVFAIL, resolve, responseTo } from './answer.js';
import { DnsMetrics } from './dns-metrics.js';
import type { Forwarder } from './forwarder.js';
import type { RecordTable } from './record-table.js';
import { readQuestion } from './wire-question.js';
import { encodeResponse, typeCode, UnsupportedRecordError } from './wire-encode.js';

/** Largest UDP answer we offer with EDNS0 (the DNS flag day 2020 value). */
export const EDNS_PAYLOAD = 1232;
const CLASSIC_UDP_MAX = 512;
const TC_FLAG = 0x200;
const TCP_IDLE_MS = 10_000;
const RD_FLAG = 0x100;
/** Cached encoded answers are dropped wholesale beyond this many (or when the table changes). */
const CACHE_MAX = 50_000;

export interface DnsServerOptions {
  table: RecordTable;
  forwarder: Forwarder;
  log: Logger;
  host: string;
  /** 0 picks a free port (the same for UDP and TCP is tried, see listen()). */
  port: number;
  /** Where to count queries, cache hits, forwards (default: metrics in a registry of their own). */
  metrics?: DnsMetrics;
}

/**
 * The cluster DNS server: one UDP socket and one TCP listener on host:port.
 *   datagram / TCP frame --> decode --> resolve() from the RecordTable --> encode --> reply
 *                                   \-> not ours: Forwarder (upstreams, over the client's transport) --> reply as received
 * Answers are encoded with name compression (wire-encode.ts). Over UDP an answer larger than the
 * client's limit (512 bytes, or its EDNS0 payload size up to EDNS_PAYLOAD) keeps the answer records
 * that fit and is sent with TC (as CoreDNS), so the client retries over TCP. Malformed packets are
 * dropped; an answer that cannot be built is SERVFAIL.
 */
export class DnsServer {
  private udp?: Socket;
  private tcp?: Server;
  private readonly conns = new Set<TcpSocket>();
  /** Queries answered (all transports), for tests and benchmarks. */
  queries = 0;
  /** Encoded authoritative answers by question key + size limit, valid for one table version. */
  private readonly cache = new Map<string, Buffer>();
  private cacheVersion = -1;
  readonly metrics: DnsMetrics;

  constructor(private readonly opts: DnsServerOptions) {
    this.metrics = opts.metrics ?? new DnsMetrics();
    this.metrics.trackNames(() => opts.table.size);
  }

  /** Binds UDP then TCP on the same port (with port 0, the port UDP got). Resolves with the port. */
  async listen(): Promise<number> {
    // Replies go to the sender's address literal: skip dns.lookup (and its nextTick) on every send.
    const udp = createSocket({
      type: isIPv6(this.opts.host) ? 'udp6' : 'udp4',
      reuseAddr: false,
      lookup: literalLookup,
    });
    udp.on('message', (msg, rinfo) => {
      const r = this.reply(msg, 'udp');
      if (Buffer.isBuffer(r))
        udp.send(r, rinfo.port, rinfo.address); // cache hit: no promise on the hot path
      else
        r.then(
          (reply) => {
            if (reply) udp.send(reply, rinfo.port, rinfo.address);
          },
          (err: unknown) => this.failed(err),
        );
    });
    udp.on('error', (err) => this.opts.log.warn({ err: err.message }, 'dns: udp socket error'));
    await new Promise<void>((res, rej) => {
      udp.once('error', rej);
      udp.bind(this.opts.port, this.opts.host, () => {
        udp.off('error', rej);
        res();
      });
    });
    this.udp = udp;
    const port = udp.address().port;
    const tcp = createServer((sock) => this.serveTcp(sock));
    await new Promise<void>((res, rej) => {
      tcp.once('error', rej);
      tcp.listen(port, this.opts.host, () => {
        tcp.off('error', rej);
        res();
      });
    });
    this.tcp = tcp;
    return port;
  }

  /** Closes both listeners and open TCP connections. Idempotent. */
  async close(): Promise<void> {
    for (const c of this.conns) c.destroy();
    this.conns.clear();
    const udp = this.udp;
    const tcp = this.tcp;
    this.udp = undefined;
    this.tcp = undefined;
    await Promise.all([
      udp ? new Promise<void>((r) => udp.close(() => r())) : undefined,
      tcp ? new Promise<void>((r) => tcp.close(() => r())) : undefined,
    ]);
  }

  /**
   * Answers one raw query; undefined means no reply (undecodable, or not a query). Cluster answers
   * are cached encoded per (question, size limit) until the table changes: a repeat costs a copy
   * plus patching the id, the RD bit and the question's spelling (names compare case-insensitively,
   * so the asked spelling has the cached length).
   */
  async handle(msg: Buffer, transport: 'udp' | 'tcp'): Promise<Buffer | undefined> {
    return this.reply(msg, transport);
  }

  /** handle(), with a cache hit returned synchronously. */
  private reply(msg: Buffer, transport: 'udp' | 'tcp'): Buffer | Promise<Buffer | undefined> {
    const wq = readQuestion(msg);
    if (this.cacheVersion !== this.opts.table.version) {
      this.cache.clear();
      this.cacheVersion = this.opts.table.version;
    }
    if (wq) {
      const limit = transport === 'tcp' ? 65535 : udpLimit(wq.ednsPayload);
      const key = `${wq.key}|${limit}|${wq.ednsPayload === undefined ? 0 : 1}`;
      const qtype = msg.readUInt16BE(wq.end - 4);
      const hit = this.cache.get(key);
      if (hit) {
        this.queries++;
        this.metrics.cacheHits++;
        const out = Buffer.allocUnsafe(hit.length);
        hit.copy(out);
        msg.copy(out, 0, 0, 2);
        out.writeUInt16BE((out.readUInt16BE(2) & ~RD_FLAG) | (msg.readUInt16BE(2) & RD_FLAG), 2);
        msg.copy(out, 12, 12, wq.end);
        this.count(qtype, out, transport);
        return out;
      }
      this.metrics.cacheMisses++;
      return this.answer(msg, transport).then((reply) => {
        if (reply?.authoritative) {
          if (this.cache.size >= CACHE_MAX) this.cache.clear();
          this.cache.set(key, reply.bytes);
        }
        if (reply) this.count(qtype, reply.bytes, transport);
        return reply?.bytes;
      });
    }
    return this.answer(msg, transport).then((reply) => {
      if (reply) this.count(reply.qtype, reply.bytes, transport);
      return reply?.bytes;
    });
  }

  /** A query that could not be answered at all (no reply is sent; the client retries). */
  private failed(err: unknown): void {
    this.opts.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'dns: query dropped');
  }

  private count(qtype: number, reply: Buffer, transport: 'udp' | 'tcp'): void {
    if (reply.length < 4) return;
    this.metrics.query(qtype, (reply[3] as number) & 15);
    if (transport === 'udp' && (reply[2] as number) & (TC_FLAG >> 8)) this.metrics.truncated++;
  }

  private async answer(
    msg: Buffer,
    transport: 'udp' | 'tcp',
  ): Promise<{ bytes: Buffer; authoritative: boolean; qtype: number } | undefined> {
    let query: DecodedPacket;
    try {
      query = dnsPacket.decode(msg);
    } catch {
      return undefined;
    }
    if (query.type !== 'query') return undefined;
    this.queries++;
    let qtype = 0;
    try {
      qtype = query.questions?.[0] ? typeCode(query.questions[0].type) : 0;
    } catch {
      /* counted as "other" */
    }
    const opt = query.additionals?.find((a): a is OptAnswer => a.type === 'OPT');
    const limit = transport === 'tcp' ? 65535 : udpLimit(opt?.udpPayloadSize);
    let packet: Packet;
    let authoritative = false;
    try {
      const r = resolve(query, this.opts.table);
      if (r.kind === 'forward') {
        const started = process.hrtime.bigint();
        const reply =
          transport === 'tcp' ? await this.opts.forwarder.forwardTcp(msg) : await this.opts.forwarder.forward(msg);
        this.metrics.forwarded(transport, Number(process.hrtime.bigint() - started) / 1e9, reply !== undefined);
        if (reply) return { bytes: reply, authoritative: false, qtype };
        packet = responseTo(query, RCODE_SERVFAIL, false);
      } else {
        packet = r.packet;
        authoritative = true;
      }
    } catch (err) {
      this.opts.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'dns: answering failed');
      packet = responseTo(query, RCODE_SERVFAIL, false);
    }
    if (opt) packet.additionals = [...(packet.additionals ?? []), ednsRecord()];
    try {
      return { bytes: encodeResponse(packet, limit), authoritative, qtype };
    } catch (err) {
      if (!(err instanceof UnsupportedRecordError))
        this.opts.log.warn(
          { err: err instanceof Error ? err.message : String(err) },
          'dns: compressing encoder failed',
        );
    }
    // A record or name our encoder does not write: dns-packet, uncompressed, TC without records when too big.
    const out = dnsPacket.encode(packet);
    if (out.length <= limit) return { bytes: out, authoritative, qtype };
    const truncated = dnsPacket.encode({
      ...packet,
      flags: (packet.flags ?? 0) | TC_FLAG,
      answers: [],
      authorities: [],
      additionals: opt ? [ednsRecord()] : [],
    });
    return { bytes: truncated, authoritative, qtype };
  }

  private serveTcp(sock: TcpSocket): void {
    this.conns.add(sock);
    sock.setTimeout(TCP_IDLE_MS, () => sock.destroy());
    sock.on('close', () => this.conns.delete(sock));
    sock.on('error', () => sock.destroy());
    let buf: Buffer = Buffer.alloc(0);
    sock.on('data', (chunk: Buffer) => {
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      while (buf.length >= 2) {
        const len = buf.readUInt16BE(0);
        if (buf.length < 2 + len) break;
        const msg = buf.subarray(2, 2 + len);
        buf = buf.subarray(2 + len);
        this.handle(msg, 'tcp').then(
          (reply) => {
            if (!reply || sock.destroyed) return;
            const frame = Buffer.allocUnsafe(2 + reply.length);
            frame.writeUInt16BE(reply.length, 0);
            reply.copy(frame, 2);
            sock.write(frame);
          },
          (err: unknown) => this.failed(err),
        );
      }
    });
  }
}

/** dgram's lookup: address literals (replies go to rinfo.address) answered synchronously; names (a listen host) by dns.lookup. */
function literalLookup(
  address: string,
  options: LookupOneOptions,
  callback: (err: NodeJS.ErrnoException | null, address: string, family: number) => void,
): void {
  const f = isIP(address);
  if (f) callback(null, address, f);
  else lookup(address, options, callback);
}

/** The UDP answer size a client accepts: 512 without EDNS0, else its offer within [512, EDNS_PAYLOAD]. Pure. */
function udpLimit(ednsPayload: number | undefined): number {
  return ednsPayload === undefined ? CLASSIC_UDP_MAX : Math.min(Math.max(ednsPayload, CLASSIC_UDP_MAX), EDNS_PAYLOAD);
}

function ednsRecord(): OptAnswer {
  return {
    type: 'OPT',
    name: '.',
    udpPayloadSize: EDNS_PAYLOAD,
    extendedRcode: 0,
    ednsVersion: 0,
    flags: 0,
    flag_do: false,
    options: [],
  };
}
